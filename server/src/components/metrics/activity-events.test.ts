import { createHmac } from 'node:crypto';
import { Types } from 'mongoose';
import request from 'supertest';
import { DEFAULT_ACTIVE_DEFINITION } from '@o2o/shared/rules/metrics';
import type { TaskEventType } from '@o2o/shared/schemas/tasks';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { metricsRouter } from './metrics.router';
import { MetricsService } from './metrics.service';

useTestDatabase();
jest.setTimeout(120_000);

/*
 * Every event type of the active definition, caused the way it happens in the product (through the
 * API, by the resident, the staff, the bot or the order system), makes exactly the residents who
 * acted active today: the count of today's active residents rises by that many, and the drill-down
 * of today's active residents lists them. The expected residents are the ones each test set in
 * motion; nothing is read back from the service to compute them.
 */
const BOT_TOKEN = 'test-bot-token-activity-0123456789';
const env = { RATE_LIMIT_MAX: '100000', BOT_API_TOKEN: BOT_TOKEN };
const services = testServices(env);
const metrics = new MetricsService({ liveCacheMs: 0, drillDownCacheMs: 0 });
const app = createTestApp({ env, routers: [metricsRouter({ ...services, metrics })] });
const asBot = { authorization: `Bearer ${BOT_TOKEN}` };

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let manager: Session;
let advisor: Session;
let communityId: string;
let advisorScene: string;

const cnToday = (): string => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  await seedDemoData();
  [admin, manager, advisor] = await Promise.all([DEMO_LOGINS.admin, DEMO_LOGINS.managers[0], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)));
  communityId = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
  const codes = (await request(app).get('/codes').set(bearer(advisor))).body as { type: string; scene: string; advisorId: string | null }[];
  advisorScene = codes.find((code) => code.type === 'advisor_activity' && code.advisorId === advisor.staff!.id)!.scene;
});

/** Today's active residents as the API counts them, and as the drill-down lists them (every page). */
async function activeToday(): Promise<{ count: number; listed: Set<string> }> {
  const day = cnToday();
  const counted = await request(app).get('/metrics/active').query({ from: day, to: day }).set(bearer(admin));
  expect(counted.status).toBe(200);
  const listed = new Set<string>();
  for (let offset = 0; ; offset += 200) {
    const page = await request(app).get('/metrics/residents').query({ metric: 'active', day, limit: 200, offset }).set(bearer(admin));
    expect(page.status).toBe(200);
    for (const item of page.body.items) listed.add(item.id);
    if (offset + 200 >= page.body.total) break;
  }
  return { count: counted.body.days[0].active, listed };
}

/** A new resident who only logged in, through the advisor's code (so the advisor may record their visits). */
async function newResident(name: string): Promise<Session> {
  return login(app, `dev:${name}`, { scene: advisorScene });
}

async function bindRoom(roomId: string): Promise<void> {
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId: manager.staff!.storeId })).body.code;
  expect((await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: `staff-${roomId}`, name: '店长', roomId, topic: roomId })).status).toBe(200);
}

async function bindIdentity(resident: Session, wxid: string): Promise<void> {
  const code = (await request(app).post('/groups/identity-codes').set(bearer(resident))).body.code;
  const bound = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid, name: '居民', roomId: null, topic: null });
  expect(bound.body).toMatchObject({ kind: 'resident' });
}

function signedOrder(body: object) {
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', services.config.ORDER_WEBHOOK_SECRET).update(`${timestamp}.${raw}`).digest('hex');
  return request(app).post('/orders/webhook').set('content-type', 'application/json').set('x-timestamp', timestamp).set('x-signature', signature).send(raw);
}

const eventsOf = async (residentId: string, type: string) => TaskEventModel.find({ residentId: new Types.ObjectId(residentId), type: type as TaskEventType }).lean();

/**
 * One scenario per event type: it makes the event happen through the API and returns the residents
 * who acted (and so must be active today now) and the one whose event of this type it checks.
 */
const scenarios: Record<string, () => Promise<{ acted: string[]; subject: string; source: string }>> = {
  signup_completed: async () => {
    const resident = await newResident('act-signup');
    expect((await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId })).status).toBe(200);
    return { acted: [resident.residentId!], subject: resident.residentId!, source: 'server' };
  },
  profile_completed: async () => {
    const resident = await newResident('act-profile');
    // The mini-program cannot report it: the server records it when the saved profile is complete.
    expect((await request(app).post('/tasks/events').set(bearer(resident)).send({ type: 'profile_completed', idempotencyKey: 'profile-1' })).status).toBe(403);
    expect((await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId })).status).toBe(200);
    const saved = await request(app).patch('/residents/me').set(bearer(resident)).send({ nickname: '小李', building: '3 号楼', unit: '2 单元 501', phone: '13800138000' });
    expect(saved.status).toBe(200);
    expect(saved.body.missingProfileFields).toEqual([]);
    return { acted: [resident.residentId!], subject: resident.residentId!, source: 'server' };
  },
  activity_viewed: async () => {
    const resident = await newResident('act-viewed');
    expect((await request(app).post('/tasks/events').set(bearer(resident)).send({ type: 'activity_viewed', idempotencyKey: 'offers-1' })).status).toBe(200);
    return { acted: [resident.residentId!], subject: resident.residentId!, source: 'miniprogram' };
  },
  group_checkin: async () => {
    await bindRoom('act-checkin@chatroom');
    const resident = await newResident('act-checkin');
    await bindIdentity(resident, 'wx-act-checkin');
    const checkin = await request(app).post('/groups/bot/checkins').set(asBot).send({ roomId: 'act-checkin@chatroom', wxid: 'wx-act-checkin', name: '居民', at: new Date().toISOString() });
    expect(checkin.body.status).toBe('checked_in');
    return { acted: [resident.residentId!], subject: resident.residentId!, source: 'bot' };
  },
  joined_group: async () => {
    await bindRoom('act-join@chatroom');
    const observedAt = () => new Date().toISOString();
    // A resident whose WeChat is already bound joins: the join counts when the bot sees it.
    const bound = await newResident('act-join-bound');
    await bindIdentity(bound, 'wx-act-join-bound');
    const joined = await request(app).post('/groups/bot/members').set(asBot).send({ roomId: 'act-join@chatroom', topic: null, complete: false, joined: [{ wxid: 'wx-act-join-bound', name: '甲' }], observedAt: observedAt() });
    expect(joined.body).toMatchObject({ bound: true, joined: 1 });
    // A member who joined before binding: the join counts once they bind (and a second report of it changes nothing).
    const later = await newResident('act-join-later');
    await request(app).post('/groups/bot/members').set(asBot).send({ roomId: 'act-join@chatroom', topic: null, complete: false, joined: [{ wxid: 'wx-act-join-later', name: '乙' }], observedAt: observedAt() }).expect(200);
    expect(await eventsOf(later.residentId!, 'joined_group')).toHaveLength(0);
    await bindIdentity(later, 'wx-act-join-later');
    await request(app).post('/groups/bot/members').set(asBot).send({ roomId: 'act-join@chatroom', topic: null, complete: false, joined: [{ wxid: 'wx-act-join-bound', name: '甲' }], observedAt: observedAt() }).expect(200);
    expect(await eventsOf(later.residentId!, 'joined_group')).toHaveLength(1);
    return { acted: [bound.residentId!, later.residentId!], subject: bound.residentId!, source: 'bot' };
  },
  invite_succeeded: async () => {
    const inviter = await newResident('act-inviter');
    const scene = (await request(app).get('/invites/me').set(bearer(inviter))).body.scene;
    const invitee = await login(app, 'dev:act-invitee', { scene });
    expect((await request(app).post('/residents/me/sign-up').set(bearer(invitee)).send({ communityId })).status).toBe(200);
    // The invitee's sign-up alone is no success of the inviter's: the invite succeeds with the first order.
    expect(await eventsOf(inviter.residentId!, 'invite_succeeded')).toHaveLength(0);
    const now = new Date().toISOString();
    const order = { orderId: 'act-invite-order', storeId: manager.staff!.storeId, residentId: invitee.residentId, lines: [{ productId: 'SKU-1', quantity: 1, amountCents: 1990 }], totalCents: 1990 };
    expect((await signedOrder({ ...order, eventId: 'act-invite-order-paid', status: 'paid', occurredAt: now })).status).toBeLessThan(300);
    expect((await signedOrder({ ...order, eventId: 'act-invite-order-completed', status: 'completed', occurredAt: now })).status).toBeLessThan(300);
    // Both acted today: the inviter's invite succeeded, the invitee completed an order.
    return { acted: [inviter.residentId!, invitee.residentId!], subject: inviter.residentId!, source: 'server' };
  },
  store_visited: async () => {
    const resident = await newResident('act-visit');
    const visit = await request(app).post(`/residents/${resident.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'store_visit', note: '到店自提' });
    expect(visit.status).toBe(201);
    // The same visit entered twice is one store visit that day; a delivery contact is not a visit.
    await request(app).post(`/residents/${resident.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'store_visit' }).expect(201);
    const other = await newResident('act-delivery-contact');
    await request(app).post(`/residents/${other.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'delivery_contact' }).expect(201);
    return { acted: [resident.residentId!], subject: resident.residentId!, source: 'server' };
  },
  post_published: async () => {
    const author = await newResident('act-post');
    expect((await request(app).post('/residents/me/sign-up').set(bearer(author)).send({ communityId })).status).toBe(200);
    const post = { text: '今天的草莓很甜，推荐给邻居们', idempotencyKey: 'act-post-0001' };
    expect((await request(app).post('/content/posts').set(bearer(author)).send(post)).status).toBe(201);
    // A retried post is the same post: still one event.
    expect((await request(app).post('/content/posts').set(bearer(author)).send(post)).status).toBeLessThan(300);
    return { acted: [author.residentId!], subject: author.residentId!, source: 'server' };
  },
  comment_posted: async () => {
    const author = await newResident('act-comment-author');
    const commenter = await newResident('act-commenter');
    for (const resident of [author, commenter]) expect((await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId })).status).toBe(200);
    const posted = await request(app).post('/content/posts').set(bearer(author)).send({ text: '周末团购的牛排到了', idempotencyKey: 'act-comment-post-1' });
    expect(posted.status).toBe(201);
    const comment = { text: '看着不错，明天去买', idempotencyKey: 'act-comment-0001' };
    expect((await request(app).post(`/content/posts/${posted.body.id}/comments`).set(bearer(commenter)).send(comment)).status).toBe(201);
    expect((await request(app).post(`/content/posts/${posted.body.id}/comments`).set(bearer(commenter)).send(comment)).status).toBeLessThan(300);
    // The author posted, the commenter commented: both acted today.
    return { acted: [author.residentId!, commenter.residentId!], subject: commenter.residentId!, source: 'server' };
  },
};

describe('the active definition', () => {
  it('has an end-to-end scenario for each of its event types, and no more', () => {
    expect(Object.keys(scenarios).sort()).toEqual([...DEFAULT_ACTIVE_DEFINITION.eventTypes].sort());
  });
});

describe('activity events are emitted by the code paths that cause them', () => {
  for (const type of Object.keys(scenarios)) {
    it(`when ${type} happens through the API, then exactly the residents who acted are active today`, async () => {
      const before = await activeToday();
      const { acted, subject, source } = await scenarios[type]();
      const stored = await eventsOf(subject, type);
      expect(stored).toHaveLength(1);
      expect(stored[0].source).toBe(source);
      for (const id of acted) expect(before.listed.has(id)).toBe(false);
      const after = await activeToday();
      expect(after.count).toBe(before.count + acted.length);
      expect([...after.listed].sort()).toEqual([...before.listed, ...acted].sort());
      expect(after.listed.size).toBe(after.count);
    });
  }
});

describe('orders count as activity', () => {
  it('when the order system sends a completed order for the openid dev:<name> of a demo login, then that resident ordered and is active today', async () => {
    const before = await activeToday();
    const buyer = await newResident('act-openid-buyer');
    const order = { orderId: 'act-openid-order', storeId: manager.staff!.storeId, residentOpenid: 'dev:act-openid-buyer', lines: [{ productId: 'SKU-1', quantity: 2, amountCents: 1200 }], totalCents: 1200 };
    const now = new Date().toISOString();
    expect((await signedOrder({ ...order, eventId: 'act-openid-order-completed', status: 'completed', occurredAt: now })).status).toBeLessThan(300);
    const mine = await request(app).get('/orders/me').set(bearer(buyer));
    expect(mine.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'act-openid-order', state: 'completed' })]));
    const after = await activeToday();
    expect(after.count).toBe(before.count + 1);
    expect([...after.listed].sort()).toEqual([...before.listed, buyer.residentId!].sort());
  });
});
