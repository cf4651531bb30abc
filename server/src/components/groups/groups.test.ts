import { Types } from 'mongoose';
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
  const principalOf = (session: Session) => {
    const staff = session.staff!;
    return { id: new Types.ObjectId(staff.id), name: staff.name, role: staff.role, storeId: staff.storeId ? new Types.ObjectId(staff.storeId) : null, cityId: staff.cityId ? new Types.ObjectId(staff.cityId) : null };
  };
  const dueFor = async (roomId: string, at?: Date) =>
    (at ? await services.groups.deliveries.pending(200, at) : (await request(app).get('/groups/bot/deliveries?limit=200').set(asBot)).body).filter((delivery: { roomId: string }) => delivery.roomId === roomId);

  it('when a manager cancels a scheduled broadcast, then the bot is never handed it, not even after its time', async () => {
    const groupId = await bindRoom('cancel@chatroom');
    const sendAt = new Date(Date.now() + 3_600_000);
    const created = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, text: '今晚 8 点草莓特价', sendAt: sendAt.toISOString() });
    expect(created.body).toMatchObject({ status: 'scheduled', deliveries: 0, cancelledAt: null });
    const cancelled = await request(app).post(`/groups/broadcasts/${created.body.id}/cancel`).set(bearer(manager));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    // A retry of the cancel answers the same, and the stored cancel time does not move.
    const again = await request(app).post(`/groups/broadcasts/${created.body.id}/cancel`).set(bearer(manager));
    expect(again.body.cancelledAt).toBe(cancelled.body.cancelledAt);
    // The bot's claim after the send time: nothing for this room, and nothing was expanded.
    expect(await dueFor('cancel@chatroom', new Date(sendAt.getTime() + 60_000))).toEqual([]);
    expect(await GroupDeliveryModel.countDocuments({ broadcastId: created.body.id })).toBe(0);
    const report = await request(app).get(`/groups/broadcasts/${created.body.id}`).set(bearer(manager));
    expect(report.body.groups).toEqual([{ groupId, topic: 'cancel@chatroom', status: 'cancelled' }]);
    // Another store's manager may neither cancel nor read it.
    expect((await request(app).post(`/groups/broadcasts/${created.body.id}/cancel`).set(bearer(otherManager))).status).toBe(403);
  });

  it('a broadcast cancelled after its deliveries were created (a crash between writes) is still skipped by the claim', async () => {
    const groupId = await bindRoom('cancel-late@chatroom');
    const sendAt = new Date(Date.now() + 3_600_000);
    const created = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, text: '周末团购', sendAt: sendAt.toISOString() });
    expect(await dueFor('cancel-late@chatroom', sendAt)).toHaveLength(1);
    await services.groups.deliveries.cancelBroadcast(principalOf(manager), created.body.id, new Date(sendAt.getTime() - 120_000));
    expect(await dueFor('cancel-late@chatroom', sendAt)).toEqual([]);
    // The skipped delivery is acknowledged once, so later polls no longer read it, and the report still says cancelled.
    const stored = await GroupDeliveryModel.find({ broadcastId: new Types.ObjectId(created.body.id) }).lean();
    expect(stored.map((delivery) => delivery.ackStatus)).toEqual(['skipped']);
    const report = await request(app).get(`/groups/broadcasts/${created.body.id}`).set(bearer(manager));
    expect(report.body.groups).toEqual([{ groupId, topic: 'cancel-late@chatroom', status: 'cancelled' }]);
  });

  it('a broadcast already due cannot be cancelled, and one sent now is refused with a clear reason', async () => {
    const groupId = await bindRoom('cancel-due@chatroom');
    const now = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, text: '马上发' });
    const refused = await request(app).post(`/groups/broadcasts/${now.body.id}/cancel`).set(bearer(manager));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('这条群发已经发出，无法取消');
    const soon = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, text: '半分钟后发', sendAt: new Date(Date.now() + 30_000).toISOString() });
    expect((await request(app).post(`/groups/broadcasts/${soon.body.id}/cancel`).set(bearer(manager))).body.error.message).toBe('距发送不到 1 分钟，已无法取消');
    expect(await dueFor('cancel-due@chatroom')).toHaveLength(1);
  });

  it('image and mini-program card broadcasts reach the bot with their attachment; the report shows each group', async () => {
    const groupId = await bindRoom('media@chatroom');
    const image = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, kind: 'image', imageUrl: 'https://img.example.com/berries.jpg', text: '' });
    expect(image.status).toBe(201);
    const card = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, kind: 'card', card: { title: '本周特价', pagePath: '/pages/offers/index' }, text: '点开看看' });
    expect(card.body).toMatchObject({ kind: 'card', card: { title: '本周特价', pagePath: 'pages/offers/index' } });
    const due = await dueFor('media@chatroom');
    expect(due.map((delivery: { attachment: unknown; text: string }) => [delivery.text, delivery.attachment])).toEqual(
      expect.arrayContaining([
        ['', { type: 'image', url: 'https://img.example.com/berries.jpg' }],
        ['点开看看', { type: 'mini_program', title: '本周特价', pagePath: `pages/offers/index?tk=b&tr=${card.body.id}&tg=${groupId}` }],
      ]),
    );
    const ack = { id: 'ack-media-1', kind: 'delivery_ack', at: new Date().toISOString(), deliveryId: `broadcast:${image.body.id}:${groupId}`, status: 'sent' };
    await request(app).post('/groups/bot/events').set(asBot).send({ events: [ack] });
    expect((await request(app).get(`/groups/broadcasts/${image.body.id}`).set(bearer(manager))).body).toMatchObject({ broadcast: { status: 'sent', sent: 1 }, groups: [{ groupId, status: 'sent' }] });
    expect((await request(app).get(`/groups/broadcasts/${card.body.id}`).set(bearer(manager))).body.groups).toEqual([{ groupId, topic: 'media@chatroom', status: 'pending' }]);
  });

  it('refuses an image without an address, a card without a page, and a card page that is not a mini-program path', async () => {
    const groupId = await bindRoom('media-bad@chatroom');
    const send = (body: Record<string, unknown>) => request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, ...body });
    expect((await send({ kind: 'image' })).status).toBe(400);
    expect((await send({ kind: 'image', imageUrl: 'javascript:alert(1)' })).status).toBe(400);
    expect((await send({ kind: 'card', text: 'x' })).status).toBe(400);
    expect((await send({ kind: 'card', card: { title: '特价', pagePath: 'https://evil.example.com' } })).status).toBe(400);
    expect((await send({ kind: 'text', text: '   ' })).status).toBe(400);
    expect(await GroupDeliveryModel.countDocuments({ roomId: 'media-bad@chatroom' })).toBe(0);
  });
});
