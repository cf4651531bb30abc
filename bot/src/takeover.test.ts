import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import mongoose from 'mongoose';
import { systemClock } from './clock';
import { MockWorld, bindRoom, handled, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

/*
 * Two bot accounts on two mock puppets in the same three groups, against the real server: the
 * primary runs them, the standby stands by. The primary is logged out in the middle of sending 30
 * broadcast messages; the server hands its groups to the standby and alerts staff, and every
 * message is said exactly once in total.
 */

useTestDatabase();
jest.setTimeout(120_000);
const server = useTestServer();

const ids = { primary: 'c-bot-primary', standby: 'c-bot-standby', manager: 'c-tk-manager', wang: 'c-tk-wang', rooms: ['r-tk-1@chatroom', 'r-tk-2@chatroom', 'r-tk-3@chatroom'] };
const dirs = [temporaryDirectory('o2o-bot-primary-'), temporaryDirectory('o2o-bot-standby-')];

/** One account's view of WeChat: itself, the other account as a member, staff, a resident, the three groups. */
function buildWorld(self: string, other: string) {
  const world = new MockWorld({ id: self, name: self === ids.primary ? '邻里小助手' : '邻里小助手（备用）' });
  const otherBot = world.contact(other === ids.primary ? '邻里小助手' : '邻里小助手（备用）', { id: other });
  const manager = world.contact('徐家汇店长', { id: ids.manager });
  const wang = world.contact('王阿姨', { id: ids.wang });
  const rooms = ids.rooms.map((id, index) => world.room(`徐家汇 ${index + 1} 群`, [otherBot, manager, wang], { id, ownerId: ids.manager }));
  return { world, manager, wang, rooms };
}

const a = buildWorld(ids.primary, ids.standby);
const b = buildWorld(ids.standby, ids.primary);
let primary: RunningBot;
let standby: RunningBot;
let managerToken: string;
const env = { BOT_MIN_INTERVAL_PER_GROUP_MS: '100', BOT_DELIVERY_POLL_INTERVAL_MS: '100', BOT_HEARTBEAT_INTERVAL_MS: '3600000' };

beforeAll(async () => {
  primary = await startBot(a.world, server, { dataDir: dirs[0].path, env, clock: systemClock });
  standby = await startBot(b.world, server, { dataDir: dirs[1].path, env: { ...env, BOT_STANDBY: 'true' }, clock: systemClock });
  await relaxBrandSettings(server);
  for (const room of a.rooms) ({ token: managerToken } = await bindRoom(a.world, server, room, a.manager));
  // Binding the rooms bound the manager's WeChat id as the store's staff: alerts reach them privately.
  await standby.bot.runtime.account.heartbeat();
  // A bound room is the primary's from its next heartbeat (until then any non-standby account runs it).
  await waitFor(async () => {
    await primary.bot.runtime.account.heartbeat();
    return (await groups()).every((group) => group.accountId === ids.primary);
  }, 'the primary to run the three groups');
});

afterAll(async () => {
  await primary?.bot.stop();
  await standby?.bot.stop();
  for (const dir of dirs) dir.remove();
});

const groups = () => mongoose.connection.collection('groups').find({ roomId: { $in: ids.rooms } }).sort({ roomId: 1 }).toArray();
/** How often each text was said in a group, by both accounts together. */
function counts(texts: string[]): Map<string, number> {
  const said = [...a.world.said, ...b.world.said].filter((entry) => entry.roomId);
  return new Map(texts.map((text) => [text, said.filter((entry) => entry.text === text).length]));
}

describe('a standby account takes over', () => {
  it('runs nothing while the primary is up: only the primary answers', async () => {
    expect((await groups()).map((group) => group.accountId)).toEqual([ids.primary, ids.primary, ids.primary]);
    const heard = handled(standby, (settled) => settled.talkerId === ids.wang);
    const answered = handled(primary, (settled) => settled.talkerId === ids.wang);
    a.wang.say('几点关门？').to(a.rooms[0]);
    b.wang.say('几点关门？').to(b.rooms[0]);
    await Promise.all([heard, answered]);
    expect(a.world.saidIn(a.rooms[0], '营业时间')).toHaveLength(1);
    expect(b.world.saidIn(b.rooms[0], '营业时间')).toEqual([]);
  });

  it('when the primary is logged out mid-queue, the standby sends the rest and every message is said exactly once', async () => {
    const texts = ids.rooms.flatMap((_, room) => Array.from({ length: 10 }, (_, n) => `【群公告】${room + 1} 群第 ${n + 1} 条：本周六社区团购提货点调整`));
    // The primary is logged out the moment it has said its fifth broadcast message.
    const state: { loggedOut: Promise<void> | null } = { loggedOut: null };
    const said = new Set<string>();
    for (const room of a.rooms) {
      room.on('message', ((message: { payload: { talkerId: string; text?: string } }) => {
        if (message.payload.talkerId !== ids.primary || !texts.includes(message.payload.text ?? '')) return;
        said.add(message.payload.text!);
        if (said.size === 5 && !state.loggedOut) state.loggedOut = a.world.puppet.logout('logged out by WeChat (test)');
      }) as never);
    }
    const groupIds = (await groups()).map((group) => String(group._id));
    for (const [index, text] of texts.entries()) {
      const response = await server.request('POST', '/groups/broadcasts', { audience: 'group', groupId: groupIds[Math.floor(index / 10)], text }, managerToken);
      expect(response.status).toBe(201);
    }
    await waitFor(() => state.loggedOut !== null, 'the primary to be logged out mid-queue');
    await state.loggedOut;
    await waitFor(async () => (await groups()).every((group) => group.accountId === ids.standby), 'the groups to move to the standby', 20_000);
    await waitFor(async () => [...counts(texts).values()].every((n) => n >= 1), 'every message to be said', 30_000);
    // Let both accounts look once more: nothing further may go out.
    await standby.bot.runtime.pollDeliveries();
    await standby.bot.runtime.queue.idle();
    const total = counts(texts);
    expect([...total.values()].filter((n) => n !== 1)).toEqual([]);
    const byPrimary = a.world.said.filter((entry) => texts.includes(entry.text)).length;
    const byStandby = b.world.said.filter((entry) => texts.includes(entry.text)).length;
    expect(byPrimary).toBeGreaterThanOrEqual(5);
    expect(byStandby).toBeGreaterThan(0);
    expect(byPrimary + byStandby).toBe(30);
  });

  it('alerts staff: a ticket per group in the workbench and a private message from the standby', async () => {
    const tickets = await waitFor(async () => {
      const list = await server.request<{ reason: string; text: string; roomId?: string }[]>('GET', '/tickets?limit=50', undefined, managerToken);
      const alerts = list.body.filter((ticket) => ticket.reason === 'bot_account');
      return alerts.length === 3 ? alerts : null;
    }, 'three account alerts');
    expect(tickets[0].text).toContain('已由备用账号');
    const notice = await waitFor(() => b.world.saidIn(b.manager, '小助手账号异常')[0], 'the private alert from the standby');
    expect(notice).toContain('已退出登录');
    const accounts = await server.request<{ accountId: string; status: string; groups: number }[]>('GET', '/groups/accounts', undefined, managerToken);
    expect(accounts.body).toEqual(expect.arrayContaining([
      expect.objectContaining({ accountId: ids.primary, status: 'logged_out', groups: 0 }),
      expect.objectContaining({ accountId: ids.standby, status: 'healthy', groups: 3 }),
    ]));
  });

  it('after the takeover only the standby answers residents', async () => {
    const heard = handled(standby, (settled) => settled.talkerId === ids.wang);
    b.wang.say('几点关门？').to(b.rooms[1]);
    await heard;
    expect(b.world.saidIn(b.rooms[1], '营业时间')).toHaveLength(1);
  });
});
