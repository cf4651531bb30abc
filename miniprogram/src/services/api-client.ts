import type Taro from '@tarojs/taro';
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

export interface HttpResponse {
  statusCode: number;
  data: unknown;
}

/** Taro.request in the app, a fake in tests. Rejects only when no response arrived. */
export type Transport = (options: Taro.request.Option) => Promise<HttpResponse>;

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/**
 * `network`: no answer (offline, timeout) — the UI offers a retry.
 * `http`: the server answered with the one error body: `code` is its stable machine code.
 */
export class ApiError extends Error {
  constructor(
    readonly kind: 'network' | 'http',
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
}

export interface ApiClient {
  request<T>(call: ApiCall): Promise<T>;
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
    try {
      return await options.transport(toRequestOptions(options.baseUrl(), call, token));
    } catch (cause) {
      // The transport's own text (request:fail timeout, Failed to fetch) is English: keep it out of the message.
      const reason = cause instanceof Error ? cause.message : String((cause as { errMsg?: string })?.errMsg ?? cause);
      throw new ApiError('network', 0, 'NETWORK_ERROR', '网络不给力，请稍后重试', { reason });
    }
  }

  async function request<T>(call: ApiCall): Promise<T> {
    const useAuth = call.auth !== false;
    const token = useAuth ? options.tokens.get() : null;
    const response = await send(call, token);
    if (response.statusCode < 400) return response.data as T;

    const error = errorFrom(response);
    if (!useAuth || !isExpiredSession(error, token !== null)) throw error;

    options.tokens.set(null);
    await reloginOnce();
    const retried = await send(call, options.tokens.get());
    if (retried.statusCode < 400) return retried.data as T;
    throw errorFrom(retried);
  }

  return { request };
}
