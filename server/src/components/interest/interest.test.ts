import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import { DEFAULT_INTEREST_PARAMETERS, type InterestParameters } from '@o2o/shared/rules/interest';
import { seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { StoreModel } from '../organisation/organisation.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { seedDemoInterest } from './interest.seed';
import { evaluateSynthetic } from './interest-evaluator';
import { ResidentInterestModel } from './interest.model';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticCatalogue, syntheticOrders } from './synthetic-chain';

useTestDatabase();
jest.setTimeout(300_000);

const DAY = 24 * 3600_000;
const NOW = new Date('2026-03-01T04:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

/** No popularity prior, so scores can be recomputed exactly by hand below. */
const parameters: Partial<InterestParameters> = { popularityWeight: 0 };
const env = { RATE_LIMIT_MAX: '100000', INTEREST_POPULARITY_WEIGHT: '0' };
const { app, services, scheduler } = createTestApplication({ env });
const { interest } = services;

const PRODUCTS = [
  { _id: 'MILK', name: '光明鲜牛奶', category: '乳品', subcategory: '鲜奶', repeatNature: 'daily' },
  { _id: 'CHEESE', name: '奶酪棒', category: '乳品', subcategory: '奶酪', repeatNature: 'daily' },
  { _id: 'BREAD', name: '全麦吐司', category: '烘焙', subcategory: '面包', repeatNature: 'daily' },
  { _id: 'KETTLE', name: '电热水壶', category: '家电', subcategory: '厨房电器', repeatNature: 'durable' },
  { _id: 'RICE', name: '东北大米 5kg', category: '粮油', subcategory: '大米', repeatNature: 'periodic' },
] as const;

interface Buyer {
  _id: Types.ObjectId;
  storeId: Types.ObjectId;
  advisorId: Types.ObjectId | null;
}
const orders: { residentId: Types.ObjectId; completedAt: Date; products: string[]; state?: string }[] = [];
let xujiahui: Buyer;
let tianlin: Buyer;
let stale: Types.ObjectId;
let storeIds: Record<string, Types.ObjectId>;

async function insertResident(storeId: Types.ObjectId, advisorId: Types.ObjectId | null): Promise<Buyer> {
  const _id = new Types.ObjectId();
  await ResidentModel.collection.insertOne({
    _id, openid: `o-${_id}`, inviteCode: `i${String(_id).slice(-12)}`, creationToken: 't', registeredAt: daysAgo(90), signedUpAt: daysAgo(90), storeId, communityId: null,
    attribution: { source: 'code', at: daysAgo(90), storeId, advisorId, codeOwnerId: null, codeType: advisorId ? 'advisor' : 'brand' },
  });
  return { _id, storeId, advisorId };
}

async function insertOrders(rows: typeof orders): Promise<void> {
  orders.push(...rows);
  await mongoose.connection.collection('orders').insertMany(rows.map((row, index) => ({
    _id: `interest-order-${orders.length}-${index}`, residentId: row.residentId, storeId: new Types.ObjectId(), communityId: null,
    lines: row.products.map((productId) => ({ productId, quantity: 1, amountCents: 1000 })), totalCents: 1000 * row.products.length,
    state: row.state ?? 'completed', placedAt: row.completedAt, completedAt: row.completedAt, lastEventAt: row.completedAt, derivedFrom: 'test', updatedAt: row.completedAt,
  })) as never[]);
}

beforeAll(async () => {
  await seedDemoData(daysAgo(100));
  await ProductModel.insertMany(PRODUCTS.map((product) => ({ ...product, priceCents: 1500, active: true })));
  storeIds = Object.fromEntries((await StoreModel.find({}).lean()).map((store) => [store.name.split('·')[1].replace('店', ''), store._id]));
  const advisor = await StaffModel.findOne({ openid: 'dev:advisor-xujiahui-1' }).lean();
  xujiahui = await insertResident(storeIds['徐家汇'], advisor!._id);
  tianlin = await insertResident(storeIds['田林'], null);
  // Six neighbours buy milk with cheese: cheese becomes milk's neighbour.
  for (let n = 0; n < 6; n += 1) {
    const neighbour = await insertResident(storeIds['龙华'], null);
    await insertOrders([{ residentId: neighbour._id, completedAt: daysAgo(20 + n), products: n < 4 ? ['MILK', 'CHEESE'] : ['MILK', 'BREAD'] }]);
  }
  await insertOrders([
    { residentId: xujiahui._id, completedAt: daysAgo(7), products: ['KETTLE', 'MILK'] },
    { residentId: xujiahui._id, completedAt: daysAgo(3), products: ['MILK'] },
    { residentId: xujiahui._id, completedAt: daysAgo(2), products: ['RICE'], state: 'refunded' },
    { residentId: tianlin._id, completedAt: daysAgo(5), products: ['BREAD'] },
  ]);
  stale = new Types.ObjectId();
  await ResidentInterestModel.create({ _id: stale, products: [{ productId: 'MILK', score: 1 }], categories: [], modelId: 'interest:old', builtAt: daysAgo(30) });
});

/** The label of one resident, recomputed here with plain loops from the rows inserted above. */
function expectedScores(residentId: Types.ObjectId): Record<string, number> {
  const p = { ...DEFAULT_INTEREST_PARAMETERS, ...parameters };
  const completed = orders.filter((row) => (row.state ?? 'completed') === 'completed');
  const buyers = new Map<string, Set<string>>();
  for (const row of completed) for (const product of row.products) buyers.set(product, (buyers.get(product) ?? new Set()).add(String(row.residentId)));
  const similarity = (a: string, b: string) => {
    const co = [...buyers.get(a)!].filter((resident) => buyers.get(b)?.has(resident)).length;
    if (co < p.minCoCount) return 0;
    return (co / Math.sqrt(buyers.get(a)!.size * buyers.get(b)!.size)) * (co / (co + p.shrinkage));
  };
  const weights = new Map<string, number>();
  for (const row of completed.filter((entry) => entry.residentId.equals(residentId))) {
    for (const product of row.products) weights.set(product, (weights.get(product) ?? 0) + 0.5 ** ((NOW.getTime() - row.completedAt.getTime()) / DAY / p.halfLifeDays));
  }
  const total = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  const scores: Record<string, number> = {};
  for (const candidate of PRODUCTS.map((product) => product._id)) {
    let score = 0;
    for (const [bought, weight] of weights) if (bought !== candidate) score += (p.similarityWeight * weight * similarity(bought, candidate)) / total;
    const nature = PRODUCTS.find((product) => product._id === candidate)!.repeatNature;
    if (nature === 'daily') score += p.repeatWeight * (weights.get(candidate) ?? 0);
    if (nature === 'durable' && weights.has(candidate)) score = 0;
    if (score > 0) scores[candidate] = score;
  }
  return scores;
}

describe('rebuilding the interest label', () => {
  it('when a resident bought a kettle last week and milk twice, then milk and its co-purchased cheese are recommended and the kettle is not', async () => {
    const run = await interest.rebuild(NOW);
    expect(run.counts).toMatchObject({ products: PRODUCTS.length, ordersRead: 9, residentsScored: 8, staleRemoved: 1 });

    const label = await ResidentInterestModel.findById(xujiahui._id).lean();
    const stored = Object.fromEntries(label!.products.map((entry) => [entry.productId, entry.score]));
    const expected = expectedScores(xujiahui._id);
    expect(Object.keys(stored).sort()).toEqual(Object.keys(expected).sort());
    for (const [product, score] of Object.entries(expected)) expect(stored[product]).toBeCloseTo(score, 4);
    expect(stored.KETTLE).toBeUndefined();
    expect(stored.RICE).toBeUndefined(); // its only order was refunded
    expect(stored.CHEESE).toBeGreaterThan(0);
    expect(label!.products[0].productId).toBe('MILK');
    expect(label!.categories[0].category).toBe('乳品');
    expect(label!.categories[0].score).toBeCloseTo(stored.MILK + stored.CHEESE, 4);
    expect(String(label!.storeId)).toBe(String(xujiahui.storeId));
    expect(await ResidentInterestModel.findById(stale).lean()).toBeNull();
  });

  it('when it rebuilds twice, then the documents are the same, and a later model replaces every earlier one', async () => {
    const sorted = async () => (await ResidentInterestModel.find({}).lean()).sort((a, b) => String(a._id).localeCompare(String(b._id)));
    const first = await sorted();
    await interest.rebuild(NOW);
    expect(await sorted()).toEqual(first);

    const later = new Date(NOW.getTime() + 3600_000);
    const run = await interest.rebuild(later);
    const after = await sorted();
    expect(run.counts.staleRemoved).toBe(0); // every resident was rewritten under the new model
    expect(after.map((doc) => doc.modelId)).toEqual(after.map(() => `interest:${later.toISOString()}`));
    expect(after.map((doc) => doc.products.map((entry) => entry.productId))).toEqual(first.map((doc) => doc.products.map((entry) => entry.productId)));
  });

  it('when a resident stops being scored, then their label is removed', async () => {
    await mongoose.connection.collection('orders').updateMany({ residentId: tianlin._id }, { $set: { state: 'refunded' } });
    const run = await interest.rebuild(new Date(NOW.getTime() + 2 * 3600_000));
    expect(run.counts.staleRemoved).toBe(1);
    expect(await ResidentInterestModel.findById(tianlin._id).lean()).toBeNull();
    await mongoose.connection.collection('orders').updateMany({ residentId: tianlin._id }, { $set: { state: 'completed' } });
    await interest.rebuild(NOW);
  });

  it('runs as the nightly job and as the seed hook', async () => {
    const job = scheduler.get('interest-rebuild')!;
    expect(job).toMatchObject({ name: 'interest-rebuild', schedule: { kind: 'daily', at: '01:30' } });
    expect(await job.run(NOW)).toMatchObject({ modelId: `interest:${NOW.toISOString()}`, residentsScored: 8 });
    expect(await seedDemoInterest({ interest }, NOW)).toEqual({ built: false }); // a model exists already
  });
});

describe('interest routes', () => {
  it('shows a resident label to staff in scope only', async () => {
    const admin = bearer(await login(app, 'dev:admin'));
    const advisor = bearer(await login(app, 'dev:advisor-xujiahui-1'));
    const manager = bearer(await login(app, 'dev:manager-xujiahui'));
    const own = await request(app).get(`/interest/residents/${xujiahui._id}`).set(advisor);
    expect(own.status).toBe(200);
    expect(own.body.products.map((entry: { productId: string }) => entry.productId)).toEqual(Object.entries(expectedScores(xujiahui._id)).sort((a, b) => b[1] - a[1]).map(([id]) => id));
    expect((await request(app).get(`/interest/residents/${tianlin._id}`).set(advisor)).status).toBe(403);
    expect((await request(app).get(`/interest/residents/${tianlin._id}`).set(manager)).status).toBe(403);
    expect((await request(app).get(`/interest/residents/${xujiahui._id}`).set(manager)).status).toBe(200);
    expect((await request(app).get(`/interest/residents/${new Types.ObjectId()}`).set(admin)).status).toBe(404);
    const invalid = await request(app).get('/interest/residents/not-an-id').set(admin);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lists the audience of a product best first, within the caller scope', async () => {
    const admin = bearer(await login(app, 'dev:admin'));
    const all = await request(app).get('/interest/products/MILK/audience?limit=50').set(admin);
    expect(all.status).toBe(200);
    const labels = await ResidentInterestModel.find({}).lean();
    const expected = labels
      .map((doc) => ({ residentId: String(doc._id), score: doc.products.find((entry) => entry.productId === 'MILK')?.score }))
      .filter((entry) => entry.score !== undefined)
      .sort((a, b) => b.score! - a.score! || (a.residentId < b.residentId ? -1 : 1));
    expect(all.body.residents.map((entry: { residentId: string }) => entry.residentId)).toEqual(expected.map((entry) => entry.residentId));
    expect(all.body.residents[0].rank).toBe(1);

    const manager = bearer(await login(app, 'dev:manager-tianlin'));
    const scoped = await request(app).get('/interest/products/MILK/audience').set(manager);
    expect(scoped.body.residents.map((entry: { residentId: string }) => entry.residentId)).not.toContain(String(xujiahui._id));
    const advisor = bearer(await login(app, 'dev:advisor-xujiahui-1'));
    const mine = await request(app).get('/interest/products/MILK/audience').set(advisor);
    expect(mine.body.residents.map((entry: { residentId: string }) => entry.residentId)).toEqual([String(xujiahui._id)]);
    expect((await request(app).get(`/interest/products/MILK/audience?storeId=${storeIds['徐家汇']}`).set(manager)).status).toBe(403);
    expect((await request(app).get('/interest/products/MILK/audience?limit=0').set(admin)).status).toBe(400);
    expect((await request(app).get('/interest/products/NOPE/audience').set(admin)).status).toBe(404);
  });

  it('rebuilds for operations only and reports the last run', async () => {
    const advisor = bearer(await login(app, 'dev:advisor-xujiahui-1'));
    expect((await request(app).post('/interest/rebuild').set(advisor)).status).toBe(403);
    const ops = bearer(await login(app, 'dev:ops'));
    const rebuilt = await request(app).post('/interest/rebuild').set(ops);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.counts.residentsScored).toBe(new Set(orders.filter((row) => (row.state ?? 'completed') === 'completed').map((row) => String(row.residentId))).size);
    const latest = await request(app).get('/interest/models/latest').set(ops);
    expect(latest.status).toBe(200);
    expect(latest.body.modelId).toBe(rebuilt.body.modelId);
    expect(latest.body.parameters.halfLifeDays).toBe(DEFAULT_INTEREST_PARAMETERS.halfLifeDays);
  });

  it('shows a resident 猜你喜欢 with product names', async () => {
    const session = await login(app, 'dev:interest-resident');
    const residentId = new Types.ObjectId(session.residentId!);
    await insertOrders([{ residentId, completedAt: daysAgo(2), products: ['MILK'] }]);
    expect((await request(app).get('/me/interests').set(bearer(session))).body.products).toEqual([]);
    await interest.rebuild(NOW);
    const mine = await request(app).get('/me/interests').set(bearer(session));
    expect(mine.status).toBe(200);
    expect(mine.body.title).toBe('猜你喜欢');
    expect(mine.body.products[0]).toMatchObject({ productId: 'MILK', name: '光明鲜牛奶' });
    expect(mine.body.products.map((entry: { productId: string }) => entry.productId)).toContain('CHEESE');
    expect((await request(app).get('/me/interests').set(bearer(await login(app, 'dev:admin')))).status).toBe(403);
  });
});

describe('offline evaluation', () => {
  const options = { ...DEFAULT_SYNTHETIC_OPTIONS, residents: 3000, orders: 15000, seed: 11 };
  const testDays = 30;

  it('on a small synthetic chain, the interest label beats both baselines', () => {
    const report = evaluateSynthetic(options, { ...DEFAULT_INTEREST_PARAMETERS }, testDays);
    expect(report.residents).toBeGreaterThan(500);
    expect(report.beatsBothBaselines).toBe(true);
    for (const k of [5, 10]) {
      expect(report.methods.interest.precision[k]).toBeGreaterThan(report.methods.history.precision[k]);
      expect(report.methods.interest.recall[k]).toBeGreaterThan(report.methods.popularity.recall[k]);
    }

    // The popularity baseline's precision@5, recomputed here from the generated orders.
    const catalogue = syntheticCatalogue(options);
    const end = options.startAt + options.days * DAY;
    const cutoff = end - testDays * DAY;
    const train = new Map<string, Set<string>>();
    const test = new Map<string, Set<string>>();
    for (const order of syntheticOrders(catalogue, options)) {
      const target = order.at < cutoff ? train : order.at < end ? test : null;
      for (const line of order.lines) target?.set(String(order.resident), (target.get(String(order.resident)) ?? new Set()).add(line.productId));
    }
    const buyers = catalogue.map((product) => [...train.values()].filter((products) => products.has(product.id)).length);
    const ranked = catalogue.map((_, p) => p).sort((a, b) => buyers[b] - buyers[a] || a - b).map((p) => catalogue[p]);
    let sum = 0;
    let residents = 0;
    for (const [resident, relevant] of test) {
      const owned = train.get(resident);
      if (!owned) continue;
      const top5 = ranked.filter((product) => !(product.repeatNature === 'durable' && owned.has(product.id))).slice(0, 5);
      sum += top5.filter((product) => relevant.has(product.id)).length / 5;
      residents += 1;
    }
    expect(report.residents).toBe(residents);
    expect(report.methods.popularity.precision[5]).toBeCloseTo(sum / residents, 10);
  });
});
