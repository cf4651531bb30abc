import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { GroupDeliveryModel, GroupIdentityModel, GroupMemberEventModel, GroupModel, GroupModerationCaseModel } from './groups.model';
import { groupsRouter } from './groups.router';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const services = testServices({ BOT_API_TOKEN: TOKEN });
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' }, routers: [groupsRouter(services)] });
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;
let otherManager: Session;
let admin: Session;
let storeId: string;

beforeAll(async () => {
  await seedDemo();
  [manager, otherManager, admin] = await Promise.all([DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.admin].map((code) => login(app, code)));
  storeId = manager.staff!.storeId!;
});

async function bindRoom(roomId: string): Promise<string> {
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
  const bound = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: `staff-${roomId}`, name: '店长', roomId, topic: roomId });
  expect(bound.status).toBe(200);
  return bound.body.groupId;
}

const sync = (roomId: string, body: Record<string, unknown>) =>
  request(app).post('/groups/bot/members').set(asBot).send({ roomId, topic: null, complete: false, observedAt: new Date().toISOString(), ...body });

describe('the bot API is for the bot only', () => {
  it('refuses calls without the token or with a wrong one', async () => {
    expect((await request(app).get('/groups/bot/deliveries')).status).toBe(401);
    expect((await request(app).get('/groups/bot/deliveries').set({ authorization: 'Bearer wrong-token-wrong-token-123' })).status).toBe(403);
    expect((await request(app).get('/groups/bot/deliveries').set(bearer(manager))).status).toBe(403);
    expect((await request(app).get('/groups/bot/deliveries').set(asBot)).status).toBe(200);
  });
});

describe('bind codes', () => {
  it('when two bots say the same code at once, then exactly one binding succeeds', async () => {
    const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
    const attempts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: `w${i}`, name: 'x', roomId: `race-${i}@chatroom`, topic: null })),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(await GroupModel.countDocuments({ roomId: /^race-/ })).toBe(1);
  });

  it('a manager cannot issue a code for another store; a resident binds their identity once', async () => {
    expect((await request(app).post('/groups/bind-codes').set(bearer(otherManager)).send({ storeId })).status).toBe(403);
    const resident = await login(app, 'dev:groups-resident');
    const code = (await request(app).post('/groups/identity-codes').set(bearer(resident))).body.code;
    const first = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-resident', name: '居民', roomId: null, topic: null });
    expect(first.body).toMatchObject({ kind: 'resident' });
    expect((await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-other', name: '别人', roomId: null, topic: null })).status).toBe(409);
    expect(String((await GroupIdentityModel.findById('wx-resident').lean())?.residentId)).toBe(resident.residentId);
  });
});

describe('members and greetings', () => {
  it('the first full list is a baseline; a newcomer seen by an event and by many concurrent reconciliations is greeted once', async () => {
    const groupId = await bindRoom('greet@chatroom');
    const baseline = [{ wxid: 'a', name: 'A' }, { wxid: 'b', name: 'B' }];
    expect((await sync('greet@chatroom', { complete: true, members: baseline })).body).toMatchObject({ greetingsQueued: 0 });
    const withNewcomer = [...baseline, { wxid: 'n', name: '新人' }];
    const results = await Promise.all([
      sync('greet@chatroom', { joined: [{ wxid: 'n', name: '新人' }] }),
      ...Array.from({ length: 5 }, () => sync('greet@chatroom', { complete: true, members: withNewcomer })),
    ]);
    expect(results.reduce((sum, result) => sum + result.body.greetingsQueued, 0)).toBe(1);
    expect(await GroupDeliveryModel.countDocuments({ groupId, kind: 'greeting' })).toBe(1);
    expect(await GroupMemberEventModel.countDocuments({ groupId, kind: 'join' })).toBe(1);
    // Leaves and a rejoin: a second join event, never a second greeting.
    await sync('greet@chatroom', { complete: true, members: baseline });
    await sync('greet@chatroom', { complete: true, members: withNewcomer });
    expect(await GroupMemberEventModel.countDocuments({ groupId, kind: 'leave' })).toBe(1);
    expect(await GroupMemberEventModel.countDocuments({ groupId, kind: 'join' })).toBe(2);
    expect(await GroupDeliveryModel.countDocuments({ groupId, kind: 'greeting' })).toBe(1);
  });
});

describe('settings inheritance', () => {
  it('a group inherits brand, then city, then store, then its own settings', async () => {
    const groupId = await bindRoom('settings@chatroom');
    const cityId = manager.staff!.cityId!;
    await request(app).patch('/groups/settings/brand/-').set(bearer(admin)).send({ moderationStrictness: 'lenient', replyLimitPerMinute: 9 }).expect(200);
    await request(app).patch(`/groups/settings/city/${cityId}`).set(bearer(admin)).send({ moderationStrictness: 'strict' }).expect(200);
    await request(app).patch(`/groups/settings/store/${storeId}`).set(bearer(manager)).send({ checkinEnabled: false }).expect(200);
    const view = await request(app).patch(`/groups/settings/group/${groupId}`).set(bearer(manager)).send({ replyStyle: 'brief' });
    expect(view.body.effective).toMatchObject({ moderationStrictness: 'strict', replyLimitPerMinute: 9, checkinEnabled: false, replyStyle: 'brief' });
    expect((await request(app).patch('/groups/settings/brand/-').set(bearer(manager)).send({ paused: true })).status).toBe(403);
    expect((await request(app).patch(`/groups/settings/group/${groupId}`).set(bearer(otherManager)).send({ paused: true })).status).toBe(403);
    const context = await request(app).get('/groups/bot/rooms/settings@chatroom/context').set(asBot);
    expect(context.body.settings).toMatchObject({ moderationStrictness: 'strict', checkinEnabled: false });
    await request(app).patch(`/groups/settings/store/${storeId}`).set(bearer(manager)).send({ checkinEnabled: true }).expect(200);
  });
});

describe('moderation strikes', () => {
  it('concurrent violations by one member take distinct strikes; a re-reported message is the same case', async () => {
    await bindRoom('strikes@chatroom');
    const report = (n: number) => ({
      roomId: 'strikes@chatroom', wxid: 'spammer', name: '广告哥', rule: 'link', detail: 'https://x.cn',
      evidence: { messageId: `m${n}`, kind: 'text', text: `https://x.cn ${n}` }, at: new Date().toISOString(),
    });
    const decisions = await Promise.all([1, 2, 3, 4].map((n) => request(app).post('/groups/bot/moderation').set(asBot).send(report(n))));
    expect(decisions.map((decision) => decision.body.strike).sort()).toEqual([1, 2, 3, 4]);
    const again = await request(app).post('/groups/bot/moderation').set(asBot).send(report(2));
    expect(again.body.duplicate).toBe(true);
    expect(await GroupModerationCaseModel.countDocuments({ wxid: 'spammer' })).toBe(4);
  });
});

describe('broadcasts and the outbox', () => {
  it('a broadcast becomes one delivery per group, acknowledged once however often the ack arrives', async () => {
    const groupId = await bindRoom('broadcast@chatroom');
    const created = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, text: '通知' });
    expect(created.status).toBe(201);
    const due = (await request(app).get('/groups/bot/deliveries').set(asBot)).body.filter((delivery: { roomId: string }) => delivery.roomId === 'broadcast@chatroom');
    expect(due).toHaveLength(1);
    const ack = (id: string, status: string) => ({ id, kind: 'delivery_ack', at: new Date().toISOString(), deliveryId: due[0].id, status });
    const batch = await request(app).post('/groups/bot/events').set(asBot).send({ events: [ack('ack-event-1', 'sent'), ack('ack-event-1', 'sent'), ack('ack-event-2', 'failed')] });
    expect(batch.body.results.map((result: { status: string }) => result.status)).toEqual(['applied', 'duplicate', 'applied']);
    expect((await GroupDeliveryModel.findById(due[0].id).lean())?.ackStatus).toBe('sent');
    expect((await request(app).get('/groups/bot/deliveries').set(asBot)).body.some((delivery: { id: string }) => delivery.id === due[0].id)).toBe(false);
    expect((await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'brand', text: 'x' })).status).toBe(403);
  });
});
