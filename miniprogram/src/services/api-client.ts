import './zod-jitless';
import type Taro from '@tarojs/taro';
import type { z } from 'zod';
import type { ErrorBody } from '@o2o/shared/schemas/common';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiCall {
  method: HttpMethod;
  path: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Send the bearer token and re-login on an expired session (default true). */
  auth?: boolean;
}

/** A call whose answer is parsed with the server's own response schema (`@o2o/shared/schemas/*`). */
export interface ParsedApiCall<S extends z.ZodType> extends ApiCall {
  response: S;
}

export interface HttpResponse {
  statusCode: number;
  data: unknown;
}

/** Taro.request in the app, a fake in tests. Rejects only when no response arrived. */
export type Transport = (options: Taro.request.Option) => Promise<HttpResponse>;

/** One file sent as multipart (Taro.uploadFile): the form field `name` carries the file at `filePath`. */
export interface UploadRequest {
  url: string;
  filePath: string;
  name: string;
  header: Record<string, string>;
  timeout: number;
}

/** Taro.uploadFile in the app, a fake in tests. Its answer's body is text (JSON for this API). Rejects only when no response arrived. */
export type UploadTransport = (options: UploadRequest) => Promise<HttpResponse>;

/** A file upload whose JSON answer is parsed with the server's response schema. */
export interface UploadCall<S extends z.ZodType> {
  path: string;
  filePath: string;
  /** The form field the server reads the file from. */
  field: string;
  response: S;
}

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/**
 * `network`: no answer (offline, timeout) — the UI offers a retry.
 * `http`: the server answered with the one error body: `code` is its stable machine code.
 * `contract`: the server answered, but not in the shape its schema promises (this app and the
 * server disagree on the contract): `details` names the paths that did not match.
 */
export class ApiError extends Error {
  constructor(
    readonly kind: 'network' | 'http' | 'contract',
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get retryable(): boolean {
    return this.kind === 'network' || this.status >= 500 || this.status === 429;
  }
}

export function toQueryString(query: ApiCall['query']): string {
  if (!query) return '';
  const pairs = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

/** Turns an API call into Taro.request options: JSON in and out, bearer token when signed in. */
export function toRequestOptions(baseUrl: string, call: ApiCall, token?: string | null): Taro.request.Option {
  const header: Record<string, string> = { 'content-type': 'application/json' };
  if (token) header.authorization = `Bearer ${token}`;
  return {
    url: `${baseUrl.replace(/\/+$/, '')}${call.path}${toQueryString(call.query)}`,
    method: call.method,
    data: call.body as Taro.request.Option['data'],
    header,
    dataType: 'json',
    timeout: 15_000,
  };
}

function errorFrom(response: HttpResponse): ApiError {
  const body = response.data as Partial<ErrorBody> | null;
  const error = body && typeof body === 'object' ? body.error : undefined;
  return new ApiError('http', response.statusCode, error?.code ?? `HTTP_${response.statusCode}`, error?.message ?? `请求失败（${response.statusCode}）`, error?.details ?? null);
}

/** A 401 that a fresh login can fix: our session expired, or the server no longer knows our token. */
function isExpiredSession(error: ApiError, sentToken: boolean): boolean {
  return error.status === 401 && (error.code === 'SESSION_EXPIRED' || (sentToken && error.code === 'UNAUTHENTICATED'));
}

export interface ApiClientOptions {
  baseUrl: () => string;
  transport: Transport;
  tokens: TokenStore;
  /** Signs in again and stores the new token; called at most once at a time. */
  relogin: () => Promise<void>;
  /** Needed for `upload` only. */
  uploadTransport?: UploadTransport;
}

export interface ApiClient {
  /** Sends the call and parses the answer with `call.response`: the result is what the schema vouches for. */
  request<S extends z.ZodType>(call: ParsedApiCall<S>): Promise<z.output<S>>;
  /** Sends the call; the caller parses the answer itself (it is `unknown` until then). */
  request<T = unknown>(call: ApiCall): Promise<T>;
  /** Uploads a file (same token and re-login rules as `request`) and parses the answer with `call.response`. */
  upload<S extends z.ZodType>(call: UploadCall<S>): Promise<z.output<S>>;
}

const UPLOAD_TIMEOUT_MS = 60_000;

/** An upload's answer arrives as text: JSON when the server answered, anything else stays as it came. */
function parsedUploadBody(response: HttpResponse): HttpResponse {
  if (typeof response.data !== 'string') return response;
  try {
    return { statusCode: response.statusCode, data: JSON.parse(response.data) as unknown };
  } catch {
    return response;
  }
}

export const CONTRACT_MISMATCH_TEXT = '小程序版本与服务器不一致，请关闭后重新打开小程序';

/** One mismatch per path, `$` for the whole body: `items.0.pointsCost: Invalid input: expected number, received string`. */
function mismatchPaths(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.length > 0 ? issue.path.map(String).join('.') : '$', message: issue.message }));
}

/**
 * Parses an answer with its schema. A mismatch is a defect, not the user's doing: the user reads
 * one Chinese sentence, the console the call and every path that did not match.
 */
export function parseResponse<S extends z.ZodType>(call: ApiCall, schema: S, data: unknown, status = 200): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const mismatches = mismatchPaths(parsed.error);
  console.error(`[api] contract mismatch: ${call.method} ${call.path}`, mismatches.map((mismatch) => `${mismatch.path}: ${mismatch.message}`).join('; '));
  throw new ApiError('contract', status, 'CONTRACT_MISMATCH', CONTRACT_MISMATCH_TEXT, mismatches);
}

/**
 * The one place that attaches the token and handles an expired session: the first 401
 * SESSION_EXPIRED triggers one re-login (shared by every request waiting on it) and the request is
 * sent once more; the page never notices.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  let reloginInFlight: Promise<void> | null = null;

  const reloginOnce = (): Promise<void> => {
    if (!reloginInFlight) {
      reloginInFlight = options.relogin().finally(() => {
        reloginInFlight = null;
      });
    }
    return reloginInFlight;
  };

  async function send(call: ApiCall, token: string | null): Promise<HttpResponse> {
    return reachServer(() => options.transport(toRequestOptions(options.baseUrl(), call, token)));
  }

  async function reachServer(attempt: () => Promise<HttpResponse>): Promise<HttpResponse> {
    try {
      return await attempt();
    } catch (cause) {
      // The transport's own text (request:fail timeout, Failed to fetch) is English: keep it out of the message.
      const reason = cause instanceof Error ? cause.message : String((cause as { errMsg?: string })?.errMsg ?? cause);
      throw new ApiError('network', 0, 'NETWORK_ERROR', '网络不给力，请稍后重试', { reason });
    }
  }

  const answer = (call: ApiCall | ParsedApiCall<z.ZodType>, response: HttpResponse): unknown =>
    'response' in call && call.response ? parseResponse(call, call.response, response.data, response.statusCode) : response.data;

  /** Sends once; on an expired session, signs in again (once, shared) and sends once more. */
  async function withSession(useAuth: boolean, sendWith: (token: string | null) => Promise<HttpResponse>): Promise<HttpResponse> {
    const token = useAuth ? options.tokens.get() : null;
    const response = await sendWith(token);
    if (response.statusCode < 400) return response;

    const error = errorFrom(response);
    if (!useAuth || !isExpiredSession(error, token !== null)) throw error;

    options.tokens.set(null);
    await reloginOnce();
    const retried = await sendWith(options.tokens.get());
    if (retried.statusCode < 400) return retried;
    throw errorFrom(retried);
  }

  async function request(call: ApiCall | ParsedApiCall<z.ZodType>): Promise<unknown> {
    return answer(call, await withSession(call.auth !== false, (token) => send(call, token)));
  }

  async function upload<S extends z.ZodType>(call: UploadCall<S>): Promise<z.output<S>> {
    const uploadTransport = options.uploadTransport;
    if (!uploadTransport) throw new Error('createApiClient: no uploadTransport configured');
    const url = `${options.baseUrl().replace(/\/+$/, '')}${call.path}`;
    const response = await withSession(true, async (token) =>
      parsedUploadBody(await reachServer(() => uploadTransport({ url, filePath: call.filePath, name: call.field, header: token ? { authorization: `Bearer ${token}` } : {}, timeout: UPLOAD_TIMEOUT_MS }))),
    );
    return parseResponse({ method: 'POST', path: call.path }, call.response, response.data, response.statusCode);
  }

  return { request: request as ApiClient['request'], upload };
}
