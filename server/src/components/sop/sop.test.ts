import request from 'supertest';
import { Types } from 'mongoose';
import { DAY_MS } from '@o2o/shared/rules/china-time';
import { latestCalendarSlot } from '@o2o/shared/rules/sop';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { GroupDeliveryModel, GroupModel } from '../groups/groups.model';
import { OrderModel } from '../orders/orders.model';
import { SopDispatchModel } from './sop.model';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const application = createTestApplication({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' } });
const { app, services } = application;
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let manager: Session;
let otherManager: Session;
let advisor: Session;
let storeId: string;

const sync = (roomId: string, body: Record<string, unknown>) =>
  request(app).post('/groups/bot/members').set(asBot).send({ roomId, topic: null, complete: false, observedAt: new Date().toISOString(), ...body }).expect(200);

async function bindRoom(roomId: string, members: { wxid: string; name: string }[]): Promise<string> {
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
  await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-sop-manager', name: '店长', roomId, topic: roomId }).expect(200);
  await sync(roomId, { complete: true, members: [{ wxid: 'wx-sop-manager', name: '店长' }, ...members] });
  return String((await GroupModel.findOne({ roomId }).lean())!._id);
}

/** A resident signed in and bound to WeChat id `wxid` through the bot. */
async function boundResident(login_: string, wxid: string): Promise<Session> {
  const resident = await login(app, login_);
  const code = (await request(app).post('/groups/identity-codes').set(bearer(resident))).body.code;
  await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid, name: wxid, roomId: null, topic: null }).expect(200);
  return resident;
}

const plan = (session: Session, body: Record<string, unknown>) => request(app).post('/sop/plans').set(bearer(session)).send(body);
const report = async (planId: string) => (await request(app).get(`/sop/plans/${planId}/report`).set(bearer(manager)).expect(200)).body;
const ack = (deliveryId: string, status: string) =>
  request(app).post('/groups/bot/events').set(asBot).send({ events: [{ id: `ack-${deliveryId}`, kind: 'delivery_ack', at: new Date().toISOString(), deliveryId, status }] }).expect(200);

beforeAll(async () => {
  await seedDemo();
  [admin, manager, otherManager, advisor] = await Promise.all([DEMO_LOGINS.admin, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)));
  storeId = manager.staff!.storeId!;
});

afterAll(() => application.stop());

describe('defining plans', () => {
  it('refuses bad input with a Chinese message and stores nothing', async () => {
    const noText = await plan(manager, { kind: 'journey', name: '入群欢迎', text: ' ', event: 'joined_group', days: 1 });
    expect(noText.status).toBe(400);
    expect(noText.body.error.message).toContain('请填写要发送的内容');
    const badTime = await plan(manager, { kind: 'calendar', name: '周五团购', text: '周五团购开始啦', weekdays: [5], time: '18点' });
    expect(badTime.body.error.message).toContain('发送时间格式应为 HH:MM');
    const badDay = await plan(manager, { kind: 'calendar', name: '周五团购', text: '周五团购开始啦', weekdays: [8], time: '18:00' });
    expect(badDay.body.error.message).toContain('星期须在 1（周一）到 7（周日）之间');
    const noKind = await plan(manager, { name: '无类型', text: '你好' });
    expect(noKind.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    const tooLong = await plan(manager, { kind: 'journey', name: '入群欢迎', text: '你好', event: 'joined_group', days: 400 });
    expect(tooLong.body.error.message).toContain('天数最多 365 天');
    expect((await request(app).get('/sop/plans').set(bearer(manager))).body).toEqual([]);
  });

  it('lets a manager plan for their store only; advisors cannot plan; admins can plan for every store', async () => {
    const forAdvisor = await plan(advisor, { kind: 'journey', name: '入群欢迎', text: '你好', event: 'joined_group', days: 1 });
    expect(forAdvisor.status).toBe(403);
    const otherStore = await plan(otherManager, { kind: 'journey', name: '入群欢迎', text: '你好', event: 'joined_group', days: 1, storeId });
    expect(otherStore.status).toBe(403);
    expect(otherStore.body.error.message).toContain('不在你的负责范围内');
    const own = await plan(manager, { kind: 'journey', name: '入群第 3 天', text: '入群第 3 天福利', event: 'joined_group', days: 3 });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ storeId, channel: 'private', active: true });
    const brand = await plan(admin, { kind: 'calendar', name: '全品牌周日', text: '周日会员日', weekdays: [7, 7], time: '10:00' });
    expect(brand.body).toMatchObject({ storeId: null, cityId: null, weekdays: [7] });
    expect((await request(app).get('/sop/plans').set(bearer(otherManager))).body).toEqual([]);
    expect((await request(app).get(`/sop/plans/${own.body.id}/report`).set(bearer(otherManager))).status).toBe(403);
    // Stopped again so the later tests see only their own plans.
    for (const id of [own.body.id, brand.body.id]) await request(app).patch(`/sop/plans/${id}`).set(bearer(admin)).send({ active: false }).expect(200);
  });
});

describe('journey plans', () => {
  it('sends each newcomer one private message N days after joining; a rerun and a crash between the steps change nothing', async () => {
    const groupId = await bindRoom('sop-join@chatroom', [{ wxid: 'wx-old', name: '老成员' }]);
    await sync('sop-join@chatroom', { joined: [{ wxid: 'wx-new-1', name: '新人一' }, { wxid: 'wx-new-2', name: '新人二' }] });
    const created = await plan(manager, { kind: 'journey', name: '入群第 2 天', text: '入群第 2 天：新人券已到账', event: 'joined_group', days: 2 });
    const planId = created.body.id;
    const inOneDay = new Date(Date.now() + DAY_MS);
    expect(await services.sop.materialise(inOneDay)).toEqual({ created: 0, queued: 0 });
    const inTwoDays = new Date(Date.now() + 2 * DAY_MS + 60_000);
    expect(await services.sop.materialise(inTwoDays)).toEqual({ created: 2, queued: 2 });
    expect(await services.sop.materialise(inTwoDays)).toEqual({ created: 0, queued: 0 });
    const deliveries = await GroupDeliveryModel.find({ kind: 'sop' }).sort({ toWxid: 1 }).lean();
    expect(deliveries.map((delivery) => delivery.toWxid)).toEqual(['wx-new-1', 'wx-new-2']);
    expect(String(deliveries[0].groupId)).toBe(groupId);

    // A crash after the dispatch was written but before its delivery: the next run queues it once.
    await GroupDeliveryModel.deleteOne({ _id: deliveries[0]._id });
    await SopDispatchModel.updateOne({ _id: deliveries[0]._id }, { $set: { queuedAt: null } });
    expect(await services.sop.materialise(inTwoDays)).toEqual({ created: 0, queued: 1 });
    expect(await GroupDeliveryModel.countDocuments({ kind: 'sop' })).toBe(2);

    // One newcomer left before it was sent: withdrawn as skipped, with the reason in the report.
    await sync('sop-join@chatroom', { left: ['wx-new-2'] });
    const due = await services.groups.deliveries.pending(50, inTwoDays);
    expect(due.filter((delivery) => delivery.kind === 'sop').map((delivery) => delivery.toWxid)).toEqual(['wx-new-1']);
    await ack(due.find((delivery) => delivery.kind === 'sop')!.id, 'sent');
    expect(await report(planId)).toEqual({ planId, due: 2, pending: 0, sent: 1, skipped: 1, failed: 0, skippedReasons: [{ reason: '已退群', count: 1 }] });
    // Asking again returns nothing: the skipped one is not handed to the bot later.
    expect((await services.groups.deliveries.pending(50, inTwoDays)).filter((delivery) => delivery.kind === 'sop')).toEqual([]);
    await request(app).patch(`/sop/plans/${planId}`).set(bearer(manager)).send({ active: false }).expect(200);
  });

  it('after M days without an order: once per lapse, skipped when the resident orders again before it is sent', async () => {
    const resident = await boundResident('dev:sop-lapsed', 'wx-lapsed');
    await bindRoom('sop-lapse@chatroom', [{ wxid: 'wx-lapsed', name: '老顾客' }]);
    const created = await plan(manager, { kind: 'journey', name: '21 天未下单', text: '好久不见，送你一张 5 元券', event: 'no_order', days: 21, channel: 'group' });
    const planId = created.body.id;
    const order = (id: string, placedAt: Date) =>
      OrderModel.create({ _id: id, residentId: new Types.ObjectId(resident.residentId!), storeId: new Types.ObjectId(storeId), totalCents: 1990, state: 'completed', placedAt, completedAt: placedAt, lastEventAt: placedAt, derivedFrom: id, updatedAt: placedAt });
    await order('sop-order-1', new Date());
    const lapsedAt = new Date(Date.now() + 21 * DAY_MS + 60_000);
    expect(await services.sop.materialise(lapsedAt)).toMatchObject({ created: 1 });
    expect(await services.sop.materialise(new Date(lapsedAt.getTime() + DAY_MS))).toMatchObject({ created: 0 });
    const delivery = await GroupDeliveryModel.findOne({ kind: 'sop', mentionWxids: 'wx-lapsed' }).lean();
    expect(delivery).toMatchObject({ toWxid: null, text: '好久不见，送你一张 5 元券' });

    await order('sop-order-2', new Date(Date.now() + 21 * DAY_MS + 120_000));
    const due = await services.groups.deliveries.pending(50, new Date(lapsedAt.getTime() + 5 * 60_000));
    expect(due.find((entry) => entry.id === delivery!._id)).toBeUndefined();
    expect(await report(planId)).toMatchObject({ due: 1, skipped: 1, skippedReasons: [{ reason: '已重新下单', count: 1 }] });
    // 21 days after that second order is a new lapse: one more message.
    expect(await services.sop.materialise(new Date(Date.now() + 42 * DAY_MS + 3 * 60_000))).toMatchObject({ created: 1 });
    await request(app).patch(`/sop/plans/${planId}`).set(bearer(manager)).send({ active: false }).expect(200);
  });
});

describe('calendar plans', () => {
  it('says it once per group and weekly slot; a stopped plan\'s queued message is skipped', async () => {
    const groupId = await bindRoom('sop-weekly@chatroom', []);
    const created = await plan(manager, { kind: 'calendar', name: '周五团购', text: '周五 18 点团购开团', groupId, weekdays: [5], time: '18:00' });
    expect(created.body).toMatchObject({ groupId, storeId });
    const planId = created.body.id;
    const afterSlot = new Date(latestCalendarSlot({ weekdays: [5], time: '18:00' }, new Date(), new Date(Date.now() + 8 * DAY_MS))!.getTime() + 5 * 60_000);
    expect(await services.sop.materialise(afterSlot)).toMatchObject({ created: 1, queued: 1 });
    expect(await services.sop.materialise(new Date(afterSlot.getTime() + 60 * 60_000))).toMatchObject({ created: 0 });
    const weekly = await GroupDeliveryModel.find({ kind: 'sop', groupId: new Types.ObjectId(groupId) }).lean();
    expect(weekly).toHaveLength(1);
    expect(weekly[0]).toMatchObject({ roomId: 'sop-weekly@chatroom', toWxid: null, text: '周五 18 点团购开团' });

    await request(app).patch(`/sop/plans/${planId}`).set(bearer(manager)).send({ active: false }).expect(200);
    expect((await services.groups.deliveries.pending(50, afterSlot)).find((entry) => entry.id === weekly[0]._id)).toBeUndefined();
    expect(await report(planId)).toMatchObject({ due: 1, skipped: 1, skippedReasons: [{ reason: '方案已停用', count: 1 }] });
    // Restarted: the next Friday is one more message; stopped plans make none meanwhile.
    await request(app).patch(`/sop/plans/${planId}`).set(bearer(manager)).send({ active: true }).expect(200);
    expect(await services.sop.materialise(new Date(afterSlot.getTime() + 7 * DAY_MS))).toMatchObject({ created: 1 });
  });
});
