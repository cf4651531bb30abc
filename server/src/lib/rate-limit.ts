import type { RequestHandler, Request } from 'express';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { AppError } from './app-error';

export interface RateLimitOptions {
  /** Separates limits for different purposes (global, login, ...). */
  name: string;
  windowSeconds: number;
  max: number;
  key?: (req: Request) => string;
}

interface CounterDocument {
  _id: string;
  count: number;
  expiresAt: Date;
}

const COLLECTION = 'rate_limit_counters';
const CLEANUP_EVERY_MS = 60_000;

/**
 * Fixed-window rate limiting with its counters in the database, so the limit holds across
 * several server instances. One atomic upsert-and-increment per request; expired windows are
 * swept occasionally (FerretDB 1.x does not expire TTL indexes for us).
 * If the database is unreachable the limiter lets requests through and /readyz reports the outage.
 */
export function createRateLimiter(connection: Connection, logger: Logger, options: RateLimitOptions): RequestHandler {
  let lastCleanup = 0;
  const keyOf = options.key ?? ((req: Request) => req.ip ?? 'unknown');

  return async (req, res, next) => {
    const now = Date.now();
    const windowStart = Math.floor(now / 1000 / options.windowSeconds) * options.windowSeconds;
    const resetAt = (windowStart + options.windowSeconds) * 1000;
    const id = `${options.name}:${keyOf(req)}:${windowStart}`;
    let count: number;
    try {
      const counters = connection.db!.collection<CounterDocument>(COLLECTION);
      const update = { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(resetAt) } };
      let counter: CounterDocument | null;
      try {
        counter = await counters.findOneAndUpdate({ _id: id }, update, { upsert: true, returnDocument: 'after' });
      } catch (error) {
        // Two first requests of a window can race on the upsert; the loser retries as an update.
        if ((error as { code?: number }).code !== 11000) throw error;
        counter = await counters.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
      }
      count = counter?.count ?? 1;
      if (now - lastCleanup > CLEANUP_EVERY_MS) {
        lastCleanup = now;
        counters.deleteMany({ expiresAt: { $lt: new Date(now) } }).catch(() => undefined);
      }
    } catch (error) {
      logger.warn({ err: error }, 'rate limiter could not reach the database; letting the request through');
      next();
      return;
    }
    res.setHeader('RateLimit-Limit', String(options.max));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, options.max - count)));
    res.setHeader('RateLimit-Reset', String(Math.ceil((resetAt - now) / 1000)));
    if (count > options.max) {
      res.setHeader('Retry-After', String(Math.ceil((resetAt - now) / 1000)));
      next(new AppError('RATE_LIMITED', 'Too many requests; try again later', 429, { retryAfterSeconds: Math.ceil((resetAt - now) / 1000) }));
      return;
    }
    next();
  };
}
