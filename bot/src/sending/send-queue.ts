import type { Clock } from '../clock';
import type { Logger } from '../logger';

/** What a message is, for the budgets WeChat watches separately. */
export const SEND_TYPES = ['text', 'image', 'mini_program', 'mention_all'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/** At most so many messages in any minute, hour and day (absent: no limit at that span). */
export interface Budget {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

/** The account's budgets: `total` for everything, and one per message type on top of it. */
export type SendBudgets = { total?: Budget } & Partial<Record<SendType, Budget>>;

export interface PacingLimits {
  /** At least this long between two messages to the same conversation (group or person). */
  minIntervalPerConversationMs: number;
  /** At most this many messages in any 60 s for the whole account (the total's per-minute budget). */
  maxMessagesPerMinute: number;
  /** Per-hour and per-day totals and per-type budgets (text, image, mini-program card, @all). */
  budgets?: SendBudgets;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** One sliding window: the send times within its span, oldest first. */
class SlidingWindow {
  private readonly times: number[] = [];

  constructor(
    readonly limit: number,
    readonly spanMs: number,
  ) {}

  /** When one more send fits. */
  readyAt(now: number): number {
    while (this.times.length > 0 && this.times[0] <= now - this.spanMs) this.times.shift();
    return this.times.length < this.limit ? now : this.times[this.times.length - this.limit] + this.spanMs;
  }

  record(at: number): void {
    this.times.push(at);
  }
}

function windowsOf(budget: Budget | undefined): SlidingWindow[] {
  if (!budget) return [];
  const spans: [number | undefined, number][] = [[budget.perMinute, MINUTE_MS], [budget.perHour, HOUR_MS], [budget.perDay, DAY_MS]];
  return spans.filter((entry): entry is [number, number] => entry[0] !== undefined).map(([limit, span]) => new SlidingWindow(limit, span));
}

/** Whether a send went through; the account watch counts failures in a row. */
export interface SendResult {
  conversationId: string;
  type: SendType;
  ok: boolean;
  error?: unknown;
}

interface Item {
  conversationId: string;
  type: SendType;
  /** Dropped (rejected as stale) if still queued at this clock time. */
  staleAt: number;
  send: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}


/**
 * The one outgoing queue of the bot account: every reply, greeting and broadcast goes through it,
 * paced so that WeChat does not restrict the account. Messages to one conversation keep their
 * order; a conversation that must wait does not hold up others.
 */
export class SendQueue {
  private readonly items: Item[] = [];
  private readonly lastSentTo = new Map<string, number>();
  private readonly total: SlidingWindow[];
  private readonly byType: Record<SendType, SlidingWindow[]>;
  private readonly resultListeners = new Set<(result: SendResult) => void>();
  private running = false;
  private stopped = false;
  /** Every send (conversation, type and clock time), newest last; for stats and tests. */
  readonly history: { conversationId: string; type: SendType; at: number }[] = [];

  constructor(
    private readonly limits: PacingLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.total = windowsOf({ ...limits.budgets?.total, perMinute: limits.maxMessagesPerMinute });
    this.byType = Object.fromEntries(SEND_TYPES.map((type) => [type, windowsOf(limits.budgets?.[type])])) as Record<SendType, SlidingWindow[]>;
  }

  /** Hears every send's result (the account watch: failures in a row mean trouble). */
  onResult(listener: (result: SendResult) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

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
  enqueue(conversationId: string, send: () => Promise<void>, options: { maxWaitMs?: number; type?: SendType } = {}): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the send queue is stopped'));
    return new Promise<void>((resolve, reject) => {
      this.items.push({ conversationId, type: options.type ?? 'text', send, resolve, reject, staleAt: options.maxWaitMs === undefined ? Infinity : this.clock.now() + options.maxWaitMs });
      if (!this.running) void this.run();
    });
  }

  /** Stops after the message being sent; queued ones are rejected (their senders record nothing as sent). */
  stop(): void {
    this.stopped = true;
    for (const item of this.items.splice(0)) item.reject(new Error('the send queue stopped'));
    if (!this.running) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** When the item could go: its conversation's spacing, the account's budgets and its type's. */
  private readyAt(item: Item, now: number): number {
    const last = this.lastSentTo.get(item.conversationId);
    const conversationReady = last === undefined ? now : last + this.limits.minIntervalPerConversationMs;
    let ready = Math.max(now, conversationReady);
    for (const window of [...this.total, ...this.byType[item.type]]) ready = Math.max(ready, window.readyAt(now));
    return ready;
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

  private report(result: SendResult): void {
    for (const listener of this.resultListeners) {
      try {
        listener(result);
      } catch {
        // A listener's failure is its own.
      }
    }
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
        for (const window of [...this.total, ...this.byType[item.type]]) window.record(at);
        this.history.push({ conversationId: item.conversationId, type: item.type, at });
        if (this.history.length > 5000) this.history.splice(0, this.history.length - 5000);
        try {
          await item.send();
          item.resolve();
          this.report({ conversationId: item.conversationId, type: item.type, ok: true });
        } catch (error) {
          this.log.warn('sending a message failed', { conversationId: item.conversationId, err: error });
          item.reject(error);
          this.report({ conversationId: item.conversationId, type: item.type, ok: false, error });
        }
      }
    } finally {
      this.running = false;
      if (this.items.length === 0 || this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
