import { createHmac } from 'node:crypto';
import { Types } from 'mongoose';
import request from 'supertest';
import type { Order, OrderStatus } from '@o2o/shared/schemas/orders';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { InviteModel } from '../invites/invite.model';
import { CommunityModel } from '../organisation/organisation.model';
import { PointEntryModel } from '../points/points.model';
import { seedDemoCatalogue } from '../products/products.seed';
import { productsRouter } from '../products/products.router';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { OrderEventModel, OrderModel } from './orders.model';
import { ordersRouter } from './orders.router';
import { seedDemoOrders } from './orders.seed';
import { OrderService } from './orders.service';

useTestDatabase();
jest.setTimeout(300_000);

const env = { RATE_LIMIT_MAX: '100000', ORDER_POINTS_PER_YUAN: '1', INVITE_REWARD_POINTS: '50', INVITE_QUALIFY_DAYS: '14' };
const services = testServices(env);
const app = createTestApp({ env, routers: [productsRouter(services), ordersRouter(services)] });
const secret = services.config.ORDER_WEBHOOK_SECRET;

type Session = Awaited<ReturnType<typeof login>>;
let storeA: string;
let storeB: string;
let communityA: string;

beforeAll(async () => {
  await seedDemoData();
  await seedDemoCatalogue();
  const managerA = await login(app, DEMO_LOGINS.managers[0]);
  const managerB = await login(app, DEMO_LOGINS.managers[1]);
  storeA = managerA.staff!.storeId!;
  storeB = managerB.staff!.storeId!;
  communityA = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
});

const HOUR = 3600_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A status event as the order system sends it: 2 × 鲜牛奶 for 27.00 yuan at store A, unless `fields`
 * (which also name the resident) say otherwise.
 */
function statusEvent(orderId: string, status: OrderStatus, occurredAt: Date, fields: { residentId?: string; residentOpenid?: string } & Record<string, unknown>) {
  return {
    eventId: `${orderId}-${status}`, orderId, storeId: storeA, status, occurredAt: occurredAt.toISOString(),
    lines: [{ productId: 'SKU-DAI-001', quantity: 2, amountCents: 2700 }], totalCents: 2700, ...fields,
  };
}

interface SigningOptions {
  timestamp?: number;
  secret?: string;
  /** Sign this text instead of the body sent. */
  signedBody?: string;
  omit?: 'signature' | 'timestamp';
}

/** Delivers a body the way the order system does: X-Timestamp and X-Signature = HMAC-SHA256(secret, `${timestamp}.${raw body}`). */
function deliver(body: object, options: SigningOptions = {}) {
  const raw = JSON.stringify(body);
  const timestamp = String(options.timestamp ?? nowSeconds());
  const signature = createHmac('sha256', options.secret ?? secret).update(`${timestamp}.${options.signedBody ?? raw}`).digest('hex');
  let call = request(app).post('/orders/webhook').set('content-type', 'application/json');
  if (options.omit !== 'signature') call = call.set('x-signature', signature);
  if (options.omit !== 'timestamp') call = call.set('x-timestamp', timestamp);
  return call.send(raw);
}

async function delivered(body: object): Promise<request.Response> {
  const response = await deliver(body);
  expect([200, 202]).toContain(response.status);
  return response;
}

async function resident(name: string): Promise<{ session: Session; id: string; objectId: Types.ObjectId }> {
  const session = await login(app, `dev:${name}`);
  return { session, id: session.residentId!, objectId: new Types.ObjectId(session.residentId!) };
}

const balance = async (residentId: Types.ObjectId) => services.points.balance(residentId);
const stateOf = async (orderId: string) => {
  const order = await OrderModel.findById(orderId).lean();
  return order && { state: order.state, totalCents: order.totalCents, cancelled: Boolean(order.cancelledAt), residentId: String(order.residentId) };
};

describe('webhook signature', () => {
  it('accepts a delivery signed with the shared secret and stores the order for the resident', async () => {
    const { id } = await resident('signed-buyer');
    const response = await deliver(statusEvent('SIG-OK', 'paid', new Date(), { residentId: id }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ eventId: 'SIG-OK-paid', orderId: 'SIG-OK', status: 'paid', matched: true, residentId: id, duplicate: false });
    expect(await OrderModel.findById('SIG-OK').lean()).toMatchObject({ state: 'paid', residentId: new Types.ObjectId(id), totalCents: 2700 });
  });

  it('refuses a body signed with another secret or altered after signing with 401 WEBHOOK_BAD_SIGNATURE, storing nothing', async () => {
    const body = statusEvent('SIG-BAD', 'paid', new Date(), { residentOpenid: 'dev:nobody' });
    const foreign = await deliver(body, { secret: 'someone-elses-secret-value' });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe('WEBHOOK_BAD_SIGNATURE');
    const altered = await deliver({ ...body, totalCents: 1 }, { signedBody: JSON.stringify(body) });
    expect(altered.body.error.code).toBe('WEBHOOK_BAD_SIGNATURE');
    expect(await OrderEventModel.countDocuments({ orderId: 'SIG-BAD' })).toBe(0);
  });

  it('refuses a stale timestamp with 401 WEBHOOK_STALE, even when correctly signed', async () => {
    const body = statusEvent('SIG-STALE', 'paid', new Date(), { residentOpenid: 'dev:nobody' });
    for (const timestamp of [nowSeconds() - 301, nowSeconds() + 400]) {
      const response = await deliver(body, { timestamp });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('WEBHOOK_STALE');
    }
    expect((await deliver(body, { timestamp: nowSeconds() - 250 })).status).toBe(202);
  });

  it('refuses a delivery without X-Signature or X-Timestamp with 401 WEBHOOK_SIGNATURE_MISSING', async () => {
    const body = statusEvent('SIG-MISSING', 'paid', new Date(), { residentOpenid: 'dev:nobody' });
    for (const omit of ['signature', 'timestamp'] as const) {
      const response = await deliver(body, { omit });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ code: 'WEBHOOK_SIGNATURE_MISSING', message: expect.stringContaining('X-Signature') });
    }
    expect(await OrderEventModel.countDocuments({ orderId: 'SIG-MISSING' })).toBe(0);
  });

  it('validates a signed body like any other and names the bad fields', async () => {
    const response = await deliver({ ...statusEvent('SIG-INVALID', 'shipped' as OrderStatus, new Date(), {}), lines: 'none' });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(expect.arrayContaining(['body.status', 'body.lines']));
    const anonymous = await deliver(statusEvent('SIG-INVALID', 'paid', new Date(), {}));
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error.details).toEqual([expect.objectContaining({ path: 'body.residentOpenid', message: 'give residentOpenid or residentId' })]);
  });
});

describe('idempotent delivery', () => {
  it('when the same completed event is delivered 10 times at once, then it takes effect once: one points entry, one task event, one answer', async () => {
    const { id, objectId } = await resident('tenfold-buyer');
    const completedAt = new Date(Date.now() - HOUR);
    await delivered(statusEvent('DUP-1', 'paid', new Date(completedAt.getTime() - HOUR), { residentId: id }));
    const body = statusEvent('DUP-1', 'completed', completedAt, { residentId: id });
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(body)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((response) => !response.body.duplicate)).toHaveLength(1);
    for (const response of responses) expect(response.body).toMatchObject({ eventId: 'DUP-1-completed', orderId: 'DUP-1', status: 'completed', matched: true, residentId: id });
    expect(await PointEntryModel.countDocuments({ idempotencyKey: 'order:DUP-1:reward' })).toBe(1);
    expect(await TaskEventModel.countDocuments({ idempotencyKey: 'order:DUP-1:completed' })).toBe(1);
    expect(await TaskEventModel.countDocuments({ idempotencyKey: `first-order:${id}` })).toBe(1);
    expect(await OrderEventModel.countDocuments({ orderId: 'DUP-1' })).toBe(2);
    expect(await balance(objectId)).toMatchObject({ available: 27, pending: 0 });
    expect((await ResidentModel.findById(id).lean())!.firstOrderAt).toEqual(completedAt);

    const later = await deliver(body);
    expect(later.body).toEqual({ ...responses[0].body, duplicate: true });
    expect(await balance(objectId)).toMatchObject({ available: 27 });
  });

  it('refuses an eventId delivered again with a different body with 409 WEBHOOK_EVENT_CONFLICT', async () => {
    const { id } = await resident('conflicting-sender');
    const body = statusEvent('DUP-2', 'paid', new Date(), { residentId: id });
    await delivered(body);
    const changed = await deliver({ ...body, totalCents: 9900 });
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('WEBHOOK_EVENT_CONFLICT');
    expect((await OrderModel.findById('DUP-2').lean())!.totalCents).toBe(2700);
  });

  it('when a crash interrupts an event half-way, then its redelivery finishes the work without repeating any', async () => {
    const { id, objectId } = await resident('crash-survivor');
    const completedAt = new Date(Date.now() - 2 * HOUR);
    const completed = statusEvent('CRASH-1', 'completed', completedAt, { residentId: id });
    // The process dies after the points were awarded, before the task event and firstOrderAt.
    const crashing = new OrderService({ ...services, tasks: { recordEvent: () => Promise.reject(new Error('process died')) } as unknown as typeof services.tasks });
    await expect(crashing.receive(completed)).rejects.toThrow('process died');
    expect(await balance(objectId)).toMatchObject({ available: 27 });
    expect(await TaskEventModel.countDocuments({ idempotencyKey: 'order:CRASH-1:completed' })).toBe(0);
    expect((await ResidentModel.findById(id).lean())!.firstOrderAt ?? null).toBeNull();

    const redelivered = await deliver(completed);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.duplicate).toBe(true);
    expect(await TaskEventModel.countDocuments({ idempotencyKey: 'order:CRASH-1:completed' })).toBe(1);
    expect((await ResidentModel.findById(id).lean())!.firstOrderAt).toEqual(completedAt);
    expect(await balance(objectId)).toMatchObject({ available: 27 });
    expect(await PointEntryModel.countDocuments({ sourceId: 'CRASH-1' })).toBe(1);
  });
});

describe('events in any order', () => {
  async function run(name: string, orderId: string, sequence: [OrderStatus, number][]) {
    const { id, objectId } = await resident(name);
    const base = Date.now() - 48 * HOUR;
    for (const [status, hours] of sequence) await delivered(statusEvent(orderId, status, new Date(base + hours * HOUR), { residentId: id }));
    const order = (await OrderModel.findById(orderId).lean())!;
    return {
      objectId,
      state: await stateOf(orderId),
      offsets: [order.paidAt, order.completedAt, order.refundedAt].map((date) => (date ? date.getTime() - base : null)),
      balance: await balance(objectId),
      firstOrderOffset: (await ResidentModel.findById(id).lean())!.firstOrderAt?.getTime() ?? null,
    };
  }

  it('when completed arrives before paid, then the order ends as it would in order: completed, with both times and the points', async () => {
    const inOrder = await run('in-order-buyer', 'ORD-IN-1', [['paid', 0], ['completed', 1]]);
    const reversed = await run('reversed-buyer', 'ORD-REV-1', [['completed', 1], ['paid', 0]]);
    expect(reversed.offsets).toEqual(inOrder.offsets);
    expect(reversed.state).toMatchObject({ state: 'completed', totalCents: 2700 });
    expect(reversed.state!.state).toBe(inOrder.state!.state);
    expect(reversed.balance).toEqual(inOrder.balance);
    expect(reversed.balance.available).toBe(27);
  });

  it('when refunded arrives before completed, then the order is refunded as in order, earns nothing and is no first order', async () => {
    const inOrder = await run('refund-in-order', 'ORD-IN-2', [['paid', 0], ['completed', 1], ['refunded', 20]]);
    const reversed = await run('refund-reversed', 'ORD-REV-2', [['paid', 0], ['refunded', 20], ['completed', 1]]);
    expect(reversed.state).toMatchObject({ state: 'refunded', totalCents: 2700, cancelled: false });
    expect(inOrder.state).toMatchObject({ state: 'refunded', totalCents: 2700, cancelled: false });
    expect(reversed.offsets).toEqual(inOrder.offsets);
    expect(reversed.balance.available).toBe(0);
    expect(inOrder.balance.available).toBe(0);
    expect(reversed.firstOrderOffset).toBeNull();
    expect(inOrder.firstOrderOffset).toBeNull();
    expect(await PointEntryModel.countDocuments({ sourceId: 'ORD-REV-2' })).toBe(0);
  });

  it('when a completed order is refunded, then its points are clawed back once, whatever is redelivered', async () => {
    const { id, objectId } = await resident('refunding-buyer');
    const at = Date.now() - 30 * HOUR;
    await delivered(statusEvent('REFUND-1', 'paid', new Date(at), { residentId: id }));
    await delivered(statusEvent('REFUND-1', 'completed', new Date(at + HOUR), { residentId: id, totalCents: 5890 }));
    expect(await balance(objectId)).toMatchObject({ available: 58 });

    const refund = statusEvent('REFUND-1', 'refunded', new Date(at + 5 * HOUR), { residentId: id, totalCents: 5890 });
    await delivered(refund);
    await Promise.all([deliver(refund), deliver(statusEvent('REFUND-1', 'completed', new Date(at + HOUR), { residentId: id, totalCents: 5890 }))]);
    expect(await balance(objectId)).toMatchObject({ available: 0, pending: 0 });
    const clawbacks = await PointEntryModel.find({ residentId: objectId, reasonCode: 'points_clawed_back' }).lean();
    expect(clawbacks).toHaveLength(1);
    expect(clawbacks[0]).toMatchObject({ note: '订单退款，积分已扣回', applied: { amount: -58 } });
    expect(await stateOf('REFUND-1')).toMatchObject({ state: 'refunded', totalCents: 5890 });
  });

  it('when a refund and the completion arrive at the same moment, then no points are left over', async () => {
    const { id, objectId } = await resident('racing-refund');
    const at = Date.now() - 10 * HOUR;
    await delivered(statusEvent('RACE-1', 'paid', new Date(at), { residentId: id }));
    await Promise.all([
      deliver(statusEvent('RACE-1', 'completed', new Date(at + HOUR), { residentId: id })),
      deliver(statusEvent('RACE-1', 'refunded', new Date(at + 2 * HOUR), { residentId: id })),
    ]);
    expect(await stateOf('RACE-1')).toMatchObject({ state: 'refunded' });
    expect(await balance(objectId)).toMatchObject({ available: 0 });
  });
});

describe('first order', () => {
  it('sets firstOrderAt to the earliest completed order even when a later order arrives first, and moves it when that order is refunded', async () => {
    const { id, objectId } = await resident('two-order-buyer');
    const firstDone = new Date(Date.now() - 72 * HOUR);
    const secondDone = new Date(Date.now() - 24 * HOUR);
    const firstOrderAt = async () => (await ResidentModel.findById(id).lean())!.firstOrderAt;

    await delivered(statusEvent('FIRST-B', 'completed', secondDone, { residentId: id }));
    expect(await firstOrderAt()).toEqual(secondDone);
    await delivered(statusEvent('FIRST-A', 'completed', firstDone, { residentId: id, totalCents: 1000 }));
    expect(await firstOrderAt()).toEqual(firstDone);
    expect(await TaskEventModel.countDocuments({ residentId: objectId, type: 'first_order' })).toBe(1);
    expect(await TaskEventModel.countDocuments({ residentId: objectId, type: 'order_completed' })).toBe(2);

    await delivered(statusEvent('FIRST-A', 'refunded', new Date(), { residentId: id, totalCents: 1000 }));
    expect(await firstOrderAt()).toEqual(secondDone);
    expect(await balance(objectId)).toMatchObject({ available: 27 });

    await delivered(statusEvent('FIRST-B', 'cancelled', new Date(), { residentId: id }));
    expect(await firstOrderAt()).toBeNull();
    expect(await balance(objectId)).toMatchObject({ available: 0 });
  });

  it("releases the inviter's held reward when the invitee completes their first order", async () => {
    const inviter = await resident('order-inviter');
    const scene = (await request(app).get('/invites/me').set(bearer(inviter.session))).body.scene as string;
    const invitee = await login(app, 'dev:order-invitee', { scene });
    await request(app).post('/residents/me/sign-up').set(bearer(invitee)).send({ communityId: communityA }).expect(200);
    expect(await InviteModel.findById(invitee.residentId).lean()).toMatchObject({ inviterId: inviter.objectId, state: 'pending' });
    expect(await balance(inviter.objectId)).toMatchObject({ available: 0, pending: 50 });

    await delivered(statusEvent('INVITE-1', 'paid', new Date(Date.now() - 2 * HOUR), { residentOpenid: 'dev:order-invitee' }));
    expect(await balance(inviter.objectId)).toMatchObject({ available: 0, pending: 50 });
    await delivered(statusEvent('INVITE-1', 'completed', new Date(Date.now() - HOUR), { residentOpenid: 'dev:order-invitee' }));
    expect(await balance(inviter.objectId)).toMatchObject({ available: 50, pending: 0 });
    expect(await InviteModel.findById(invitee.residentId).lean()).toMatchObject({ state: 'available', qualifiedAt: expect.any(Date) });

    // The qualifying order is refunded (twice delivered): the reward goes back once, and a later order does not pay it again.
    const refund = statusEvent('INVITE-1', 'refunded', new Date(Date.now() - HOUR / 2), { residentOpenid: 'dev:order-invitee' });
    await delivered(refund);
    await delivered(refund);
    expect(await balance(inviter.objectId)).toMatchObject({ available: 0, pending: 0 });
    expect(await InviteModel.findById(invitee.residentId).lean()).toMatchObject({ state: 'cancelled' });
    await delivered(statusEvent('INVITE-2', 'completed', new Date(Date.now() - HOUR / 4), { residentOpenid: 'dev:order-invitee' }));
    expect(await balance(inviter.objectId)).toMatchObject({ available: 0, pending: 0 });
  });
});

describe('unknown residents', () => {
  it('keeps the order of an unregistered openid without a resident (202, matched false), and attaches it once they register', async () => {
    const body = statusEvent('LATE-1', 'completed', new Date(Date.now() - HOUR), { residentOpenid: 'dev:late-registrant' });
    const response = await deliver(body);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ matched: false, residentId: null, duplicate: false });
    expect(await OrderModel.findById('LATE-1').lean()).toMatchObject({ state: 'completed', residentId: null });
    expect((await deliver(body)).body).toMatchObject({ matched: false, duplicate: true });

    // Registering attaches the earlier order (a registration listener calls matchResident).
    const { id, objectId } = await resident('late-registrant');
    expect(await OrderModel.findById('LATE-1').lean()).toMatchObject({ residentId: objectId });
    expect((await ResidentModel.findById(id).lean())!.firstOrderAt).toEqual(new Date(body.occurredAt));
    expect(await balance(objectId)).toMatchObject({ available: 27 });
    expect(await new OrderService(services).matchResident(objectId)).toEqual({ orders: 0 });
  });
});

describe('reading orders', () => {
  it('shows a resident their latest orders with state text, store and product names, and the community at first sight', async () => {
    const buyer = await resident('reader-buyer');
    await request(app).post('/residents/me/sign-up').set(bearer(buyer.session)).send({ communityId: communityA });
    await delivered(statusEvent('READ-1', 'paid', new Date(Date.now() - 5 * HOUR), { residentId: buyer.id }));
    await delivered(statusEvent('READ-1', 'completed', new Date(Date.now() - 4 * HOUR), { residentId: buyer.id }));
    await delivered(statusEvent('READ-2', 'paid', new Date(Date.now() - HOUR), { residentId: buyer.id, storeId: storeB, lines: [{ productId: 'SKU-UNKNOWN', quantity: 1, amountCents: 500 }], totalCents: 500 }));

    const mine = await request(app).get('/orders/me').set(bearer(buyer.session));
    expect(mine.status).toBe(200);
    const orders = mine.body as Order[];
    expect(orders.map((order) => [order.id, order.state, order.stateText])).toEqual([['READ-2', 'paid', '已支付'], ['READ-1', 'completed', '已完成']]);
    expect(orders[1]).toMatchObject({ storeName: '邻里鲜生·徐家汇店', communityId: communityA, lines: [{ productId: 'SKU-DAI-001', name: '光明鲜牛奶 950ml', quantity: 2 }] });
    expect(orders[0].lines[0].name).toBeNull();
    expect((await request(app).get('/orders/me?limit=1').set(bearer(buyer.session))).body).toHaveLength(1);

    const stranger = await resident('reader-stranger');
    expect((await request(app).get('/orders/me').set(bearer(stranger.session))).body).toEqual([]);
  });

  it('shows each of my orders with the points it earned, and that a refund took them back', async () => {
    const buyer = await resident('points-reader');
    await delivered(statusEvent('PTS-1', 'completed', new Date(Date.now() - 3 * HOUR), { residentId: buyer.id }));
    await delivered(statusEvent('PTS-2', 'completed', new Date(Date.now() - 2 * HOUR), { residentId: buyer.id, totalCents: 3550 }));
    await delivered(statusEvent('PTS-2', 'refunded', new Date(Date.now() - HOUR), { residentId: buyer.id, totalCents: 3550 }));
    await delivered(statusEvent('PTS-3', 'paid', new Date(Date.now() - HOUR / 2), { residentId: buyer.id, totalCents: 1990 }));
    const mine = (await request(app).get('/orders/me').set(bearer(buyer.session)).expect(200)).body as (Order & { pointsEarned: number; pointsText: string })[];
    expect(mine.map((order) => [order.id, order.stateText, order.pointsEarned, order.pointsText])).toEqual([
      ['PTS-3', '已支付', 0, '完成后得 19 积分'],
      ['PTS-2', '已退款', 0, '积分已扣回'],
      ['PTS-1', '已完成', 27, '+27 积分'],
    ]);
  });

  it("shows staff the orders in their scope: a manager their store's, city ops the city's, an advisor only their residents'", async () => {
    const buyer = await resident('scoped-buyer');
    const placedAt = new Date(Date.now() - 3 * HOUR);
    await delivered(statusEvent('SCOPE-A', 'paid', placedAt, { residentId: buyer.id }));
    await delivered(statusEvent('SCOPE-B', 'paid', placedAt, { residentId: buyer.id, storeId: storeB }));
    const [managerA, managerB, ops, advisorA] = await Promise.all(
      [DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.cityOps, DEMO_LOGINS.advisors[0]].map((code) => login(app, code)),
    );
    const window = `from=${encodeURIComponent(new Date(placedAt.getTime() - 1000).toISOString())}&to=${encodeURIComponent(new Date(placedAt.getTime() + 1000).toISOString())}`;
    const ids = async (session: Session, query = window) => {
      const response = await request(app).get(`/orders?${query}`).set(bearer(session));
      expect(response.status).toBe(200);
      return (response.body as Order[]).map((order) => order.id).filter((id) => id.startsWith('SCOPE-')).sort();
    };
    expect(await ids(managerA)).toEqual(['SCOPE-A']);
    expect(await ids(managerB)).toEqual(['SCOPE-B']);
    expect(await ids(ops)).toEqual(['SCOPE-A', 'SCOPE-B']);
    expect(await ids(ops, `${window}&storeId=${storeB}`)).toEqual(['SCOPE-B']);
    expect(await ids(advisorA)).toEqual([]);
    // A neighbour the advisor brought in with their activity code: the advisor sees that neighbour's order.
    const advisorCode = ((await request(app).get('/codes').set(bearer(advisorA))).body as { type: string; scene: string }[]).find((code) => code.type === 'advisor_activity')!;
    const neighbour = await login(app, 'dev:advisor-neighbour-buyer', { scene: advisorCode.scene });
    await delivered(statusEvent('SCOPE-ADV', 'paid', placedAt, { residentId: neighbour.residentId! }));
    expect(await ids(advisorA)).toEqual(['SCOPE-ADV']);
    expect(await ids(managerA)).toEqual(['SCOPE-A', 'SCOPE-ADV']);
    expect((await request(app).get(`/orders?storeId=${storeB}`).set(bearer(managerA))).status).toBe(403);
    expect((await request(app).get('/orders').set(bearer(buyer.session))).status).toBe(403);
  });
});

describe('demo orders', () => {
  it('creates months of orders through the webhook path, consistent with points and firstOrderAt, and only once', async () => {
    const result = await seedDemoOrders(services, { months: 2, residents: 8 });
    expect(result.residents).toBe(8);
    expect(result.orders).toBeGreaterThan(5);
    expect(await seedDemoOrders(services, { months: 2, residents: 8 })).toEqual({ residents: 0, orders: 0, events: 0 });

    const residents = await ResidentModel.find({ openid: /^demo:order-resident-/ }).lean();
    expect(residents).toHaveLength(8);
    expect(new Set(residents.map((entry) => String(entry.communityId))).size).toBeGreaterThan(3);
    for (const entry of residents) {
      const orders = await OrderModel.find({ residentId: entry._id }).lean();
      const completed = orders.filter((order) => order.state === 'completed');
      const earliest = completed.map((order) => order.completedAt!.getTime()).sort((a, b) => a - b)[0] ?? null;
      expect(entry.firstOrderAt?.getTime() ?? null).toBe(earliest);
      const earned = completed.reduce((sum, order) => sum + Math.floor(order.totalCents / 100), 0);
      expect((await balance(entry._id)).available).toBe(earned);
      expect(orders.every((order) => order.communityId?.equals(entry.communityId!))).toBe(true);
    }
  });
});

describe('the API description', () => {
  it('documents the order routes', async () => {
    const paths = (await request(app).get('/openapi.json')).body.paths;
    expect(Object.keys(paths).filter((path) => path.startsWith('/orders')).sort()).toEqual(['/orders', '/orders/me', '/orders/webhook']);
    expect(paths['/orders/webhook'].post.responses['401']).toBeDefined();
  });
});

// Last in the file: the task it creates would add its reward to the balances the tests above check.
describe('a refunded first order and the first-order task', () => {
  it('takes the task reward back once, and a later order does not pay it again', async () => {
    const admin = (await StaffModel.findOne({ role: 'admin' }).lean())!;
    const task = await services.tasks.createDefinition({ id: admin._id, name: admin.name, role: 'admin', storeId: null, cityId: null }, {
      kind: 'special', eventType: 'first_order', target: 1, period: { kind: 'once' }, rewardPoints: 100, newbieWindowDays: null, storeId: null, cityId: null,
      audienceId: null, active: true, displayOrder: 0, title: '首单礼', description: '', nextStep: '去下单',
    });
    const { id, objectId } = await resident('first-order-refunder');
    await delivered(statusEvent('FOT-1', 'completed', new Date(Date.now() - 3 * HOUR), { residentId: id }));
    // 27 points for the order, 100 for the task.
    expect(await balance(objectId)).toMatchObject({ available: 127 });

    const refund = statusEvent('FOT-1', 'refunded', new Date(Date.now() - 2 * HOUR), { residentId: id });
    await delivered(refund);
    await delivered(refund);
    expect(await balance(objectId)).toMatchObject({ available: 0 });
    const clawbacks = await PointEntryModel.find({ residentId: objectId, reasonCode: 'points_clawed_back' }).lean();
    expect(clawbacks.map((entry) => entry.note).sort()).toEqual(['订单退款，积分已扣回', '首单已退款，首单任务奖励已收回']);

    await delivered(statusEvent('FOT-2', 'completed', new Date(Date.now() - HOUR), { residentId: id }));
    expect(await balance(objectId)).toMatchObject({ available: 27 });
    expect((await services.tasks.listForResident(objectId)).special.find((entry) => entry.taskId === task.id)).toMatchObject({ state: 'completed' });
  });
});
