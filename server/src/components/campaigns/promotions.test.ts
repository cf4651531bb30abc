import { Types } from 'mongoose';
import request from 'supertest';
import { inHoldout, liftInterval } from '@o2o/shared/rules/holdout';
import type { ProductAudience, Promotion, PromotionEffectView, Push, SlowMoving } from '@o2o/shared/schemas/campaigns';
import { SUBSCRIBE_TEMPLATES } from '@o2o/shared/rules/campaigns';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import type { AudienceResolver } from '../audiences/audience-resolver';
import { ResidentInterestModel } from '../interest/interest.model';
import { OrderModel } from '../orders/orders.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { PromotionMemberChunkModel } from './campaigns.model';
import { createCampaigns } from './campaigns.component';
import { campaignRouters } from './campaigns.router';

useTestDatabase();
jest.setTimeout(300_000);

const env = { RATE_LIMIT_MAX: '100000' };
const services = testServices(env);
const audienceLists = new Map<string, Types.ObjectId[]>();
const audiences: AudienceResolver = {
  describe: async (id) => (audienceLists.has(id) ? { id, name: '测试人群' } : null),
  memberIds: async (id) => audienceLists.get(id) ?? [],
};
const campaigns = createCampaigns({ wechat: null, audiences, logger: services.logger });
const app = createTestApp({ env, routers: campaignRouters(services.guards, campaigns) });

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let ops: Session;
let managerA: Session;
let managerB: Session;
let advisorA: Session;
let storeA: Types.ObjectId;
let storeB: Types.ObjectId;

const DAY = 24 * 3600_000;
const NOW = Date.now();

beforeAll(async () => {
  await seedDemoData();
  [admin, ops, managerA, managerB, advisorA] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)),
  );
  storeA = new Types.ObjectId(managerA.staff!.storeId!);
  storeB = new Types.ObjectId(managerB.staff!.storeId!);
});

async function resident(name: string, store: Types.ObjectId, fields: Record<string, unknown> = {}): Promise<Types.ObjectId> {
  const session = await login(app, `dev:${name}`);
  const id = new Types.ObjectId(session.residentId!);
  await ResidentModel.updateOne({ _id: id }, { $set: { storeId: store, ...fields } });
  return id;
}

interface TestOrder {
  id: string;
  residentId: Types.ObjectId | null;
  storeId: Types.ObjectId;
  state: 'completed' | 'refunded' | 'cancelled' | 'paid';
  completedAt: Date;
  lines: { productId: string; quantity: number; amountCents: number }[];
}

/** Orders written as the order component stores them (only what campaigns read matters). */
async function insertOrders(orders: TestOrder[]): Promise<void> {
  await OrderModel.insertMany(
    orders.map((order) => ({
      _id: order.id, residentId: order.residentId, storeId: order.storeId, lines: order.lines,
      totalCents: order.lines.reduce((sum, line) => sum + line.amountCents, 0), state: order.state,
      placedAt: new Date(order.completedAt.getTime() - 3600_000), completedAt: order.completedAt, refundedAt: order.state === 'refunded' ? order.completedAt : null,
      lastEventAt: order.completedAt, derivedFrom: 'test', updatedAt: order.completedAt,
    })),
  );
}

const line = (productId: string, quantity: number, unitCents = 100) => ({ productId, quantity, amountCents: quantity * unitCents });

describe('slow-moving products', () => {
  const products = ['SLOW-1', 'SLOW-2', 'SLOW-3', 'SLOW-4', 'SLOW-5', 'SLOW-6'];
  const orders: TestOrder[] = [];

  beforeAll(async () => {
    await ProductModel.insertMany([
      ...products.map((id) => ({ _id: id, name: `商品${id}`, category: '蔬菜', priceCents: 100, storeIds: [storeA], repeatNature: 'daily' })),
      { _id: 'SLOW-INACTIVE', name: '下架商品', category: '蔬菜', priceCents: 100, storeIds: [storeA], repeatNature: 'daily', active: false },
      { _id: 'SLOW-B-ONLY', name: '田林专供', category: '蔬菜', priceCents: 100, storeIds: [storeB], repeatNature: 'daily' },
    ]);
    const ago = (days: number) => new Date(NOW - days * DAY);
    const buyer = await resident('slow-buyer', storeA);
    orders.push(
      { id: 'SLOW-O1', residentId: buyer, storeId: storeA, state: 'completed', completedAt: ago(2), lines: [line('SLOW-1', 9), line('SLOW-2', 2)] },
      { id: 'SLOW-O2', residentId: null, storeId: storeA, state: 'completed', completedAt: ago(12), lines: [line('SLOW-1', 3), line('SLOW-3', 5), line('SLOW-3', 1)] },
      { id: 'SLOW-O3', residentId: buyer, storeId: storeA, state: 'completed', completedAt: ago(20), lines: [line('SLOW-4', 1)] },
      // Refunded, cancelled, too old, another store: none of these count.
      { id: 'SLOW-O4', residentId: buyer, storeId: storeA, state: 'refunded', completedAt: ago(3), lines: [line('SLOW-5', 50)] },
      { id: 'SLOW-O5', residentId: buyer, storeId: storeA, state: 'cancelled', completedAt: ago(3), lines: [line('SLOW-6', 50)] },
      { id: 'SLOW-O6', residentId: buyer, storeId: storeA, state: 'completed', completedAt: ago(31), lines: [line('SLOW-5', 40)] },
      { id: 'SLOW-O7', residentId: buyer, storeId: storeB, state: 'completed', completedAt: ago(4), lines: [line('SLOW-6', 30), line('SLOW-B-ONLY', 3)] },
      { id: 'SLOW-O8', residentId: buyer, storeId: storeA, state: 'completed', completedAt: ago(25), lines: [line('SLOW-2', 1), line('SLOW-INACTIVE', 1)] },
    );
    await insertOrders(orders);
  });

  /** The same list computed directly from the test's orders. */
  function expected(days: number) {
    const since = NOW - days * DAY;
    const units = new Map(products.map((id) => [id, 0]));
    const last = new Map<string, number>();
    for (const order of orders) {
      if (order.state !== 'completed' || !order.storeId.equals(storeA) || order.completedAt.getTime() < since) continue;
      for (const entry of order.lines) {
        if (!units.has(entry.productId)) continue;
        units.set(entry.productId, units.get(entry.productId)! + entry.quantity);
        last.set(entry.productId, Math.max(last.get(entry.productId) ?? 0, order.completedAt.getTime()));
      }
    }
    const velocities = [...units.values()].map((value) => value / days).sort((a, b) => a - b);
    const middle = velocities.length / 2;
    const medianVelocity = velocities.length % 2 ? velocities[Math.floor(middle)] : (velocities[middle - 1] + velocities[middle]) / 2;
    const order = [...units.keys()].sort((a, b) => units.get(a)! - units.get(b)! || (last.get(a) ?? 0) - (last.get(b) ?? 0) || a.localeCompare(b));
    return { units, medianVelocity, order };
  }

  it('lists the store\'s active products slowest first, against the median, counting only completed orders in the window', async () => {
    const response = await request(app).get('/campaigns/slow-moving').query({ storeId: String(storeA), days: 30, limit: 4 }).set(bearer(ops));
    expect(response.status).toBe(200);
    const body = response.body as SlowMoving;
    const want = expected(30);
    expect(body.products).toBe(products.length);
    expect(body.medianVelocity).toBeCloseTo(want.medianVelocity);
    expect(body.items.map((item) => item.productId)).toEqual(want.order.slice(0, 4));
    for (const item of body.items) {
      expect(item.units).toBe(want.units.get(item.productId));
      expect(item.velocity).toBeCloseTo(want.units.get(item.productId)! / 30);
    }
    const sold = body.items.find((item) => item.productId === 'SLOW-4')!;
    expect(sold.daysSinceLastSale).toBe(20);
    expect(body.items[0]).toMatchObject({ units: 0, lastSoldAt: null, daysSinceLastSale: null, velocityRatio: 0 });

    const shortWindow = (await request(app).get('/campaigns/slow-moving').query({ storeId: String(storeA), days: 10, limit: 50 }).set(bearer(admin))).body as SlowMoving;
    expect(shortWindow.items.map((item) => item.productId)).toEqual(expected(10).order);
  });

  it('scopes the store: an advisor or manager gets their own store by default and no other; others must name one', async () => {
    const advisorView = await request(app).get('/campaigns/slow-moving').set(bearer(advisorA));
    expect(advisorView.status).toBe(200);
    expect(advisorView.body.storeId).toBe(String(storeA));
    expect((await request(app).get('/campaigns/slow-moving').query({ storeId: String(storeB) }).set(bearer(managerA))).status).toBe(403);
    const opsWithout = await request(app).get('/campaigns/slow-moving').set(bearer(ops));
    expect(opsWithout.status).toBe(400);
    const badDays = await request(app).get('/campaigns/slow-moving').query({ storeId: String(storeA), days: 0 }).set(bearer(ops));
    expect(badDays.status).toBe(400);
    expect(badDays.body.error.details[0].path).toBe('query.days');
  });
});

describe('the audience most likely to want a product', () => {
  let ranked: { id: Types.ObjectId; store: Types.ObjectId; score: number }[];

  beforeAll(async () => {
    await ProductModel.create({ _id: 'AUD-TOFU', name: '嫩豆腐', category: '豆制品', priceCents: 350, storeIds: [storeA, storeB], repeatNature: 'daily' });
    const advisorId = new Types.ObjectId(advisorA.staff!.id);
    const people = [
      { id: await resident('aud-1', storeA), store: storeA, score: 0.31 },
      { id: await resident('aud-2', storeA, { 'attribution.advisorId': advisorId }), store: storeA, score: 0.77 },
      { id: await resident('aud-3', storeB), store: storeB, score: 0.99 },
      { id: await resident('aud-4', storeA), store: storeA, score: 0.55 },
      { id: await resident('aud-5', storeA), store: storeA, score: 0 },
    ];
    await ResidentInterestModel.insertMany(
      people.map((person) => ({ _id: person.id, products: [{ productId: 'OTHER-SKU', score: 2 }, { productId: 'AUD-TOFU', score: person.score }], categories: [], modelId: 'test', builtAt: new Date() })),
    );
    await ResidentInterestModel.create({ _id: await resident('aud-none', storeA), products: [{ productId: 'OTHER-SKU', score: 1 }], categories: [], modelId: 'test', builtAt: new Date() });
    ranked = people.filter((person) => person.score > 0).sort((a, b) => b.score - a.score);
  });

  it('ranks residents by their score for the product, within the caller\'s scope', async () => {
    const forAdmin = (await request(app).get('/campaigns/products/AUD-TOFU/audience').set(bearer(admin))).body as ProductAudience;
    expect(forAdmin.scored).toBe(ranked.length);
    expect(forAdmin.residents.map((entry) => entry.residentId)).toEqual(ranked.map((person) => String(person.id)));
    expect(forAdmin.residents.map((entry) => entry.rank)).toEqual([1, 2, 3, 4]);

    const forManager = (await request(app).get('/campaigns/products/AUD-TOFU/audience').query({ limit: 2 }).set(bearer(managerA))).body as ProductAudience;
    expect(forManager.residents.map((entry) => [entry.residentId, entry.score])).toEqual(
      ranked.filter((person) => person.store.equals(storeA)).slice(0, 2).map((person) => [String(person.id), person.score]),
    );
    const forAdvisor = (await request(app).get('/campaigns/products/AUD-TOFU/audience').set(bearer(advisorA))).body as ProductAudience;
    expect(forAdvisor.residents).toHaveLength(1);
    expect(forAdvisor.residents[0].score).toBe(0.77);
    const storeBOnly = (await request(app).get('/campaigns/products/AUD-TOFU/audience').query({ storeId: String(storeB) }).set(bearer(ops))).body as ProductAudience;
    expect(storeBOnly.residents.map((entry) => entry.score)).toEqual([0.99]);
    expect((await request(app).get('/campaigns/products/AUD-TOFU/audience').query({ storeId: String(storeB) }).set(bearer(managerA))).status).toBe(403);
    expect((await request(app).get('/campaigns/products/NO-SUCH/audience').set(bearer(admin))).status).toBe(404);
  });
});

describe('promotion effect', () => {
  const PRODUCT = 'PROMO-MILK';
  const startAt = new Date(NOW - 10 * DAY);
  const endAt = new Date(NOW - 2 * DAY);
  const beforeStart = new Date(startAt.getTime() - (endAt.getTime() - startAt.getTime()));
  const orders: TestOrder[] = [];
  let members: Types.ObjectId[];
  let audienceId: string;

  beforeAll(async () => {
    await ProductModel.create({ _id: PRODUCT, name: '低脂鲜牛奶', category: '乳品', priceCents: 1350, storeIds: [storeA], repeatNature: 'daily' });
    members = [await resident('promo-m1', storeA), await resident('promo-m2', storeA), await resident('promo-m3', storeA)];
    const outsider = await resident('promo-b', storeB);
    const [o1, o2] = [await resident('promo-o1', storeA), await resident('promo-o2', storeA)];
    const [m1, m2, m3] = members;
    audienceId = String(new Types.ObjectId());
    audienceLists.set(audienceId, [m1, m2, m3, outsider]);
    const shift = (date: Date, ms: number) => new Date(date.getTime() + ms);
    let n = 0;
    const order = (residentId: Types.ObjectId | null, completedAt: Date, lines: TestOrder['lines'], fields: Partial<TestOrder> = {}): TestOrder => {
      n += 1;
      return { id: `PROMO-O${n}`, residentId, storeId: storeA, state: 'completed', completedAt, lines, ...fields };
    };
    orders.push(
      order(m1, shift(startAt, -1), [line(PRODUCT, 1, 1350)]),
      order(m1, startAt, [line(PRODUCT, 2, 1350)]),
      order(m2, shift(endAt, -1), [line(PRODUCT, 3, 1200), line('OTHER', 1)]),
      order(m2, endAt, [line(PRODUCT, 7, 1350)]),
      order(m3, shift(startAt, DAY), [line(PRODUCT, 4, 1350)], { state: 'refunded' }),
      order(o1, beforeStart, [line(PRODUCT, 1, 1350)]),
      order(o1, shift(beforeStart, -1), [line(PRODUCT, 6, 1350)]),
      order(o2, shift(startAt, 2 * DAY), [line(PRODUCT, 1, 1350), line(PRODUCT, 1, 1000)]),
      order(null, shift(startAt, 3 * DAY), [line(PRODUCT, 5, 1300)]),
      order(null, shift(startAt, -3 * DAY), [line(PRODUCT, 2, 1300)]),
      order(m1, shift(startAt, DAY), [line(PRODUCT, 9, 1350)], { storeId: storeB }),
      order(o2, shift(startAt, DAY), [line('OTHER', 9)]),
      order(m3, shift(startAt, 4 * DAY), [line(PRODUCT, 1, 1350)], { state: 'paid' }),
    );
    await insertOrders(orders);
  });

  /** The effect computed directly from the test's orders and the residents stored for store A. */
  async function expectedEffect() {
    const audience = new Set(members.map(String));
    const population = await ResidentModel.countDocuments({ storeId: storeA });
    const sizes = { audience: audience.size, others: population - audience.size };
    const cell = () => ({ units: 0, orders: 0, revenueCents: 0, buyers: new Set<string>() });
    const cells = { before: { audience: cell(), others: cell() }, during: { audience: cell(), others: cell() } };
    for (const order of orders) {
      if (order.state !== 'completed' || !order.storeId.equals(storeA)) continue;
      const time = order.completedAt.getTime();
      const period = time >= beforeStart.getTime() && time < startAt.getTime() ? 'before' : time >= startAt.getTime() && time < endAt.getTime() ? 'during' : null;
      const mine = order.lines.filter((entry) => entry.productId === PRODUCT);
      if (!period || mine.length === 0) continue;
      const group = order.residentId && audience.has(String(order.residentId)) ? 'audience' : 'others';
      const target = cells[period][group];
      target.orders += 1;
      target.units += mine.reduce((sum, entry) => sum + entry.quantity, 0);
      target.revenueCents += mine.reduce((sum, entry) => sum + entry.amountCents, 0);
      if (order.residentId) target.buyers.add(String(order.residentId));
    }
    const view = (period: 'before' | 'during', group: 'audience' | 'others') => {
      const target = cells[period][group];
      return { size: sizes[group], units: target.units, orders: target.orders, buyers: target.buyers.size, revenueCents: target.revenueCents, buyerRate: target.buyers.size / sizes[group], unitsPerCapita: target.units / sizes[group] };
    };
    const result = { before: { audience: view('before', 'audience'), others: view('before', 'others') }, during: { audience: view('during', 'audience'), others: view('during', 'others') } };
    const lift = (metric: 'buyerRate' | 'unitsPerCapita') =>
      result.during.audience[metric] - result.before.audience[metric] - (result.during.others[metric] - result.before.others[metric]);
    return { ...result, lift: { buyerRate: lift('buyerRate'), unitsPerCapita: lift('unitsPerCapita') } };
  }

  it('compares the product\'s sales before and during, audience versus everyone else, with the difference-in-differences lift', async () => {
    const created = await request(app)
      .post('/campaigns/promotions')
      .set(bearer(managerA))
      .send({ name: '鲜奶第二件半价', productId: PRODUCT, audience: { audienceId }, startAt: startAt.toISOString(), endAt: endAt.toISOString() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ storeId: String(storeA), audienceSize: 3, audienceId });
    const chunk = await PromotionMemberChunkModel.findById(`${created.body.id}:0`).lean();
    expect(chunk!.residentIds.map(String)).toEqual(members.map(String));

    const response = await request(app).get(`/campaigns/promotions/${created.body.id}/effect`).set(bearer(managerA));
    expect(response.status).toBe(200);
    const effect = response.body as PromotionEffectView;
    expect(effect.windows).toEqual({ beforeStart: beforeStart.toISOString(), start: startAt.toISOString(), end: endAt.toISOString() });
    expect(effect.complete).toBe(true);
    const want = await expectedEffect();
    expect(effect.before).toEqual(want.before);
    expect(effect.during).toEqual(want.during);
    expect(effect.lift.buyerRate).toBeCloseTo(want.lift.buyerRate, 10);
    expect(effect.lift.unitsPerCapita).toBeCloseTo(want.lift.unitsPerCapita, 10);
    expect(effect.promotion.holdout).toBeNull();
    expect(effect.holdout).toBeNull();
    // The edges and exclusions the dataset was built around, spelled out.
    expect(effect.during.audience).toMatchObject({ units: 5, orders: 2, buyers: 2 });
    expect(effect.before.audience).toMatchObject({ units: 1, buyers: 1 });
    expect(effect.during.others).toMatchObject({ units: 7, orders: 2, buyers: 1 });
    expect(effect.before.others).toMatchObject({ units: 3, orders: 2, buyers: 1 });

    expect((await request(app).get(`/campaigns/promotions/${created.body.id}/effect`).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get(`/campaigns/promotions/${created.body.id}/effect`).set(bearer(ops))).status).toBe(200);
    const listed = await request(app).get('/campaigns/promotions').set(bearer(managerB));
    expect(listed.body.map((promotion: { id: string }) => promotion.id)).not.toContain(created.body.id);
  });

  it('snapshots a product audience, refuses bad input, other stores and promotions that have not started', async () => {
    await ResidentInterestModel.insertMany(members.map((id, index) => ({ _id: id, products: [{ productId: PRODUCT, score: index + 1 }], categories: [], modelId: 'test', builtAt: new Date() })));
    const byInterest = await request(app)
      .post('/campaigns/promotions')
      .set(bearer(ops))
      .send({ name: '鲜奶推荐', productId: PRODUCT, storeId: String(storeA), audience: { productAudience: { limit: 2 } }, startAt: startAt.toISOString(), endAt: endAt.toISOString() });
    expect(byInterest.status).toBe(201);
    expect(byInterest.body.audienceSize).toBe(2);
    expect((await PromotionMemberChunkModel.findById(`${byInterest.body.id}:0`).lean())!.residentIds.map(String)).toEqual([members[2], members[1]].map(String));

    const base = { name: '测试', productId: PRODUCT, audience: { audienceId }, startAt: startAt.toISOString(), endAt: endAt.toISOString() };
    const reversed = await request(app).post('/campaigns/promotions').set(bearer(ops)).send({ ...base, startAt: endAt.toISOString(), endAt: startAt.toISOString() });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details[0].path).toBe('body.endAt');
    expect((await request(app).post('/campaigns/promotions').set(bearer(managerB)).send({ ...base, storeId: String(storeA) })).status).toBe(403);
    expect((await request(app).post('/campaigns/promotions').set(bearer(advisorA)).send(base)).status).toBe(403);
    expect((await request(app).post('/campaigns/promotions').set(bearer(ops)).send({ ...base, pushId: String(new Types.ObjectId()) })).status).toBe(404);
    const future = await request(app)
      .post('/campaigns/promotions')
      .set(bearer(ops))
      .send({ ...base, storeId: String(storeA), startAt: new Date(NOW + DAY).toISOString(), endAt: new Date(NOW + 5 * DAY).toISOString() });
    expect(future.status).toBe(201);
    const notYet = await request(app).get(`/campaigns/promotions/${future.body.id}/effect`).set(bearer(ops));
    expect(notYet.status).toBe(409);
    expect(notYet.body.error.code).toBe('PROMOTION_NOT_STARTED');
  });
});

describe('promotion effect against a hold-out group', () => {
  const PRODUCT = 'HOLD-EGGS';
  const startAt = new Date(NOW - 8 * DAY);
  const endAt = new Date(NOW - DAY);
  const orders: TestOrder[] = [];
  let members: Types.ObjectId[];
  let audienceId: string;

  beforeAll(async () => {
    await ProductModel.create({ _id: PRODUCT, name: '散养土鸡蛋', category: '蛋品', priceCents: 1990, storeIds: [storeA], repeatNature: 'daily' });
    members = await Promise.all(Array.from({ length: 30 }, (_, index) => resident(`hold-m${index}`, storeA)));
    audienceId = String(new Types.ObjectId());
    audienceLists.set(audienceId, members);
    const at = (days: number) => new Date(startAt.getTime() + days * DAY);
    members.forEach((member, index) => {
      // Buyers during the campaign, a repeat buyer, and orders that must not count.
      if (index % 2 === 0) orders.push({ id: `HOLD-O${index}`, residentId: member, storeId: storeA, state: 'completed', completedAt: at(1 + (index % 5)), lines: [line(PRODUCT, 1, 1990)] });
      if (index % 4 === 0) orders.push({ id: `HOLD-R${index}`, residentId: member, storeId: storeA, state: 'completed', completedAt: at(6), lines: [line(PRODUCT, 2, 1990), line('OTHER', 1)] });
      if (index % 3 === 1) orders.push({ id: `HOLD-B${index}`, residentId: member, storeId: storeA, state: 'completed', completedAt: at(-1), lines: [line(PRODUCT, 1, 1990)] });
      if (index % 5 === 3) orders.push({ id: `HOLD-X${index}`, residentId: member, storeId: storeA, state: 'refunded', completedAt: at(2), lines: [line(PRODUCT, 1, 1990)] });
      if (index % 7 === 5) orders.push({ id: `HOLD-S${index}`, residentId: member, storeId: storeA, state: 'completed', completedAt: at(3), lines: [line('OTHER', 1)] });
      if (index % 6 === 1) orders.push({ id: `HOLD-A${index}`, residentId: member, storeId: storeA, state: 'completed', completedAt: at(7.5), lines: [line(PRODUCT, 1, 1990)] });
    });
    await insertOrders(orders);
  });

  /** Treated versus held out during the campaign, counted straight from the test's orders. */
  function expectedSplit(experimentId: string, share: number) {
    const isHeld = (id: Types.ObjectId) => inHoldout(String(id), experimentId, share);
    const group = (ids: Types.ObjectId[]) => {
      const mine = new Set(ids.map(String));
      const counted = orders.filter(
        (order) => order.residentId && mine.has(String(order.residentId)) && order.state === 'completed' && order.completedAt >= startAt && order.completedAt < endAt && order.lines.some((entry) => entry.productId === PRODUCT),
      );
      const buyers = new Set(counted.map((order) => String(order.residentId))).size;
      const revenueCents = counted.reduce((sum, order) => sum + order.lines.filter((entry) => entry.productId === PRODUCT).reduce((total, entry) => total + entry.amountCents, 0), 0);
      return { size: ids.length, buyers, orders: counted.length, revenueCents, buyerRate: buyers / ids.length };
    };
    return { treated: group(members.filter((id) => !isHeld(id))), heldOut: group(members.filter(isHeld)) };
  }

  async function createPromotion(fields: Record<string, unknown>) {
    return request(app)
      .post('/campaigns/promotions')
      .set(bearer(managerA))
      .send({ name: '土鸡蛋特价', productId: PRODUCT, audience: { audienceId }, startAt: startAt.toISOString(), endAt: endAt.toISOString(), ...fields });
  }

  async function createPush(holdoutShare?: number): Promise<Push> {
    const [activity] = SUBSCRIBE_TEMPLATES;
    const response = await request(app)
      .post('/campaigns/pushes')
      .set(bearer(managerA))
      .send({
        name: '土鸡蛋提醒', target: { audienceId }, templateId: activity.id, page: 'pages/index/index', ...(holdoutShare === undefined ? {} : { holdoutShare }),
        data: { thing1: '土鸡蛋特价', time2: '2024年10月1日 09:00', thing3: '到店自提', thing4: '数量有限' },
      });
    expect(response.status).toBe(201);
    return response.body as Push;
  }

  async function expectSplitEffect(promotion: Promotion, experimentId: string, share: number): Promise<void> {
    const response = await request(app).get(`/campaigns/promotions/${promotion.id}/effect`).set(bearer(managerA));
    expect(response.status).toBe(200);
    const effect = response.body as PromotionEffectView;
    const want = expectedSplit(experimentId, share);
    expect(want.treated.size).toBeGreaterThan(0);
    expect(want.heldOut.size).toBeGreaterThan(0);
    expect(effect.holdout).not.toBeNull();
    expect(effect.holdout!.share).toBe(share);
    expect(effect.holdout!.treated).toEqual(want.treated);
    expect(effect.holdout!.heldOut).toEqual(want.heldOut);
    const lift = liftInterval({ count: want.treated.buyers, base: want.treated.size }, { count: want.heldOut.buyers, base: want.heldOut.size })!;
    expect(effect.holdout!.lift!.difference).toBeCloseTo(want.treated.buyerRate - want.heldOut.buyerRate, 12);
    expect(effect.holdout!.lift!.low).toBeCloseTo(lift.interval.low, 12);
    expect(effect.holdout!.lift!.high).toBeCloseTo(lift.interval.high, 12);
    // The before/during comparison with everyone else is still there.
    expect(effect.during.audience.size).toBe(30);
  }

  it('follows the linked push\'s split: treated versus held-out buyers of the product during the campaign', async () => {
    const push = await createPush(0.3);
    const created = await createPromotion({ pushId: push.id });
    expect(created.status).toBe(201);
    expect(created.body.holdout).toEqual({ experimentId: push.id, share: 0.3 });
    await expectSplitEffect(created.body as Promotion, push.id, 0.3);
    // Restating the push's share is allowed.
    expect((await createPromotion({ pushId: push.id, holdoutShare: 0.3 })).status).toBe(201);
  });

  it('splits by its own id when it has a share and no push', async () => {
    const created = await createPromotion({ holdoutShare: 0.4 });
    expect(created.status).toBe(201);
    expect(created.body.holdout).toEqual({ experimentId: created.body.id, share: 0.4 });
    await expectSplitEffect(created.body as Promotion, created.body.id, 0.4);
  });

  it('refuses a share that contradicts its push, or a share out of range, with a Chinese 400', async () => {
    const withHoldout = await createPush(0.2);
    const contradicting = await createPromotion({ pushId: withHoldout.id, holdoutShare: 0.1 });
    expect(contradicting.status).toBe(400);
    expect(contradicting.body.error.message).toMatch(/对照组/);
    const withoutHoldout = await createPush();
    const tooLate = await createPromotion({ pushId: withoutHoldout.id, holdoutShare: 0.1 });
    expect(tooLate.status).toBe(400);
    expect(tooLate.body.error.message).toMatch(/没有留出对照组/);
    const tooMuch = await createPromotion({ holdoutShare: 0.7 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.message).toMatch(/对照组比例/);
    expect(tooMuch.body.error.details[0].path).toBe('body.holdoutShare');
  });
});
