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

interface SlotDocument {
  _id: string;
  key: string;
  at: Date;
}

const COLLECTION = 'rate_limit_slots';
const CLEANUP_EVERY_MS = 60_000;

/**
 * Fixed-window rate limiting counted in the database, so the limit holds across several server
 * instances. A request takes the next free numbered slot of its window, `<key>:<n>`, by a unique
 * insert; slots above `max` mean 429. Unique inserts are exact under concurrency, where an $inc
 * counter on the embedded database can lose updates. Old windows are swept occasionally. If the
 * database is unreachable the limiter lets requests through and /readyz reports the outage.
 */
export function createRateLimiter(connection: Connection, logger: Logger, options: RateLimitOptions): RequestHandler {
  let lastCleanup = 0;
  let indexed: Promise<unknown> | undefined;
  const keyOf = options.key ?? ((req: Request) => req.ip ?? 'unknown');

  return async (req, res, next) => {
    const now = Date.now();
    const windowStart = Math.floor(now / 1000 / options.windowSeconds) * options.windowSeconds;
    const resetAt = (windowStart + options.windowSeconds) * 1000;
    const key = `${options.name}:${keyOf(req)}:${windowStart}`;
    let count = 0;
    try {
      const slots = connection.db!.collection<SlotDocument>(COLLECTION);
      indexed ??= slots.createIndex({ key: 1 }).catch(() => undefined);
      await indexed;
      // Slots stop at max + 1: once that one exists, every later request in the window is over.
      for (count = (await slots.countDocuments({ key })) + 1; count <= options.max + 1; count += 1) {
        try {
          await slots.insertOne({ _id: `${key}:${count}`, key, at: new Date(now) });
          break;
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
        }
      }
      if (now - lastCleanup > CLEANUP_EVERY_MS) {
        lastCleanup = now;
        slots.deleteMany({ at: { $lt: new Date(windowStart * 1000 - options.windowSeconds * 1000) } }).catch(() => undefined);
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
