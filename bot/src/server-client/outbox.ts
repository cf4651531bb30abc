import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BotEvent } from '@o2o/shared/schemas/groups';
import type { Logger } from '../logger';
import { ServerRejectedError, ServerUnavailableError, type BotApi } from './bot-api';

const BATCH_SIZE = 100;

interface Entry {
  /** Line number in the journal file (0-based); the cursor counts lines consumed. */
  line: number;
  event: BotEvent;
}

/**
 * A durable, ordered outbox of events for the server (activity, acks, moderation outcomes, member
 * lists, check-ins taken while the server was away). Each event is one JSON line appended to
 * `outbox.jsonl` before `add` returns; `outbox.cursor` counts the lines the server has confirmed.
 * Delivery is in order, in batches, at least once; the server applies each event id once. When
 * everything is delivered the file is emptied (cursor reset first, so a crash in between only
 * redelivers what the server already has).
 */
export class Outbox {
  private readonly file: string;
  private readonly cursorFile: string;
  private readonly rejectedFile: string;
  private pending: Entry[] = [];
  private lines = 0;
  private cursor = 0;
  private flushing: Promise<number> | null = null;

  constructor(
    directory: string,
    private readonly api: Pick<BotApi, 'sendEvents'>,
    private readonly log: Logger,
    private readonly options: { fsync?: boolean } = {},
  ) {
    mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, 'outbox.jsonl');
    this.cursorFile = path.join(directory, 'outbox.cursor');
    this.rejectedFile = path.join(directory, 'outbox.rejected.jsonl');
    this.load();
  }

  private load(): void {
    const content = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
    // A crash mid-append leaves a partial last line; end it so the next append starts clean.
    if (content.length > 0 && !content.endsWith('\n')) appendFileSync(this.file, '\n');
    const rawLines = content.length > 0 ? content.replace(/\n$/, '').split('\n') : [];
    this.lines = rawLines.length;
    const storedCursor = existsSync(this.cursorFile) ? Number(readFileSync(this.cursorFile, 'utf8').trim()) : 0;
    this.cursor = Number.isInteger(storedCursor) && storedCursor >= 0 && storedCursor <= this.lines ? storedCursor : 0;
    this.pending = [];
    for (let line = this.cursor; line < rawLines.length; line += 1) {
      try {
        this.pending.push({ line, event: JSON.parse(rawLines[line]) as BotEvent });
      } catch {
        this.log.warn('outbox: skipping an unreadable line (a crash mid-write)', { line });
      }
    }
  }

  get size(): number {
    return this.pending.length;
  }

  /** Appends the event durably; delivery happens on the next flush. */
  add(event: BotEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    if (this.options.fsync) {
      const fd = openSync(this.file, 'a');
      try {
        appendFileSync(fd, line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else {
      appendFileSync(this.file, line);
    }
    this.pending.push({ line: this.lines, event });
    this.lines += 1;
  }

  /** Delivers what is pending, in order; stops at the first unavailability. Returns how many were delivered. */
  flush(): Promise<number> {
    this.flushing ??= this.deliver().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async deliver(): Promise<number> {
    let delivered = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH_SIZE);
      try {
        const { results } = await this.api.sendEvents(batch.map((entry) => entry.event));
        for (const result of results) {
          if (result.status === 'rejected') this.reject(batch.find((entry) => entry.event.id === result.id)?.event, result.message ?? 'rejected');
        }
        this.consume(batch.length);
        delivered += batch.length;
      } catch (error) {
        if (error instanceof ServerRejectedError) {
          // One malformed event must not block the rest: send the first alone; if refused alone, set it aside.
          if (batch.length > 1) {
            const first = this.pending[0];
            try {
              await this.api.sendEvents([first.event]);
            } catch (single) {
              if (!(single instanceof ServerRejectedError)) return delivered;
              this.reject(first.event, single.message);
            }
          } else {
            this.reject(batch[0].event, error.message);
          }
          this.consume(1);
          delivered += 1;
          continue;
        }
        if (!(error instanceof ServerUnavailableError)) this.log.error('outbox: delivery failed', { err: error });
        return delivered;
      }
    }
    return delivered;
  }

  private consume(count: number): void {
    const consumed = this.pending.splice(0, count);
    this.cursor = consumed[consumed.length - 1].line + 1;
    if (this.pending.length === 0 && this.cursor === this.lines) {
      this.writeCursor(0);
      truncateSync(this.file, 0);
      this.lines = 0;
      this.cursor = 0;
      return;
    }
    this.writeCursor(this.cursor);
  }

  private writeCursor(value: number): void {
    const temporary = `${this.cursorFile}.tmp`;
    writeFileSync(temporary, String(value));
    renameSync(temporary, this.cursorFile);
  }

  private reject(event: BotEvent | undefined, reason: string): void {
    if (!event) return;
    this.log.warn('outbox: the server refused an event; kept aside', { id: event.id, kind: event.kind, reason });
    appendFileSync(this.rejectedFile, `${JSON.stringify({ reason, event })}\n`);
  }
}
