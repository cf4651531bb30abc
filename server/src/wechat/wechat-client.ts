import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../lib/app-error';

/** An expected failure of a WeChat API call, with a stable code and the HTTP status our API answers with. */
export class WechatError extends AppError {
  constructor(code: string, message: string, status: number, details?: unknown) {
    super(code, message, status, details);
    this.name = 'WechatError';
  }
}

export interface WechatClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  /** Timeout of one HTTP call to WeChat; default 5000. */
  timeoutMs?: number;
  logger?: Logger;
  /** Clock for the access-token cache; default Date.now. */
  now?: () => number;
}

export interface WechatSession {
  openid: string;
  unionid?: string;
  /** Decrypts data the mini-program receives from WeChat; keep it on the server, never log it. */
  sessionKey: string;
}

export interface WechatPhoneNumber {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface UnlimitedQrCodeInput {
  /** At most 32 visible ASCII characters; WeChat hands it to the page as `scene`. */
  scene: string;
  page?: string;
  /** When true (WeChat's default), WeChat rejects a page the published mini-program does not have. */
  checkPath?: boolean;
  envVersion?: 'release' | 'trial' | 'develop';
  width?: number;
}

export interface SubscribeMessageInput {
  openid: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: 'developer' | 'trial' | 'formal';
}

interface ErrcodeMeaning {
  code: string;
  status: number;
  message: string;
}

const SYSTEM_BUSY = -1;
const BUSY_RETRY_DELAY_MS = 200;
const DEFAULT_TIMEOUT_MS = 5000;
/** Refresh the access token this long before WeChat says it expires, so a call never carries a dying token. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** Invalid, malformed or expired access token: refresh and retry once. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);

const CREDENTIALS_REJECTED = { code: 'WECHAT_CREDENTIALS_REJECTED', status: 502 };
const QUOTA_EXCEEDED = { code: 'WECHAT_QUOTA_EXCEEDED', status: 429, message: '今天的微信调用次数已用完，请明天再试' };

/** What each WeChat errcode means to our callers; anything else becomes WECHAT_ERROR. */
const ERRCODES: Record<number, ErrcodeMeaning> = {
  [SYSTEM_BUSY]: { code: 'WECHAT_BUSY', status: 503, message: '微信服务繁忙，请稍后再试' },
  40013: { ...CREDENTIALS_REJECTED, message: '微信不认可当前配置的小程序 AppID，请联系管理员' },
  40125: { ...CREDENTIALS_REJECTED, message: '微信不认可当前配置的小程序密钥，请联系管理员' },
  40029: { code: 'WECHAT_INVALID_CODE', status: 400, message: '登录码无效，请重新打开小程序登录' },
  40163: { code: 'WECHAT_CODE_USED', status: 400, message: '登录码已使用，请重新打开小程序登录' },
  45011: { code: 'WECHAT_RATE_LIMITED', status: 429, message: '短时间内登录次数太多，请一分钟后再试' },
  40226: { code: 'WECHAT_HIGH_RISK_USER', status: 403, message: '微信判定该账号存在风险，暂时无法登录' },
  45009: QUOTA_EXCEEDED,
  41030: { code: 'WECHAT_INVALID_PAGE', status: 400, message: '小程序里没有这个页面，请确认已发布最新版本' },
  40129: { code: 'WECHAT_INVALID_SCENE', status: 400, message: '二维码参数无效（最多 32 个可见英文字符）' },
  43101: { code: 'WECHAT_SUBSCRIPTION_REFUSED', status: 409, message: '用户没有订阅这条消息（已拒绝或次数已用完）' },
  40003: { code: 'WECHAT_INVALID_OPENID', status: 400, message: '用户身份无效' },
  47003: { code: 'WECHAT_INVALID_TEMPLATE_DATA', status: 400, message: '消息内容与模板不符' },
};

interface WechatCall {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Sends the access token and, when WeChat rejects it, refreshes it and retries once. */
  withAccessToken?: boolean;
  /** Retries once after errcode -1 (system busy); only for calls that are safe to repeat. */
  retryWhenBusy?: boolean;
  /** Errcode meanings specific to this call, over the common table. */
  errcodes?: Record<number, ErrcodeMeaning>;
}

type WechatReply = { kind: 'json'; body: Record<string, unknown> } | { kind: 'image'; bytes: Buffer };

const sessionResponse = z.object({ openid: z.string().min(1), session_key: z.string().min(1), unionid: z.string().min(1).optional() });
const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const phoneResponse = z.object({
  phone_info: z.object({ phoneNumber: z.string(), purePhoneNumber: z.string(), countryCode: z.string() }),
});

/** The one place that talks to WeChat's server APIs. */
export class WechatClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private cachedToken: { token: string; refreshAt: number } | null = null;
  private tokenRefresh: Promise<string> | null = null;

  constructor(private readonly options: WechatClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  async code2Session(jsCode: string): Promise<WechatSession> {
    const body = await this.callJson(
      {
        method: 'GET',
        path: '/sns/jscode2session',
        query: { appid: this.options.appId, secret: this.options.appSecret, js_code: jsCode, grant_type: 'authorization_code' },
        retryWhenBusy: true,
      },
      sessionResponse,
    );
    return { openid: body.openid, sessionKey: body.session_key, ...(body.unionid ? { unionid: body.unionid } : {}) };
  }

  /** A valid access token, from memory until 5 minutes before it expires; concurrent callers share one refresh. */
  async getAccessToken(): Promise<string> {
    if (this.cachedToken && this.now() < this.cachedToken.refreshAt) return this.cachedToken.token;
    this.tokenRefresh ??= this.refreshAccessToken().finally(() => {
      this.tokenRefresh = null;
    });
    return this.tokenRefresh;
  }

  /** Forgets `token` unless another caller has already replaced it, so a stale rejection never drops a fresh token. */
  invalidateAccessToken(token: string): void {
    if (this.cachedToken?.token === token) this.cachedToken = null;
  }

  async getUnlimitedQrCode(input: UnlimitedQrCodeInput): Promise<Buffer> {
    const reply = await this.call({
      method: 'POST',
      path: '/wxa/getwxacodeunlimit',
      body: { scene: input.scene, page: input.page, check_path: input.checkPath, env_version: input.envVersion, width: input.width },
      withAccessToken: true,
      retryWhenBusy: true,
    });
    if (reply.kind !== 'image') throw this.unexpected('/wxa/getwxacodeunlimit', 'JSON instead of an image');
    return reply.bytes;
  }

  async getPhoneNumber(phoneCode: string): Promise<WechatPhoneNumber> {
    const body = await this.callJson(
      {
        method: 'POST',
        path: '/wxa/business/getuserphonenumber',
        body: { code: phoneCode },
        withAccessToken: true,
        errcodes: { 40029: { code: 'WECHAT_INVALID_CODE', status: 400, message: '手机号授权码无效，请重新授权' } },
      },
      phoneResponse,
    );
    const { phoneNumber, purePhoneNumber, countryCode } = body.phone_info;
    return { phoneNumber, purePhoneNumber, countryCode };
  }

  /** Not retried when WeChat is busy: the message may have gone out, and a resident should not get it twice. */
  async sendSubscribeMessage(input: SubscribeMessageInput): Promise<void> {
    await this.call({
      method: 'POST',
      path: '/cgi-bin/message/subscribe/send',
      body: { touser: input.openid, template_id: input.templateId, page: input.page, data: input.data, miniprogram_state: input.miniprogramState },
      withAccessToken: true,
    });
  }

  private async refreshAccessToken(): Promise<string> {
    const body = await this.callJson(
      {
        method: 'GET',
        path: '/cgi-bin/token',
        query: { grant_type: 'client_credential', appid: this.options.appId, secret: this.options.appSecret },
        retryWhenBusy: true,
      },
      tokenResponse,
    );
    this.cachedToken = { token: body.access_token, refreshAt: this.now() + body.expires_in * 1000 - TOKEN_REFRESH_MARGIN_MS };
    this.options.logger?.info({ expiresInSeconds: body.expires_in }, 'WeChat access token refreshed');
    return body.access_token;
  }

  private async callJson<T>(call: WechatCall, schema: z.ZodType<T>): Promise<T> {
    const reply = await this.call(call);
    if (reply.kind !== 'json') throw this.unexpected(call.path, 'an image instead of JSON');
    const parsed = schema.safeParse(reply.body);
    // The issues are not passed on: they could quote values such as the session key.
    if (!parsed.success) throw this.unexpected(call.path, 'JSON of an unexpected shape');
    return parsed.data;
  }

  /** Calls WeChat, reads JSON or an image, retries once when busy or when the token was rejected, and maps errcodes. */
  private async call(call: WechatCall): Promise<WechatReply> {
    let busyRetried = false;
    let tokenRetried = false;
    for (;;) {
      const token = call.withAccessToken ? await this.getAccessToken() : undefined;
      const reply = await this.send(call, token);
      const errcode = reply.kind === 'json' && typeof reply.body.errcode === 'number' ? reply.body.errcode : 0;
      if (errcode === 0) return reply;
      const errmsg = reply.kind === 'json' ? reply.body.errmsg : undefined;
      if (errcode === SYSTEM_BUSY && call.retryWhenBusy && !busyRetried) {
        busyRetried = true;
        this.options.logger?.warn({ path: call.path, errcode }, 'WeChat is busy; retrying once');
        await sleep(BUSY_RETRY_DELAY_MS);
        continue;
      }
      if (token && TOKEN_ERRCODES.has(errcode) && !tokenRetried) {
        tokenRetried = true;
        this.options.logger?.warn({ path: call.path, errcode }, 'WeChat rejected the access token; refreshing it and retrying once');
        this.invalidateAccessToken(token);
        continue;
      }
      throw this.errcodeError(call, errcode, errmsg);
    }
  }

  private async send(call: WechatCall, token: string | undefined): Promise<WechatReply> {
    const url = new URL(this.baseUrl + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    if (token) url.searchParams.set('access_token', token);
    const started = performance.now();
    let contentType: string;
    let bytes: Buffer;
    try {
      const response = await fetch(url, {
        method: call.method,
        headers: call.body === undefined ? undefined : { 'content-type': 'application/json' },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      bytes = Buffer.from(await response.arrayBuffer());
      contentType = response.headers.get('content-type') ?? '';
      if (!response.ok) throw this.unavailable(call.path, `answered with HTTP ${response.status}`);
    } catch (error) {
      if (error instanceof WechatError) throw error;
      // Neither the URL (it carries the secret) nor the raw error goes into the message or the log.
      const timedOut = (error as Error)?.name === 'TimeoutError';
      this.options.logger?.warn({ path: call.path, reason: timedOut ? 'timeout' : 'network' }, 'WeChat call failed');
      throw this.unavailable(call.path, timedOut ? `did not answer within ${this.timeoutMs} ms` : 'could not be reached');
    }
    this.options.logger?.debug({ path: call.path, ms: Math.round(performance.now() - started) }, 'WeChat call answered');
    if (contentType.startsWith('image/')) return { kind: 'image', bytes };
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw this.unavailable(call.path, 'answered with something that is not JSON');
    return { kind: 'json', body: body as Record<string, unknown> };
  }

  private errcodeError(call: WechatCall, errcode: number, errmsg: unknown): WechatError {
    const details = { errcode, errmsg: this.redact(errmsg) };
    const meaning = call.errcodes?.[errcode] ?? ERRCODES[errcode];
    if (meaning) return new WechatError(meaning.code, meaning.message, meaning.status, details);
    return new WechatError('WECHAT_ERROR', '微信服务返回错误，请稍后再试', 502, { ...details, path: call.path });
  }

  private unavailable(path: string, what: string): WechatError {
    return new WechatError('WECHAT_UNAVAILABLE', '微信服务暂时无法访问，请稍后再试', 502, { path, reason: `WeChat ${what}` });
  }

  private unexpected(path: string, what: string): WechatError {
    return new WechatError('WECHAT_UNAVAILABLE', '微信服务返回了无法识别的结果，请稍后再试', 502, { path, reason: `WeChat answered with ${what}` });
  }

  /** WeChat's own message, kept for support (it carries a request id), without anything secret. */
  private redact(errmsg: unknown): string | undefined {
    if (typeof errmsg !== 'string') return undefined;
    const secret = this.options.appSecret;
    return (secret ? errmsg.split(secret).join('[redacted]') : errmsg).slice(0, 300);
  }
}
