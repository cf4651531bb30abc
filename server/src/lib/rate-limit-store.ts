import { randomUUID } from 'node:crypto';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';

interface WindowDocument {
  /** `<prefix>|<windowStart>|<instance>`: one document per limiter, window and server instance. */
  _id: string;
  prefix: string;
  window: number;
  instance: string;
  /** One entry per client key (keys may hold dots, which field names may not; FerretDB stores no nested arrays). */
  hits: { key: string; hits: number }[];
  at: Date;
}

export const RATE_LIMIT_COLLECTION = 'rate_limit_windows';

/**
 * An express-rate-limit store shared by server instances through the database, at no database cost
 * per request. Windows are fixed and aligned to the clock, so every instance agrees on them.
 *
 * Each instance counts its own hits in memory, where counting is exact (one Node thread), and every
 * `syncMs` writes its counts of the current window as one document that only it writes (a `$set`
 * by one writer, so FerretDB's non-atomic `$inc` never matters) and reads the other instances'
 * documents of the window. A client's total is its hits here plus the others' as of the last sync:
 * exact on one instance, and across instances it can pass the limit by what the others accepted
 * in the last `syncMs`. That is acceptable for a limiter, whose job is to stop floods, not to meter;
 * the limits that guard secrets (bind-code attempts) are exact unique inserts in their service.
 * The collection holds a few documents per limiter and instance, never one per request.
 */
export class SharedWindowStore implements Store {
  readonly localKeys = false;
  prefix: string;
  private windowMs: number;
  private windowStart = 0;
  private readonly local = new Map<string, number>();
  private remote = new Map<string, number>();
  private dirty = false;
  private lastHitAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private readonly instance = randomUUID();
  private indexed: Promise<unknown> | undefined;
  private readonly syncMs: number;
  private readonly now: () => number;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
    options: { prefix: string; windowMs: number; syncMs?: number; now?: () => number },
  ) {
    this.prefix = options.prefix;
    this.windowMs = options.windowMs;
    this.syncMs = options.syncMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** Starts a new window when the clock has passed the current one. */
  private roll(): void {
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    if (start === this.windowStart) return;
    this.windowStart = start;
    this.local.clear();
    this.remote = new Map();
    this.dirty = false;
  }

  private info(key: string): ClientRateLimitInfo {
    return { totalHits: (this.local.get(key) ?? 0) + (this.remote.get(key) ?? 0), resetTime: new Date(this.windowStart + this.windowMs) };
  }

  get(key: string): ClientRateLimitInfo | undefined {
    this.roll();
    return this.local.has(key) || this.remote.has(key) ? this.info(key) : undefined;
  }

  increment(key: string): ClientRateLimitInfo {
    this.roll();
    this.local.set(key, (this.local.get(key) ?? 0) + 1);
    this.dirty = true;
    this.lastHitAt = this.now();
    this.schedule();
    return this.info(key);
  }

  decrement(key: string): void {
    const hits = this.local.get(key);
    if (hits === undefined) return;
    if (hits <= 1) this.local.delete(key);
    else this.local.set(key, hits - 1);
    this.dirty = true;
  }

  resetKey(key: string): void {
    this.local.delete(key);
    this.remote.delete(key);
    this.dirty = true;
  }

  resetAll(): void {
    this.local.clear();
    this.remote = new Map();
    this.dirty = true;
  }

  /** Syncs while this instance sees traffic; an idle instance needs no one else's counts. */
  private stopped = false;

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync().finally(() => {
        if (this.now() - this.lastHitAt < this.windowMs) this.schedule();
      });
    }, this.syncMs);
    this.timer.unref();
  }

  /** Writes this instance's counts of the window and reads the others'. Never throws: a limiter without the database still counts locally. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    this.roll();
    const window = this.windowStart;
    try {
      const windows = this.connection.db!.collection<WindowDocument>(RATE_LIMIT_COLLECTION);
      this.indexed ??= windows.createIndex({ prefix: 1, window: 1 }).catch(() => undefined);
      await this.indexed;
      if (this.dirty) {
        this.dirty = false;
        const id = `${this.prefix}|${window}|${this.instance}`;
        await windows.updateOne(
          { _id: id },
          { $set: { prefix: this.prefix, window, instance: this.instance, hits: [...this.local].map(([key, hits]) => ({ key, hits })), at: new Date(this.now()) } },
          { upsert: true },
        );
      }
      const others = await windows.find({ prefix: this.prefix, window, instance: { $ne: this.instance } }, { projection: { hits: 1 } }).toArray();
      if (window !== this.windowStart) return;
      const remote = new Map<string, number>();
      for (const document of others) for (const { key, hits } of document.hits) remote.set(key, (remote.get(key) ?? 0) + hits);
      this.remote = remote;
      await windows.deleteMany({ prefix: this.prefix, window: { $lt: window - this.windowMs } });
    } catch (error) {
      this.dirty = true;
      this.logger.warn({ err: error, limiter: this.prefix }, 'rate limiter could not sync with the database; counting on this instance only');
    }
  }

  shutdown(): void {
    // A sync in flight when the limiter stops must not schedule another.
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
