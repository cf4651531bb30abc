import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { botGroupContextSchema, type BotGroupContext } from '@o2o/shared/schemas/groups';
import type { Clock } from './clock';
import type { Logger } from './logger';
import type { BotApi } from './server-client/bot-api';

/**
 * Each room's context from the server (store, settings, FAQ, staff), reused for a while. When the
 * server is unreachable the last known context is kept (also on disk, across restarts), so the bot
 * keeps answering and moderating.
 */
export class GroupDirectory {
  private readonly cache = new Map<string, { context: BotGroupContext; fetchedAt: number }>();
  private readonly inFlight = new Map<string, Promise<BotGroupContext | null>>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: Pick<BotApi, 'context'>,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly log: Logger,
    /** Where the last known contexts are kept between runs; none when null. */
    private readonly file: string | null = null,
  ) {
    if (file && existsSync(file)) {
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        for (const [roomId, value] of Object.entries(stored)) {
          const parsed = botGroupContextSchema.safeParse(value);
          // Loaded as stale: used only while the server cannot be asked.
          if (parsed.success) this.cache.set(roomId, { context: parsed.data, fetchedAt: -Infinity });
        }
      } catch (error) {
        this.log.warn('ignoring unreadable saved room contexts', { err: error });
      }
    }
  }

  private scheduleSave(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, 200);
    this.saveTimer.unref();
  }

  /** Writes the known contexts now (also called on stop). */
  save(): void {
    if (!this.file) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    try {
      const temporary = `${this.file}.tmp`;
      writeFileSync(temporary, JSON.stringify(Object.fromEntries([...this.cache].map(([roomId, entry]) => [roomId, entry.context]))));
      renameSync(temporary, this.file);
    } catch (error) {
      this.log.warn('saving room contexts failed', { err: error });
    }
  }

  async get(roomId: string): Promise<BotGroupContext | null> {
    const cached = this.cache.get(roomId);
    if (cached && this.clock.now() - cached.fetchedAt < this.ttlMs) return cached.context;
    let request = this.inFlight.get(roomId);
    if (!request) {
      request = this.api
        .context(roomId)
        .then((context) => {
          this.cache.set(roomId, { context, fetchedAt: this.clock.now() });
          this.scheduleSave();
          return context;
        })
        .catch((error: unknown) => {
          this.log.warn('room context unavailable; using the last known one', { roomId, err: error });
          return cached?.context ?? null;
        })
        .finally(() => this.inFlight.delete(roomId));
      this.inFlight.set(roomId, request);
    }
    return request;
  }

  invalidate(roomId: string): void {
    this.cache.delete(roomId);
  }
}
