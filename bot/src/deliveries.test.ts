import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import path from 'node:path';
import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import mongoose from 'mongoose';
import { VirtualClock, systemClock, type Clock } from './clock';
import { MockWorld, bindRoom, handled, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

useTestDatabase();
jest.setTimeout(90_000);
const server = useTestServer();

const data = temporaryDirectory('o2o-bot-deliveries-');
const ids = { manager: 'c-manager', wang: 'c-wang', li: 'c-li', room1: 'r-deliveries-1@chatroom', room2: 'r-deliveries-2@chatroom', room3: 'r-deliveries-3@chatroom' };

/** The same WeChat account and groups as seen by a fresh puppet (after a restart). */
function buildWorld() {
  const world = new MockWorld({ id: 'c-deliveries-bot' }); // the same WeChat account after each restart
  const manager = world.contact('徐家汇店长', { id: ids.manager });
  const wang = world.contact('王阿姨', { id: ids.wang });
  const li = world.contact('李叔叔', { id: ids.li });
  const rooms = [ids.room1, ids.room2, ids.room3].map((id, index) => world.room(`徐家汇 ${index + 1} 群`, [manager, wang, li], { id }));
  return { world, manager, wang, li, rooms };
}

let current = buildWorld();
let running: RunningBot;
let managerToken: string;
let storeId: string;
let groupIds: string[] = [];
/** Everything said in a room across bot restarts. */
const history: { roomId: string | null; text: string }[] = [];
const record = () => history.push(...current.world.said.map((entry) => ({ roomId: entry.roomId, text: entry.text })));

beforeAll(async () => {
  running = await startBot(current.world, server, { dataDir: data.path });
  await relaxBrandSettings(server);
  for (const room of current.rooms) ({ token: managerToken, storeId } = await bindRoom(current.world, server, room, current.manager));
  groupIds = (await mongoose.connection.collection('groups').find({}).sort({ _id: 1 }).toArray()).map((group) => String(group._id));
  const resident = await server.login('dev:deliveries-wang');
  const code = await server.identityCode(resident.token);
  current.wang.say(`绑定 ${code}`).to(current.world.self);
  await waitFor(() => current.world.saidIn(current.wang, '绑定成功')[0], 'the resident binding');
});

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

async function restart(env: Record<string, string> = {}, clock: Clock = new VirtualClock()): Promise<void> {
  await running.bot.stop();
  record();
  current = buildWorld();
  running = await startBot(current.world, server, { dataDir: data.path, env, clock });
}

/** A small opaque PNG (the server stores it as a JPEG), made without an image library. */
function samplePng(): Buffer {
  const width = 64;
  const height = 48;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) raw.set([x * 4, y * 5, 128], y * (width * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const said = (fragment: string) => [...history, ...current.world.said].filter((entry) => entry.text.includes(fragment));

describe('broadcasts', () => {
  it('when a broadcast is sent and the bot restarts before the server heard the ack, then no group gets it twice', async () => {
    // A real clock, 3 s between messages to a group and a pending message keep the broadcast waiting in the paced queue.
    await restart({ BOT_MIN_INTERVAL_PER_GROUP_MS: '3000' }, systemClock);
    const room = await running.bot.wechaty.Room.find({ id: ids.room1 });
    void running.bot.runtime.queue.enqueue(ids.room1, () => room!.say('排队中的消息').then(() => undefined));
    const created = await server.request<{ id: string }>('POST', '/groups/broadcasts', { audience: 'group', groupId: groupIds[0], text: '周末团购：车厘子 5 折' }, managerToken);
    expect(created.status).toBe(201);
    await waitFor(() => running.bot.runtime.queue.length > 0 && said('排队中的消息').length > 0, 'the broadcast to wait in the queue');
    await server.stop(); // the ack cannot reach the server
    await waitFor(() => said('车厘子 5 折').length === 1, 'the broadcast to be sent');
    await running.bot.runtime.queue.idle();
    await restart();
    await server.start();
    await waitFor(async () => (await mongoose.connection.collection('group_delivery_acks').countDocuments({ _id: `broadcast:${created.body.id}:${groupIds[0]}` as never, status: 'sent' })) === 1, 'the ack');
    // A whole poll after the ack: nothing is due any more, nothing else was sent.
    await running.bot.runtime.pollDeliveries();
    await running.bot.runtime.queue.idle();
    expect(said('车厘子 5 折')).toHaveLength(1);
    const list = await server.request<{ id: string; deliveries: number; sent: number }[]>('GET', '/groups/broadcasts', undefined, managerToken);
    expect(list.body.find((entry) => entry.id === created.body.id)).toMatchObject({ deliveries: 1, sent: 1 });
  });

  it('a mini-program card broadcast goes out as a card after its words; without an appid configured, as its title and page in words', async () => {
    await restart({ BOT_MINIPROGRAM_APPID: 'wx0123456789abcdef' });
    const cards = jest.spyOn(current.world.puppet, 'messageSendMiniProgram');
    await server.request('POST', '/groups/broadcasts', { audience: 'group', groupId: groupIds[1], kind: 'card', card: { title: '本周特价', pagePath: 'pages/offers/index' }, text: '点开领券' }, managerToken);
    await waitFor(() => cards.mock.calls.length === 1, 'the card');
    // The card's page names the broadcast and the group, so an order after opening it is credited to both.
    expect(cards.mock.calls[0]).toEqual([ids.room2, expect.objectContaining({ appid: 'wx0123456789abcdef', title: '本周特价', pagePath: expect.stringMatching(new RegExp(`^pages/offers/index\\?tk=b&tr=[0-9a-f]{24}&tg=${groupIds[1]}$`)) })]);
    expect(said('点开领券').filter((entry) => entry.roomId === ids.room2)).toHaveLength(1);

    await restart();
    await server.request('POST', '/groups/broadcasts', { audience: 'group', groupId: groupIds[2], kind: 'card', card: { title: '周末团购', pagePath: 'pages/offers/index' } }, managerToken);
    await waitFor(() => said('【小程序】周末团购').length === 1, 'the card in words');
    await running.bot.runtime.queue.idle();
    // A card without words sends no empty message before it.
    expect([...history, ...current.world.said].filter((entry) => entry.roomId === ids.room3 && entry.text === '')).toEqual([]);
  });

  it('an image broadcast of an uploaded picture goes out as the image the server stored, fetched from the bot\'s own server URL', async () => {
    await restart();
    const files = jest.spyOn(current.world.puppet, 'messageSendFile');
    const form = new FormData();
    form.append('file', new Blob([samplePng()], { type: 'image/png' }), 'poster.png');
    const uploaded = await fetch(`${server.url}/media/images`, { method: 'POST', headers: { authorization: `Bearer ${managerToken}` }, body: form });
    expect(uploaded.status).toBe(201);
    const image = (await uploaded.json()) as { id: string; path: string; bytes: number };
    const created = await server.request('POST', '/groups/broadcasts', { audience: 'group', groupId: groupIds[0], kind: 'image', imageUrl: image.path, text: '今天的海报' }, managerToken);
    expect(created.status).toBe(201);
    await waitFor(() => files.mock.calls.length === 1, 'the image');
    const [roomId, fileBox] = files.mock.calls[0] as [string, { toJSON(): { url?: string }; toBuffer(): Promise<Buffer> }];
    expect(roomId).toBe(ids.room1);
    // The delivery carries the path; the bot made it absolute on BOT_SERVER_URL.
    expect(fileBox.toJSON().url).toBe(`${server.url}${image.path}`);
    const sent = await fileBox.toBuffer();
    expect(sent.length).toBe(image.bytes);
    expect([...sent.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(said('今天的海报').filter((entry) => entry.roomId === ids.room1)).toHaveLength(1);
  });

  it('sends a store-wide broadcast once to each of its groups, paced: 1 s apart per group and at most N per minute for the account', async () => {
    await restart({ BOT_MAX_MESSAGES_PER_MINUTE: '4', BOT_MIN_INTERVAL_PER_GROUP_MS: '1000' });
    const start = running.bot.runtime.queue.history.length;
    for (let n = 1; n <= 3; n += 1) {
      await server.request('POST', '/groups/broadcasts', { audience: 'store', storeId, text: `门店通知第 ${n} 条` }, managerToken);
    }
    await waitFor(() => said('门店通知第').length === 9, 'nine broadcast messages (3 x 3 groups)', 20_000);
    await running.bot.runtime.pollDeliveries();
    await running.bot.runtime.queue.idle();
    expect(said('门店通知第')).toHaveLength(9);
    for (const roomId of [ids.room1, ids.room2, ids.room3]) expect(said('门店通知第').filter((entry) => entry.roomId === roomId)).toHaveLength(3);
    const sends = running.bot.runtime.queue.history.slice(start);
    for (const roomId of [ids.room1, ids.room2, ids.room3]) {
      const times = sends.filter((entry) => entry.conversationId === roomId).map((entry) => entry.at);
      for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    }
    const times = sends.map((entry) => entry.at);
    for (let i = 0; i < times.length; i += 1) expect(times.filter((at) => at >= times[i] && at < times[i] + 60_000).length).toBeLessThanOrEqual(4);
  });
});

describe('the outbox', () => {
  it('when the server is down, check-ins, moderation and activity wait in the outbox, survive a restart, and arrive in order when it returns', async () => {
    await restart();
    current.li.say('几点关门？').to(current.rooms[1]);
    await waitFor(() => current.world.saidIn(current.rooms[1], '营业时间')[0], 'an answer while the server is up');
    await server.stop();
    const saidAt = new Date();
    current.li.say('今天人真多').to(current.rooms[1]);
    current.wang.say('签到').to(current.rooms[1]);
    await waitFor(() => current.world.saidIn(current.rooms[1], '签到收到')[0], 'the queued check-in reply');
    current.li.say('低价代购，加我微信 shop55555').to(current.rooms[1]);
    await waitFor(() => current.world.saidIn(current.rooms[1], '请勿')[0], 'the offline warning');
    await restart(); // killed and restarted while the server is still down
    const outbox = readFileSync(path.join(data.path, 'outbox.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).kind);
    expect(outbox).toEqual(expect.arrayContaining(['checkin', 'moderation_case', 'activity']));
    expect(outbox.indexOf('checkin')).toBeLessThan(outbox.indexOf('moderation_case'));

    await server.start();
    const residentId = (await mongoose.connection.collection('group_identities').findOne({ _id: ids.wang as never }))!.residentId;
    const event = await waitFor(() => mongoose.connection.collection('task_events').findOne({ type: 'group_checkin', residentId }), 'the check-in to arrive');
    expect(Math.abs(event.occurredAt.getTime() - saidAt.getTime())).toBeLessThan(5000);
    // The case and its outcome are two outbox entries: wait for both to have arrived.
    const moderation = await waitFor(() => mongoose.connection.collection('group_moderation_cases').findOne({ wxid: ids.li, outcome: { $ne: null } }), 'the moderation case with its outcome');
    expect(moderation).toMatchObject({ rule: 'contact_promo', outcome: 'warned', strike: 1 });
    await waitFor(() => readFileSync(path.join(data.path, 'outbox.jsonl'), 'utf8') === '', 'the outbox to empty');
    const stats = await server.request<{ messages: number; checkins: number }>('GET', `/groups/${groupIds[1]}/stats`, undefined, managerToken);
    expect(stats.body.checkins).toBe(1);
    expect(stats.body.messages).toBeGreaterThanOrEqual(3);
  });
});

describe('staff commands', () => {
  const room = () => current.rooms[2];

  it('publishes an announcement once, shows today\'s stats, and pauses and resumes the bot', async () => {
    current.manager.say('公告 明天上午 9 点到 10 点停电，暂停营业').to(room());
    await waitFor(() => current.world.saidIn(room(), '公告已排队')[0], 'the confirmation');
    await waitFor(() => current.world.saidIn(room(), '停电')[0], 'the announcement');
    current.manager.say('今日数据').to(room());
    const stats = await waitFor(() => current.world.saidIn(room(), '今日群数据')[0], 'the stats');
    expect(stats).toMatch(/成员 3 人/);
    expect(stats).toMatch(/群内卡片和分享带来订单 0 笔，共 0\.00 元/);

    current.manager.say('暂停').to(room());
    await waitFor(() => current.world.saidIn(room(), '暂停本群')[0], 'the pause');
    const whilePaused = handled(running, (settled) => settled.talkerId === ids.wang);
    current.wang.say('几点关门？').to(room());
    await whilePaused;
    expect(current.world.saidIn(room(), '营业时间')).toEqual([]);
    current.manager.say('恢复').to(room());
    await waitFor(() => current.world.saidIn(room(), '我回来了')[0], 'the resume');
    current.wang.say('几点关门？').to(room());
    await waitFor(() => current.world.saidIn(room(), '营业时间')[0], 'an answer again');
    await running.bot.runtime.pollDeliveries();
    await running.bot.runtime.queue.idle();
    expect(said('停电')).toHaveLength(1);
  });

  it('ignores staff commands from residents', async () => {
    const both = handled(running, (settled) => settled.talkerId === ids.li, 2);
    current.li.say('公告 我家猫丢了').to(room());
    current.li.say('暂停').to(room());
    await both;
    expect(current.world.saidIn(room(), '猫丢了')).toEqual([]);
    expect(current.world.saidIn(room(), '暂停本群')).toHaveLength(1);
  });
});
