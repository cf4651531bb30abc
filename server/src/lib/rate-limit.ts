import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config, RateLimitName } from '../config/config';
import { AppError } from './app-error';
import { SharedWindowStore } from './rate-limit-store';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The community-group bot, recognised by its bearer token (compared in constant time), never by its IP. */
export function botTokenMatcher(token: string): (req: Request) => boolean {
  const expected = digest(token);
  return (req) => {
    const match = /^Bearer\s+(\S{1,400})$/.exec(req.header('authorization') ?? '');
    return Boolean(match && timingSafeEqual(digest(match[1]), expected));
  };
}

function waitText(seconds: number): string {
  return seconds < 120 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}

const MESSAGES: Record<RateLimitName | 'api', (wait: string) => string> = {
  api: (wait) => `请求太频繁，请 ${wait}后再试`,
  bot: (wait) => `群助手的请求太频繁，请 ${wait}后再试`,
  login: (wait) => `登录太频繁，请 ${wait}后再试`,
  scan: (wait) => `扫码太频繁，请 ${wait}后再试`,
  inviteAccept: (wait) => `邀请码尝试太频繁，请 ${wait}后再试`,
  bindEntry: (wait) => `绑定码发送太频繁，请 ${wait}后再试`,
};

export interface RateLimiters {
  /** Every request but the probes and the signed order webhook: per client IP; the bot by its token, with a limit of its own. */
  api: RequestHandler;
  /** Stricter limits of their own (per IP; bind-code entry per WeChat account the bot relays). */
  login: RequestHandler;
  scan: RequestHandler;
  inviteAccept: RequestHandler;
  bindEntry: RequestHandler;
  /** Pushes this instance's counts and pulls the others' now (tests; the stores also sync on their own). */
  sync(): Promise<void>;
  shutdown(): void;
}

/**
 * express-rate-limit (a well-kept library: standard RateLimit headers, IPv6 subnet keys,
 * configuration checks) on a store shared by instances through the database
 * (`SharedWindowStore`), so a request costs no database round trip.
 */
export function createRateLimiters(connection: Connection, logger: Logger, config: Config): RateLimiters {
  const isBot = botTokenMatcher(config.BOT_API_TOKEN);
  const stores: SharedWindowStore[] = [];
  const ipKey = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

  const limiter = (name: RateLimitName | 'api', options: { windowSeconds: number; max: number; key: (req: Request) => string; skip?: (req: Request) => boolean }): RequestHandler => {
    const store = new SharedWindowStore(connection, logger, { prefix: name, windowMs: options.windowSeconds * 1000, syncMs: config.RATE_LIMIT_SYNC_MS });
    stores.push(store);
    return rateLimit({
      windowMs: options.windowSeconds * 1000,
      limit: options.max,
      keyGenerator: options.key,
      skip: options.skip,
      store,
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      handler: (req, res, next) => {
        const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
        const seconds = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + 1000) - Date.now()) / 1000));
        res.setHeader('Retry-After', String(seconds));
        next(new AppError('RATE_LIMITED', MESSAGES[name](waitText(seconds)), 429, { limiter: name, retryAfterSeconds: seconds }));
      },
    });
  };

  const limits = config.RATE_LIMITS;
  return {
    api: (() => {
      const clients = limiter('api', { windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, max: config.RATE_LIMIT_MAX, key: ipKey, skip: isBot });
      const bot = limiter('bot', { ...limits.bot, key: () => 'bot', skip: (req) => !isBot(req) });
      return (req, res, next) => (isBot(req) ? bot(req, res, next) : clients(req, res, next));
    })(),
    login: limiter('login', { ...limits.login, key: ipKey }),
    scan: limiter('scan', { ...limits.scan, key: ipKey }),
    inviteAccept: limiter('inviteAccept', { ...limits.inviteAccept, key: ipKey }),
    bindEntry: limiter('bindEntry', {
      ...limits.bindEntry,
      key: (req) => {
        const wxid = (req.body as { wxid?: unknown } | undefined)?.wxid;
        return isBot(req) && typeof wxid === 'string' ? `wxid:${wxid.slice(0, 100)}` : ipKey(req);
      },
    }),
    sync: async () => {
      await Promise.all(stores.map((store) => store.sync()));
    },
    shutdown: () => stores.forEach((store) => store.shutdown()),
  };
}
