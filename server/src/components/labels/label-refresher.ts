import type { Types } from 'mongoose';
import type { Logger } from '../../lib/logger';

/**
 * Refreshes residents' labels soon after the events that change them, off the request path. A
 * resident scheduled again while queued is refreshed once; scheduled while being refreshed, once
 * more afterwards (so the last event is always seen). At most `concurrency` refreshes run at once,
 * since each one reads several collections. A failure is logged; the nightly recompute repairs it.
 */
export class LabelRefresher {
  private readonly queued = new Map<string, Types.ObjectId>();
  private readonly active = new Set<string>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly refresh: (residentId: Types.ObjectId) => Promise<unknown>,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly concurrency = 4,
  ) {}

  /** Queues a refresh and returns at once. */
  schedule(residentId: Types.ObjectId): void {
    this.queued.set(String(residentId), residentId);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (this.queued.size === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump(): void {
    for (const [key, residentId] of this.queued) {
      if (this.active.size >= this.concurrency) return;
      if (this.active.has(key)) continue;
      this.queued.delete(key);
      this.active.add(key);
      void this.run(key, residentId);
    }
  }

  private async run(key: string, residentId: Types.ObjectId): Promise<void> {
    try {
      await this.refresh(residentId);
    } catch (error) {
      this.logger.warn({ err: error, residentId: key }, 'refreshing labels failed; the nightly recompute will repair them');
    } finally {
      this.active.delete(key);
      this.pump();
      if (this.queued.size === 0 && this.active.size === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }
}
