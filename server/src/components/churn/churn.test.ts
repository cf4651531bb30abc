import request from 'supertest';
import { Types } from 'mongoose';
import { DAY_MS } from '@o2o/shared/rules/china-time';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { OrderModel } from '../orders/orders.model';
import { ResidentModel } from '../residents/resident.model';
import { ChurnAlertModel } from './churn.model';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const application = createTestApplication({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000', CHURN_LAPSE_DAYS: '21' } });
const { app, services } = application;
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;
let otherManager: Session;
let advisor: Session;
let otherAdvisor: Session;
let cityOps: Session;
let storeId: string;
const ROOM = 'churn-room@chatroom';

const sync = (body: Record<string, unknown>) =>
  request(app).post('/groups/bot/members').set(asBot).send({ roomId: ROOM, topic: null, complete: false, observedAt: new Date().toISOString(), ...body }).expect(200);

/** A resident of the manager's store, attributed to `advisorId` (or nobody), bound to WeChat id `wxid`. */
async function resident(code: string, wxid: string, advisorId: string | null, nickname: string): Promise<string> {
  const session = await login(app, code);
  await ResidentModel.updateOne({ _id: session.residentId }, { $set: { storeId: new Types.ObjectId(storeId), 'attribution.advisorId': advisorId ? new Types.ObjectId(advisorId) : null, nickname, phone: '13800001234' } });
  const bindCode = (await request(app).post('/groups/identity-codes').set(bearer(session))).body.code;
  await request(app).post('/groups/bot/bind').set(asBot).send({ code: bindCode, wxid, name: nickname, roomId: null, topic: null }).expect(200);
  return session.residentId!;
}

let orderSeq = 0;
const order = (residentId: string, placedAt: Date) => {
  const id = `churn-order-${(orderSeq += 1)}`;
  return OrderModel.create({ _id: id, residentId: new Types.ObjectId(residentId), storeId: new Types.ObjectId(storeId), totalCents: 2990, state: 'completed', placedAt, completedAt: placedAt, lastEventAt: placedAt, derivedFrom: id, updatedAt: placedAt });
};
const alertsOf = async (session: Session, status = 'open') => (await request(app).get(`/churn/alerts?status=${status}`).set(bearer(session)).expect(200)).body as { id: string; kind: string; residentId: string; residentName: string; suggestion: string; days: number; closedReason: string | null; phoneTail: string | null }[];

let wang: string;
let li: string;
let zhao: string;

beforeAll(async () => {
  await seedDemo();
  [manager, otherManager, advisor, otherAdvisor, cityOps] = await Promise.all([DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0], DEMO_LOGINS.advisors[1], DEMO_LOGINS.cityOps].map((code) => login(app, code)));
  storeId = manager.staff!.storeId!;
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
  await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-churn-manager', name: '店长', roomId: ROOM, topic: '徐家汇 1 群' }).expect(200);
  wang = await resident('dev:churn-wang', 'wx-wang', advisor.staff!.id, '王阿姨');
  li = await resident('dev:churn-li', 'wx-li', otherAdvisor.staff!.id, '李叔叔');
  zhao = await resident('dev:churn-zhao', 'wx-zhao', null, '赵同学');
  await sync({ complete: true, members: [{ wxid: 'wx-churn-manager', name: '店长' }, { wxid: 'wx-wang', name: '王阿姨' }, { wxid: 'wx-li', name: '李叔叔' }, { wxid: 'wx-zhao', name: '赵同学' }] });
});

afterAll(() => application.stop());

describe('a resident who leaves the group', () => {
  it('appears once on their advisor\'s list with 邀请回群, not on another advisor\'s; a daily rerun adds nothing; rejoining closes it', async () => {
    await sync({ left: ['wx-wang'] });
    expect(await services.churn.detect()).toMatchObject({ opened: 1 });
    expect(await services.churn.detect(new Date(Date.now() + DAY_MS))).toMatchObject({ opened: 0 });
    const mine = await alertsOf(advisor);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'left_group', residentId: wang, residentName: '王阿姨', phoneTail: '1234' });
    expect(mine[0].suggestion).toContain('邀请回群');
    expect(await alertsOf(otherAdvisor)).toEqual([]);
    // Assigned to an advisor: not on the manager's list of unassigned residents.
    expect(await alertsOf(manager)).toEqual([]);
    expect((await alertsOf(cityOps)).map((alert) => alert.residentId)).toEqual([wang]);
    expect(await alertsOf(otherManager)).toEqual([]);

    await sync({ joined: [{ wxid: 'wx-wang', name: '王阿姨' }] });
    expect(await alertsOf(advisor)).toEqual([]);
    expect((await alertsOf(advisor, 'closed'))[0]).toMatchObject({ residentId: wang, closedReason: 'rejoined' });
  });
});

describe('a resident whose orders stop', () => {
  it('after 21 days without an order the unassigned resident is on the manager\'s list with 私聊问候并送券, and drops off when they order again', async () => {
    await order(zhao, new Date(Date.now() - 22 * DAY_MS));
    await order(li, new Date(Date.now() - 10 * DAY_MS));
    expect(await services.churn.detect()).toMatchObject({ opened: 1 });
    const managers = await alertsOf(manager);
    expect(managers).toHaveLength(1);
    expect(managers[0]).toMatchObject({ kind: 'lapsed', residentId: zhao, days: 22 });
    expect(managers[0].suggestion).toContain('私聊问候并送券');
    // Li ordered 10 days ago: not lapsed, on nobody's list.
    expect(await alertsOf(otherAdvisor)).toEqual([]);

    await order(zhao, new Date());
    // Between job runs the list is already current.
    expect(await alertsOf(manager)).toEqual([]);
    expect((await alertsOf(manager, 'closed'))[0]).toMatchObject({ residentId: zhao, closedReason: 'ordered' });
    expect(await services.churn.detect()).toMatchObject({ opened: 0 });
  });

  it('an advisor marks their resident done once; another advisor may not; the next lapse is a new alert', async () => {
    expect(await services.churn.detect(new Date(Date.now() + 12 * DAY_MS))).toMatchObject({ opened: 1 });
    const [alert] = await alertsOf(otherAdvisor);
    expect(alert).toMatchObject({ residentId: li, kind: 'lapsed' });
    const refused = await request(app).post(`/churn/alerts/${encodeURIComponent(alert.id)}/done`).set(bearer(advisor)).send({});
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('这条流失提醒不是你负责的居民');
    const done = await request(app).post(`/churn/alerts/${encodeURIComponent(alert.id)}/done`).set(bearer(otherAdvisor)).send({ note: '已私聊，送了 5 元券' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'closed', closedReason: 'done', note: '已私聊，送了 5 元券' });
    // Repeated (a double tap): the first closure stands.
    const again = await request(app).post(`/churn/alerts/${encodeURIComponent(alert.id)}/done`).set(bearer(otherAdvisor)).send({ note: '又点了一次' });
    expect(again.body).toMatchObject({ note: '已私聊，送了 5 元券' });
    expect(await alertsOf(otherAdvisor)).toEqual([]);
    // Marked done, the same lapse is never alerted again, not even tomorrow.
    expect(await services.churn.detect(new Date(Date.now() + 13 * DAY_MS))).toMatchObject({ opened: 0 });
    expect(await alertsOf(otherAdvisor)).toEqual([]);

    await order(li, new Date(Date.now() + 14 * DAY_MS));
    expect(await services.churn.detect(new Date(Date.now() + 36 * DAY_MS))).toMatchObject({ opened: 1 });
    expect(await ChurnAlertModel.countDocuments({ residentId: new Types.ObjectId(li) })).toBe(2);
  });

  it('refuses a bad status in Chinese and an unknown alert', async () => {
    const bad = await request(app).get('/churn/alerts?status=whatever').set(bearer(advisor));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('状态只能是');
    expect((await request(app).post('/churn/alerts/nope/done').set(bearer(advisor)).send({})).status).toBe(404);
  });
});
