import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BotEvent, BotEventResults } from '@o2o/shared/schemas/groups';
import { createLogger } from '../logger';
import { ServerRejectedError, ServerUnavailableError } from './bot-api';
import { Outbox } from './outbox';

const log = createLogger('silent');
const ack = (n: number): BotEvent => ({ id: `ack:${String(n).padStart(6, '0')}`, kind: 'delivery_ack', at: new Date(0).toISOString(), deliveryId: `d${n}`, status: 'sent' });

class FakeServer {
  up = true;
  received: string[] = [];
  refuse = new Set<string>();
  async sendEvents(events: BotEvent[]): Promise<BotEventResults> {
    if (!this.up) throw new ServerUnavailableError('connection refused');
    if (events.length > 1 && events.some((event) => this.refuse.has(event.id))) throw new ServerRejectedError(400, 'VALIDATION_FAILED', 'bad event');
    if (events.length === 1 && this.refuse.has(events[0].id)) throw new ServerRejectedError(400, 'VALIDATION_FAILED', 'bad event');
    this.received.push(...events.map((event) => event.id));
    return { results: events.map((event) => ({ id: event.id, status: 'applied', message: null })) };
  }
}

describe('the durable outbox', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'o2o-outbox-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps events across a restart while the server is down and delivers them in order when it returns', async () => {
    const server = new FakeServer();
    server.up = false;
    const first = new Outbox(directory, server, log);
    for (let n = 1; n <= 250; n += 1) first.add(ack(n));
    expect(await first.flush()).toBe(0);

    const second = new Outbox(directory, server, log); // the process was killed and started again
    expect(second.size).toBe(250);
    server.up = true;
    expect(await second.flush()).toBe(250);
    expect(server.received).toEqual(Array.from({ length: 250 }, (_, i) => ack(i + 1).id));
    expect(readFileSync(path.join(directory, 'outbox.jsonl'), 'utf8')).toBe('');
    expect(new Outbox(directory, server, log).size).toBe(0);
  });

  it('resumes after the last confirmed batch, and survives a partial last line from a crash mid-write', async () => {
    const server = new FakeServer();
    const outbox = new Outbox(directory, server, log);
    outbox.add(ack(1));
    await outbox.flush();
    server.up = false;
    outbox.add(ack(2));
    appendFileSync(path.join(directory, 'outbox.jsonl'), '{"id":"ack:00000'); // torn write
    const reopened = new Outbox(directory, server, log);
    reopened.add(ack(3));
    server.up = true;
    await reopened.flush();
    expect(server.received).toEqual([ack(1).id, ack(2).id, ack(3).id]);
  });

  it('sets aside an event the server refuses, so it cannot block the rest', async () => {
    const server = new FakeServer();
    server.refuse.add(ack(2).id);
    const outbox = new Outbox(directory, server, log);
    [1, 2, 3].forEach((n) => outbox.add(ack(n)));
    expect(await outbox.flush()).toBe(3);
    expect(server.received).toEqual([ack(1).id, ack(3).id]);
    expect(readFileSync(path.join(directory, 'outbox.rejected.jsonl'), 'utf8')).toContain(ack(2).id);
  });

  it('ignores a cursor file that is corrupt by delivering everything again (the server dedupes by id)', async () => {
    const server = new FakeServer();
    server.up = false;
    const outbox = new Outbox(directory, server, log);
    outbox.add(ack(1));
    writeFileSync(path.join(directory, 'outbox.cursor'), 'garbage');
    server.up = true;
    await new Outbox(directory, server, log).flush();
    expect(server.received).toEqual([ack(1).id]);
  });
});
