import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { groupsRouter } from '@o2o/server/dist/components/groups/groups.router';
import { ticketsRouter } from '@o2o/server/dist/components/tickets/tickets.router';
import { listen, type RunningServer } from '@o2o/server/dist/http-server';
import { createLogger } from '@o2o/server/dist/lib/logger';
import { seedDemo } from '@o2o/server/dist/seed/seed-demo';
import { createTestApp, testServices } from '@o2o/server/dist/testing/test-app';
import { createCommunityBot, type CommunityBot } from '../bot';
import { VirtualClock, type Clock } from '../clock';
import { loadBotConfig, type BotConfig } from '../config';
import type { TurnSettled } from '../runtime';

/**
 * Drives the bot on wechaty-puppet-mock against the real server (the app in-process on
 * 127.0.0.1, the test file's own database). The clock is virtual, so pacing costs no time.
 */

type ContactMock = ReturnType<mock.Mocker['createContact']>;
type RoomMock = ReturnType<mock.Mocker['createRoom']>;
type MessageMock = InstanceType<mock.Mocker['MessageMock']>;

export const BOT_NAME = '邻里小助手';

/** The server's clock in bot tests: real time plus however far a test moved it (mutes that end days later). */
export class MovableClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export class TestServer {
  private running: RunningServer | null = null;
  port = 0;
  readonly clock = new MovableClock();
  readonly services = testServices({}, { now: () => this.clock.now() });
  /** Where the server keeps uploaded images (broadcast pictures) for this test file. */
  readonly dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-bot-server-'));
  readonly app = createTestApp({ routers: [groupsRouter(this.services), ticketsRouter(this.services)], env: { RATE_LIMIT_MAX: '1000000', DATA_DIR: this.dataDir } });

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.running = await listen(this.app, { host: '127.0.0.1', port: this.port, timeoutMs: 1000, logger: createLogger('silent') });
    this.port = this.running.port;
  }

  /** Stops accepting connections (an outage); `start()` again serves on the same port. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = null;
    if (!running) return;
    running.server.closeAllConnections();
    await running.shutdown();
  }

  async request<T = unknown>(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
    const response = await fetch(this.url + url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async login(code: string): Promise<{ token: string; residentId: string | null; staff: { storeId: string | null; id: string } | null }> {
    const response = await this.request<{ token: string; residentId: string | null; staff: { storeId: string | null; id: string } | null }>('POST', '/auth/wechat-login', { code });
    if (response.status !== 200) throw new Error(`login ${code}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** A one-time code for the bot: a group code for a store, or an identity code for the session's owner. */
  async groupCode(token: string, storeId: string): Promise<string> {
    const response = await this.request<{ code: string }>('POST', '/groups/bind-codes', { storeId }, token);
    if (response.status !== 201) throw new Error(`bind code: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.code;
  }

  async identityCode(token: string): Promise<string> {
    const response = await this.request<{ code: string }>('POST', '/groups/identity-codes', undefined, token);
    if (response.status !== 201) throw new Error(`identity code: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.code;
  }
}

/** Starts the server for the test file (after useTestDatabase) with the demo chain seeded. */
export function useTestServer(): TestServer {
  const server = new TestServer();
  beforeAll(async () => {
    await seedDemo();
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  });
  return server;
}

// The deadline only bounds a failure: a check-in (bot → server → ledger → reply) took over 10 s on the
// loaded 2-core CI machine, while it passes in about 1 s when the machine is quiet.
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}


/** A mocked WeChat with the bot's account, residents, rooms, and everything the bot said. */
export class MockWorld {
  readonly mocker = new mock.Mocker();
  readonly puppet = new PuppetMock({ mocker: this.mocker });
  readonly self: ContactMock;
  /** Everything the bot said, in order: in a room (roomId) or to a person (contactId). */
  readonly said: { roomId: string | null; contactId: string | null; text: string; mentions: string[] }[] = [];

  /** `self`: the bot account's id and name (a second account in the same groups needs a known id). */
  constructor(self: { id?: string; name?: string } = {}) {
    this.self = this.mocker.createContact({ name: self.name ?? BOT_NAME, ...(self.id ? { id: self.id } : {}) });
  }

  contact(name: string, extra: Record<string, unknown> = {}): ContactMock {
    const contact = this.mocker.createContact({ name, ...extra });
    contact.on('message', (message: MessageMock) => {
      const payload = message.payload as { talkerId: string; listenerId?: string; text?: string };
      if (payload.talkerId === this.self.id && payload.listenerId === contact.id) this.said.push({ roomId: null, contactId: contact.id, text: payload.text ?? '', mentions: [] });
    });
    return contact;
  }

  room(topic: string, members: ContactMock[], extra: { id?: string; ownerId?: string; adminIdList?: string[] } = {}): RoomMock {
    const room = this.mocker.createRoom({ topic, memberIdList: [this.self.id, ...members.map((member) => member.id)], ...extra });
    room.on('message', (message: MessageMock) => {
      const payload = message.payload as { talkerId: string; text?: string; mentionIdList?: string[] };
      if (payload.talkerId === this.self.id) this.said.push({ roomId: room.id, contactId: null, text: payload.text ?? '', mentions: payload.mentionIdList ?? [] });
    });
    return room;
  }

  /** Messages the bot said in a room (or to a contact) whose text contains `fragment`. */
  saidIn(target: { id: string }, fragment = ''): string[] {
    return this.said.filter((entry) => (entry.roomId === target.id || entry.contactId === target.id) && entry.text.includes(fragment)).map((entry) => entry.text);
  }

  /** A message of any type from a member, as WeChat would deliver it. */
  deliver(talker: ContactMock, room: RoomMock | null, payload: Record<string, unknown>): string {
    const id = `m-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const message = this.mocker.MessageMock.create({
      id,
      talkerId: talker.id,
      timestamp: Date.now(),
      ...(room ? { roomId: room.id, mentionIdList: [] } : { listenerId: this.self.id }),
      ...payload,
    } as never);
    this.mocker.puppet.emit('message', { messageId: message.id });
    return id;
  }
}

export interface RunningBot {
  bot: CommunityBot;
  config: BotConfig;
  clock: Clock;
}

/** Starts the bot on the world's puppet and logs its account in. */
export async function startBot(world: MockWorld, server: TestServer, options: { dataDir: string; env?: Record<string, string>; clock?: Clock }): Promise<RunningBot> {
  const config = loadBotConfig({
    NODE_ENV: 'test',
    BOT_SERVER_URL: server.url,
    BOT_DATA_DIR: options.dataDir,
    BOT_LOG_LEVEL: 'silent',
    BOT_DEMO: 'false',
    BOT_CONTEXT_TTL_MS: '0',
    BOT_DELIVERY_POLL_INTERVAL_MS: '150',
    BOT_FLUSH_INTERVAL_MS: '200',
    BOT_MEMBER_SYNC_INTERVAL_MS: '3600000',
    BOT_REQUEST_TIMEOUT_MS: '3000',
    ...options.env,
  });
  const clock = options.clock ?? new VirtualClock();
  const bot = createCommunityBot({ config, puppet: world.puppet, clock });
  await bot.start();
  world.mocker.login(world.self);
  await waitFor(() => bot.wechaty.isLoggedIn, 'the bot to log in');
  return { bot, config, clock };
}

export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** The manager (a mock contact) says a fresh group code in the room; resolves once the room is bound. */
export async function bindRoom(world: MockWorld, server: TestServer, room: { id: string }, manager: ContactMock, login = 'dev:manager-xujiahui'): Promise<{ token: string; storeId: string }> {
  const session = await server.login(login);
  const code = await server.groupCode(session.token, session.staff!.storeId!);
  const before = world.saidIn(room, '本群已绑定').length;
  manager.say(`绑定 ${code}`).to(room as RoomMock);
  await waitFor(() => world.saidIn(room, '本群已绑定').length > before, 'the room to be bound');
  return { token: session.token, storeId: session.staff!.storeId! };
}

/** Settings every bot test wants: no quiet hours, a generous reply limit. */
export async function relaxBrandSettings(server: TestServer): Promise<void> {
  const admin = await server.login('dev:admin');
  const response = await server.request('PATCH', '/groups/settings/brand/-', { quietHours: null, replyLimitPerMinute: 60 }, admin.token);
  if (response.status !== 200) throw new Error(`brand settings: ${response.status} ${JSON.stringify(response.body)}`);
}

/**
 * Resolves once the bot has finished `count` received messages that match (every handler ran, so
 * any reply is queued) and its outgoing queue is empty (so any reply was said). Subscribe before
 * sending: `const done = handled(running); member.say(...); await done;`. What the bot did not say
 * is asserted after this, never after a pause.
 */
export function handled(running: RunningBot, match: (settled: TurnSettled) => boolean = () => true, count = 1, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for the bot to handle ${count} message(s)`));
    }, timeoutMs);
    const off = running.bot.runtime.pipeline.onSettled((settled) => {
      if (!match(settled) || (seen += 1) < count) return;
      off();
      clearTimeout(timer);
      running.bot.runtime.queue.idle().then(resolve, reject);
    });
  });
}

/** Resolves after the next member observation of the room reached the server and the greetings it queued were sent. */
export function membersSynced(running: RunningBot, roomId: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for the members of ${roomId} to sync`));
    }, timeoutMs);
    const off = running.bot.runtime.onMembersSynced((synced) => {
      if (synced !== roomId) return;
      off();
      clearTimeout(timer);
      void running.bot.runtime
        .pollDeliveries()
        .then(() => running.bot.runtime.queue.idle())
        .then(resolve, reject);
    });
  });
}
