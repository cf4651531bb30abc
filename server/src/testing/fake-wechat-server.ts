import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import QRCode from 'qrcode';

/**
 * A fake of WeChat's server APIs for tests, on 127.0.0.1: the same paths, query parameters, JSON shapes
 * and errcodes (always with HTTP 200, as WeChat does), scriptable per test.
 */

export type FakeWechatPath =
  | '/sns/jscode2session'
  | '/cgi-bin/token'
  | '/wxa/getwxacodeunlimit'
  | '/wxa/business/getuserphonenumber'
  | '/cgi-bin/message/subscribe/send';

export interface FakeWechatServerOptions {
  appId?: string;
  appSecret?: string;
  /** Lifetime WeChat announces for access tokens; default 7200 seconds. */
  accessTokenExpiresInSeconds?: number;
  /** Pages of the "published" mini-program, checked when a code is drawn with check_path; default the index and landing pages. */
  pages?: string[];
}

export interface FakeLoginUser {
  openid: string;
  unionid?: string;
  /** The session_key to answer (base64 of 16 bytes), so a test can encrypt data as WeChat would for this user; random otherwise. */
  sessionKey?: string;
}

export interface FakePhoneNumber {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body of a POST, else undefined. */
  body: unknown;
}

export interface FakeSubscribeMessage {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: string;
}

type Answer = { json: Record<string, unknown> } | { png: Buffer };

const ERRMSGS: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40029: 'invalid code',
  40037: 'invalid template_id',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40129: 'invalid scene',
  40163: 'code been used',
  40226: 'high risk user',
  41001: 'access_token missing',
  41030: 'invalid page',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  43101: 'user refuse to accept the msg',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  47001: 'data format error',
  47003: 'argument invalid!',
};

function errorAnswer(errcode: number): Answer {
  return { json: { errcode, errmsg: `${ERRMSGS[errcode] ?? 'error'} rid: ${randomBytes(6).toString('hex')}` } };
}

const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
const POST_PATHS = new Set<string>(['/wxa/getwxacodeunlimit', '/wxa/business/getuserphonenumber', '/cgi-bin/message/subscribe/send']);

export class FakeWechatServer {
  readonly appId: string;
  readonly appSecret: string;
  readonly requests: FakeRequest[] = [];
  /** Valid phone-number codes for getuserphonenumber; each is removed when used, as WeChat's codes are single-use. */
  readonly phoneCodes = new Map<string, FakePhoneNumber>();
  readonly subscribeMessages: FakeSubscribeMessage[] = [];
  readonly pages: Set<string>;
  private readonly accessTokenExpiresInSeconds: number;
  private readonly loginCodes = new Map<string, FakeLoginUser & { used: boolean }>();
  private readonly accessTokens = new Map<string, number>();
  private readonly failures = new Map<string, { errcode: number; times: number }[]>();
  private readonly delays = new Map<string, { ms: number; times: number }[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private issuedTokens = 0;

  constructor(
    private readonly server: http.Server,
    options: FakeWechatServerOptions,
  ) {
    this.appId = options.appId ?? 'wx-test-appid';
    this.appSecret = options.appSecret ?? 'test-secret';
    this.accessTokenExpiresInSeconds = options.accessTokenExpiresInSeconds ?? 7200;
    this.pages = new Set(options.pages ?? ['pages/index/index', 'pages/landing/index']);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How many times /cgi-bin/token was called. */
  get tokenRequests(): number {
    return this.requests.filter((request) => request.path === '/cgi-bin/token').length;
  }

  /** Registers a wx.login code; it works once, then answers 40163. Unknown codes answer 40029. */
  addLoginCode(code: string, user: FakeLoginUser): void {
    this.loginCodes.set(code, { ...user, used: false });
  }

  /** The next `times` calls to `path` answer `errcode`. */
  failNext(path: FakeWechatPath, errcode: number, times = 1): void {
    this.queue(this.failures, path, { errcode, times });
  }

  /** The next `times` calls to `path` are answered only after `ms`. */
  delayNext(path: FakeWechatPath, ms: number, times = 1): void {
    this.queue(this.delays, path, { ms, times });
  }

  /** Every access token issued so far becomes invalid: calls carrying one answer 40001. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** @internal */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: unknown;
    let malformed = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        malformed = true;
      }
    }
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body };
    this.requests.push(request);

    const delay = this.take(this.delays, request.path);
    if (delay) await this.wait(delay.ms);
    const failure = this.take(this.failures, request.path);
    const answer = failure ? errorAnswer(failure.errcode) : malformed ? errorAnswer(47001) : await this.answer(request);
    if (!answer) {
      send(res, 404, 'text/plain', Buffer.from('not found'));
    } else if ('png' in answer) {
      send(res, 200, 'image/png', answer.png);
    } else {
      send(res, 200, 'application/json; encoding=utf-8', Buffer.from(JSON.stringify(answer.json)));
    }
  }

  private async answer(request: FakeRequest): Promise<Answer | null> {
    const wantsPost = POST_PATHS.has(request.path);
    if (wantsPost && request.method !== 'POST') return errorAnswer(43002);
    if (!wantsPost && request.method !== 'GET') return errorAnswer(43001);
    switch (request.path) {
      case '/sns/jscode2session':
        return this.code2Session(request.query);
      case '/cgi-bin/token':
        return this.token(request.query);
      case '/wxa/getwxacodeunlimit':
        return this.withAccessToken(request, (body) => this.unlimitedQrCode(body));
      case '/wxa/business/getuserphonenumber':
        return this.withAccessToken(request, (body) => this.phoneNumber(body));
      case '/cgi-bin/message/subscribe/send':
        return this.withAccessToken(request, (body) => this.subscribeSend(body));
      default:
        return null;
    }
  }

  private credentialsError(query: Record<string, string>): Answer | null {
    if (query.appid !== this.appId) return errorAnswer(40013);
    if (query.secret !== this.appSecret) return errorAnswer(40125);
    return null;
  }

  private code2Session(query: Record<string, string>): Answer {
    const rejected = this.credentialsError(query);
    if (rejected) return rejected;
    if (query.grant_type !== 'authorization_code') return errorAnswer(40002);
    const login = this.loginCodes.get(query.js_code ?? '');
    if (!login) return errorAnswer(40029);
    if (login.used) return errorAnswer(40163);
    login.used = true;
    return {
      json: {
        openid: login.openid,
        session_key: login.sessionKey ?? randomBytes(16).toString('base64'),
        ...(login.unionid ? { unionid: login.unionid } : {}),
      },
    };
  }

  private token(query: Record<string, string>): Answer {
    if (query.grant_type !== 'client_credential') return errorAnswer(40002);
    const rejected = this.credentialsError(query);
    if (rejected) return rejected;
    this.issuedTokens += 1;
    const token = `fake-access-token-${this.issuedTokens}-${randomBytes(8).toString('hex')}`;
    this.accessTokens.set(token, Date.now() + this.accessTokenExpiresInSeconds * 1000);
    return { json: { access_token: token, expires_in: this.accessTokenExpiresInSeconds } };
  }

  private async withAccessToken(request: FakeRequest, answer: (body: Record<string, unknown>) => Answer | Promise<Answer>): Promise<Answer> {
    const token = request.query.access_token;
    if (!token) return errorAnswer(41001);
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) return errorAnswer(40001);
    if (Date.now() >= expiresAt) return errorAnswer(42001);
    if (typeof request.body !== 'object' || request.body === null) return errorAnswer(44002);
    return answer(request.body as Record<string, unknown>);
  }

  private async unlimitedQrCode(body: Record<string, unknown>): Promise<Answer> {
    const { scene, page, check_path: checkPath, env_version: envVersion } = body;
    if (typeof scene !== 'string' || !SCENE.test(scene)) return errorAnswer(40129);
    if (page !== undefined) {
      if (typeof page !== 'string' || page.startsWith('/')) return errorAnswer(41030);
      if (checkPath !== false && !this.pages.has(page)) return errorAnswer(41030);
    }
    if (envVersion !== undefined && !['release', 'trial', 'develop'].includes(envVersion as string)) return errorAnswer(40097);
    return { png: await QRCode.toBuffer(scene, { type: 'png', margin: 1, width: 64 }) };
  }

  private phoneNumber(body: Record<string, unknown>): Answer {
    const phone = typeof body.code === 'string' ? this.phoneCodes.get(body.code) : undefined;
    if (!phone) return errorAnswer(40029);
    this.phoneCodes.delete(body.code as string);
    return {
      json: {
        errcode: 0,
        errmsg: 'ok',
        phone_info: { ...phone, watermark: { timestamp: Math.floor(Date.now() / 1000), appid: this.appId } },
      },
    };
  }

  private subscribeSend(body: Record<string, unknown>): Answer {
    const { touser, template_id: templateId, page, data, miniprogram_state: state } = body;
    if (typeof touser !== 'string' || touser === '') return errorAnswer(40003);
    if (typeof templateId !== 'string' || templateId === '') return errorAnswer(40037);
    const validData =
      typeof data === 'object' && data !== null &&
      Object.values(data).every((entry) => typeof entry === 'object' && entry !== null && typeof (entry as { value?: unknown }).value === 'string');
    if (!validData) return errorAnswer(47003);
    if (state !== undefined && !['developer', 'trial', 'formal'].includes(state as string)) return errorAnswer(47003);
    this.subscribeMessages.push({
      touser,
      template_id: templateId,
      ...(typeof page === 'string' ? { page } : {}),
      data: data as Record<string, { value: string }>,
      ...(typeof state === 'string' ? { miniprogram_state: state } : {}),
    });
    return { json: { errcode: 0, errmsg: 'ok', msgid: Date.now() } };
  }

  private queue<T extends { times: number }>(queues: Map<string, T[]>, path: string, entry: T): void {
    if (entry.times < 1) return;
    queues.set(path, [...(queues.get(path) ?? []), entry]);
  }

  private take<T extends { times: number }>(queues: Map<string, T[]>, path: string): T | undefined {
    const [first] = queues.get(path) ?? [];
    if (!first) return undefined;
    first.times -= 1;
    if (first.times === 0) queues.get(path)!.shift();
    return first;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: Buffer): void {
  // The client may have given up (a timeout test); answering a closed socket is pointless.
  if (res.destroyed || res.req.socket.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}

export async function startFakeWechatServer(options: FakeWechatServerOptions = {}): Promise<FakeWechatServer> {
  let fake: FakeWechatServer | undefined;
  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    fake!.handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  fake = new FakeWechatServer(server, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return fake;
}
