import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEEP_MS = 30 * 24 * 3_600_000;

/**
 * The bot's own record of greetings and broadcasts it started to send, written before each send.
 * After a restart, a delivery found here is never sent again (its ack is re-sent instead), so a
 * crash between sending and acknowledging cannot make a group see a broadcast twice. A crash in
 * the instant between the record and the send loses that one message; it is acknowledged as
 * `uncertain` so staff can see it.
 */
export class DeliveryJournal {
  private readonly file: string;
  private readonly states = new Map<string, { state: 'sending' | 'sent' | 'failed'; at: number }>();

  constructor(directory: string, now = Date.now()) {
    mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, 'deliveries.jsonl');
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        try {
          const entry = JSON.parse(line) as { id: string; state: 'sending' | 'sent' | 'failed'; at: number };
          if (entry.id && now - entry.at < KEEP_MS) this.states.set(entry.id, { state: entry.state, at: entry.at });
        } catch {
          // empty or partial line
        }
      }
      writeFileSync(this.file, [...this.states].map(([id, entry]) => `${JSON.stringify({ id, ...entry })}\n`).join(''));
    }
  }

  /** `failed`: the send threw, so it may be tried again. */
  state(id: string): 'sending' | 'sent' | 'failed' | null {
    return this.states.get(id)?.state ?? null;
  }

  mark(id: string, state: 'sending' | 'sent' | 'failed', at = Date.now()): void {
    appendFileSync(this.file, `${JSON.stringify({ id, state, at })}\n`);
    this.states.set(id, { state, at });
  }
}
