import type { Clock } from '../clock';
import type { Logger } from '../logger';

export interface PacingLimits {
  /** At least this long between two messages to the same conversation (group or person). */
  minIntervalPerConversationMs: number;
  /** At most this many messages in any 60 s for the whole account. */
  maxMessagesPerMinute: number;
}

interface Item {
  conversationId: string;
  /** Dropped (rejected as stale) if still queued at this clock time. */
  staleAt: number;
  send: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const WINDOW_MS = 60_000;

/**
 * The one outgoing queue of the bot account: every reply, greeting and broadcast goes through it,
 * paced so that WeChat does not restrict the account. Messages to one conversation keep their
 * order; a conversation that must wait does not hold up others.
 */
export class SendQueue {
  private readonly items: Item[] = [];
  private readonly lastSentTo = new Map<string, number>();
  private readonly recent: number[] = [];
  private running = false;
  private stopped = false;
  /** Every send (conversation and clock time), newest last; for stats and tests. */
  readonly history: { conversationId: string; at: number }[] = [];

  constructor(
    private readonly limits: PacingLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get length(): number {
    return this.items.length;
  }

  private idleWaiters: (() => void)[] = [];

  /** Resolves once nothing is queued or being sent (at once if so now). */
  idle(): Promise<void> {
    if (!this.running && this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Queues a message; resolves once it has been handed to WeChat (rejects if that failed). A reply
   * may give `maxWaitMs`: an answer that could not go out within it is dropped, not sent late.
   */
  enqueue(conversationId: string, send: () => Promise<void>, options: { maxWaitMs?: number } = {}): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the send queue is stopped'));
    return new Promise<void>((resolve, reject) => {
      this.items.push({ conversationId, send, resolve, reject, staleAt: options.maxWaitMs === undefined ? Infinity : this.clock.now() + options.maxWaitMs });
      if (!this.running) void this.run();
    });
  }

  /** Stops after the message being sent; queued ones are rejected (their senders record nothing as sent). */
  stop(): void {
    this.stopped = true;
    for (const item of this.items.splice(0)) item.reject(new Error('the send queue stopped'));
    if (!this.running) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** When the item could go: its conversation's spacing and the account's per-minute budget. */
  private readyAt(item: Item, now: number): number {
    const last = this.lastSentTo.get(item.conversationId);
    const conversationReady = last === undefined ? now : last + this.limits.minIntervalPerConversationMs;
    while (this.recent.length > 0 && this.recent[0] <= now - WINDOW_MS) this.recent.shift();
    const budgetReady = this.recent.length < this.limits.maxMessagesPerMinute ? now : this.recent[this.recent.length - this.limits.maxMessagesPerMinute] + WINDOW_MS;
    return Math.max(now, conversationReady, budgetReady);
  }

  /** The first queued item of each conversation that can go soonest (FIFO among equals). */
  private next(now: number): { index: number; at: number } | null {
    const seen = new Set<string>();
    let best: { index: number; at: number } | null = null;
    this.items.forEach((item, index) => {
      if (seen.has(item.conversationId)) return;
      seen.add(item.conversationId);
      const at = this.readyAt(item, now);
      if (!best || at < best.at) best = { index, at };
    });
    return best;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.items.length > 0) {
        const now = this.clock.now();
        for (let index = this.items.length - 1; index >= 0; index -= 1) {
          if (this.items[index].staleAt <= now) this.items.splice(index, 1)[0].reject(new Error('stale: not sent in time'));
        }
        if (this.items.length === 0) break;
        const choice = this.next(this.clock.now());
        if (!choice) break;
        const wait = choice.at - this.clock.now();
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue; // something more urgent may have arrived meanwhile
        }
        const [item] = this.items.splice(choice.index, 1);
        const at = this.clock.now();
        this.lastSentTo.set(item.conversationId, at);
        this.recent.push(at);
        this.history.push({ conversationId: item.conversationId, at });
        if (this.history.length > 5000) this.history.splice(0, this.history.length - 5000);
        try {
          await item.send();
          item.resolve();
        } catch (error) {
          this.log.warn('sending a message failed', { conversationId: item.conversationId, err: error });
          item.reject(error);
        }
      }
    } finally {
      this.running = false;
      if (this.items.length === 0 || this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
