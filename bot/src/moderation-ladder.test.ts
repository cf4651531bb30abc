import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import mongoose from 'mongoose';
import { types } from 'wechaty';
import { MockWorld, bindRoom, handled, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

/*
 * The seed's ladder on wechaty-puppet-mock against the real server: a warning, mutes of 1, 7 and
 * 15 days, then removal. The puppet cannot mute, so what a muted member says is a strike too, and
 * the member is told when the mute ends. Time is the server's movable clock: messages carry its
 * time, and moving it ends mutes (no sleeps). Staff undo a wrong penalty.
 */

useTestDatabase();
jest.setTimeout(90_000);
const server = useTestServer();

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const data = temporaryDirectory('o2o-bot-ladder-');
const ids = { manager: 'c-ladder-manager', member: 'c-ladder-zhang', other: 'c-ladder-li', room: 'r-ladder-1@chatroom', short: 'r-ladder-2@chatroom' };

/** The same account and groups as a fresh puppet sees them (after a restart); the bot owns both groups. */
function buildWorld() {
  const world = new MockWorld({ id: 'c-ladder-bot' }); // the same WeChat account after a restart
  const manager = world.contact('徐家汇店长', { id: ids.manager });
  const member = world.contact('张先生', { id: ids.member });
  const other = world.contact('李阿姨', { id: ids.other });
  const room = world.room('徐家汇 1 群', [manager, member, other], { id: ids.room, ownerId: world.self.id });
  const short = world.room('徐家汇 2 群', [manager, member, other], { id: ids.short, ownerId: world.self.id });
  return { world, manager, member, other, room, short };
}

let current = buildWorld();
let running: RunningBot;
let managerToken: string;
const history: { roomId: string | null; contactId: string | null; text: string; mentions: string[] }[] = [];

beforeAll(async () => {
  running = await startBot(current.world, server, { dataDir: data.path });
  await relaxBrandSettings(server);
  ({ token: managerToken } = await bindRoom(current.world, server, current.room, current.manager));
  await bindRoom(current.world, server, current.short, current.manager);
});

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

async function restart(): Promise<void> {
  await running.bot.stop();
  history.push(...current.world.said);
  current = buildWorld();
  running = await startBot(current.world, server, { dataDir: data.path });
}

/** Everything the bot said in a room (or to a contact) across restarts. */
const saidIn = (id: string, fragment: string) => [...history, ...current.world.said].filter((entry) => (entry.roomId === id || entry.contactId === id) && entry.text.includes(fragment));

/** A message from the member at the server clock's time. */
function say(room: { id: string }, text: string, from: { id: string } = current.member): string {
  return current.world.deliver(from as never, room as never, { type: types.Message.Text, text, timestamp: server.clock.now().getTime() });
}

async function cases(roomId: string, wxid = ids.member) {
  return mongoose.connection.collection('group_moderation_cases').find({ roomId, wxid }).sort({ at: 1 }).toArray();
}

/** Waits for the n-th case of the member in the room to have its outcome recorded. */
async function nthCase(roomId: string, n: number) {
  return waitFor(async () => {
    const found = await cases(roomId);
    return found.length >= n && found[n - 1].outcome ? found[n - 1] : null;
  }, `case ${n} in ${roomId}`);
}

async function undo(caseId: string, reason: string, token = managerToken) {
  return server.request<{ case: { undo: { byName: string; reason: string } | null; strike: number }; message: string; changed: boolean }>('POST', `/groups/moderation/${caseId}/undo`, { reason }, token);
}

const ad = (n: number) => `低价代购第${n}弹，加我微信 shop${n}8888`;

describe('the ladder with its durations', () => {
  const room = () => current.room;

  it('warns first, then mutes for 1 day and tells the member until when', async () => {
    const t0 = server.clock.now().getTime();
    say(room(), ad(1));
    expect(await nthCase(ids.room, 1)).toMatchObject({ strike: 1, penalty: 'warn', outcome: 'warned', muteUntil: null });
    say(room(), ad(2));
    const mute = await nthCase(ids.room, 2);
    expect(mute).toMatchObject({ strike: 2, penalty: 'mute', muteDays: 1, outcome: 'muted' });
    expect(Math.abs(mute.muteUntil.getTime() - (t0 + DAY))).toBeLessThan(5 * 60_000);
    const notice = await waitFor(() => saidIn(ids.room, '禁言 1 天')[0], 'the mute notice');
    expect(notice.text).toContain('@张先生');
    expect(notice.text).toContain('发言将视为再次违规');
    expect((await waitFor(() => saidIn(ids.manager, '已禁言 1 天')[0], 'the private report to staff')).text).toContain('撤销');
  });

  it('treats what a muted member says as a strike: an innocent message two hours in brings the 7-day mute', async () => {
    server.clock.advance(2 * HOUR);
    say(room(), '大家好，请问今天有鸡蛋吗');
    const strike = await nthCase(ids.room, 3);
    expect(strike).toMatchObject({ rule: 'muted_speech', strike: 3, penalty: 'mute', muteDays: 7, outcome: 'muted' });
    await waitFor(() => saidIn(ids.room, '禁言 7 天')[0], 'the 7-day notice');
    // Another member speaks freely meanwhile.
    const free = handled(running, (settled) => settled.talkerId === ids.other);
    say(room(), '今天有鸡蛋吗', current.other);
    await free;
    expect(await cases(ids.room, ids.other)).toHaveLength(0);
  });

  it('ends the 1-day mute silently because the 7-day one outlasts it, and tells the member when that ends, after a bot restart', async () => {
    server.clock.advance(DAY);
    await waitFor(async () => (await cases(ids.room))[1].muteEnd === 'superseded', 'the 1-day mute to end');
    await running.bot.runtime.pollDeliveries();
    expect(saidIn(ids.room, '禁言已到期')).toEqual([]);

    await restart(); // the end of a mute is server state, not a timer in the bot
    server.clock.advance(7 * DAY);
    const ended = await waitFor(() => saidIn(ids.room, '禁言已到期')[0], 'the end-of-mute notice');
    expect(ended.text).toContain('@张先生');
    expect((await cases(ids.room))[2].muteEnd).toBe('notified');
    await running.bot.runtime.pollDeliveries();
    await running.bot.runtime.queue.idle();
    expect(saidIn(ids.room, '禁言已到期')).toHaveLength(1);

    const free = handled(running, (settled) => settled.talkerId === ids.member);
    say(room(), '谢谢店长');
    await free;
    expect(await cases(ids.room)).toHaveLength(3);
  });

  it('mutes for 15 days next, and removes the member at the fifth strike', async () => {
    say(room(), ad(4));
    expect(await nthCase(ids.room, 4)).toMatchObject({ strike: 4, penalty: 'mute', muteDays: 15 });
    await waitFor(() => saidIn(ids.room, '禁言 15 天')[0], 'the 15-day notice');
    expect(saidIn(ids.room, '禁言 15 天')[0].text).toContain('移出本群');
    server.clock.advance(3 * HOUR);
    say(room(), '我错了');
    expect(await nthCase(ids.room, 5)).toMatchObject({ rule: 'muted_speech', strike: 5, penalty: 'remove', outcome: 'removed' });
    await waitFor(() => saidIn(ids.room, '已被移出本群')[0], 'the removal notice');
  });
});

describe('undo', () => {
  const room = () => current.short;

  it('lifts a wrong mute, tells the member, keeps who and why, and the next strike starts from the level before', async () => {
    say(room(), ad(11));
    await nthCase(ids.short, 1);
    say(room(), ad(12));
    const mute = await nthCase(ids.short, 2);
    expect(mute).toMatchObject({ strike: 2, penalty: 'mute', muteDays: 1 });

    const refused = await undo(String(mute._id), ' ');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('请写明撤销原因');
    const advisor = await server.login('dev:advisor-xujiahui-1');
    expect((await undo(String(mute._id), '误判', advisor.token)).status).toBe(403);

    const done = await undo(String(mute._id), '误判：他转发的是门店自己的团购');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ changed: true, case: { undo: { reason: '误判：他转发的是门店自己的团购' } } });
    expect(done.body.case.undo!.byName).toBeTruthy();
    expect(done.body.message).toContain('已撤销这次禁言');
    const lifted = await waitFor(() => saidIn(ids.short, '撤销对你的禁言')[0], 'the lifted notice');
    expect(lifted.text).toContain('@张先生');

    // A retry (the button pressed twice, a lost response) changes nothing and tells nobody again.
    const again = await undo(String(mute._id), '再点一次');
    expect(again.body).toMatchObject({ changed: false, case: { undo: { reason: '误判：他转发的是门店自己的团购' } } });
    await running.bot.runtime.pollDeliveries();
    await running.bot.runtime.queue.idle();
    expect(saidIn(ids.short, '撤销对你的禁言')).toHaveLength(1);

    // No longer muted: speaking is not a strike.
    const free = handled(running, (settled) => settled.talkerId === ids.member);
    say(room(), '好的，知道了');
    await free;
    expect(await cases(ids.short)).toHaveLength(2);

    // The undone strike does not count: the next violation is strike 2 again, the 1-day mute.
    say(room(), ad(13));
    expect(await nthCase(ids.short, 3)).toMatchObject({ strike: 2, penalty: 'mute', muteDays: 1 });
  });

  it('undoes a removal with the advice to re-invite, since the bot cannot add anyone back', async () => {
    const removal = (await cases(ids.room)).find((entry) => entry.penalty === 'remove')!;
    const done = await undo(String(removal._id), '误判，已和居民沟通');
    expect(done.status).toBe(200);
    expect(done.body.message).toContain('请店员重新邀请「张先生」入群');
    const log = await server.request<{ id: string; undo: { reason: string } | null }[]>('GET', '/groups/moderation?limit=100', undefined, managerToken);
    expect(log.body.find((entry) => entry.id === String(removal._id))!.undo).toMatchObject({ reason: '误判，已和居民沟通' });
  });
});

describe('a store\'s own ladder', () => {
  it('follows the durations and thresholds set for the store', async () => {
    const group = await mongoose.connection.collection('groups').findOne({ roomId: ids.short });
    const store = await server.request('PATCH', `/groups/settings/store/${group!.storeId}`, { moderationLadder: { warnings: 0, muteDays: [3] } }, managerToken);
    expect(store.status).toBe(200);
    const bad = await server.request('PATCH', `/groups/settings/store/${group!.storeId}`, { moderationLadder: { warnings: 0, muteDays: [0] } }, managerToken);
    expect(bad.status).toBe(400);
    const t = server.clock.now().getTime();
    say(current.short, ad(21), current.other);
    const first = await waitFor(async () => (await cases(ids.short, ids.other)).find((entry) => entry.outcome), 'the first strike');
    expect(first).toMatchObject({ strike: 1, penalty: 'mute', muteDays: 3 });
    expect(Math.abs(first.muteUntil.getTime() - (t + 3 * DAY))).toBeLessThan(5 * 60_000);
    await server.request('PATCH', `/groups/settings/store/${group!.storeId}`, { moderationLadder: { warnings: 1, muteDays: [1, 7, 15] } }, managerToken);
  });
});
