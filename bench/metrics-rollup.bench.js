// Growth-metrics rollups on a synthetic chain: how long the daily rollup takes, and a month-range
// first-order conversion and repurchase answered from the rollups versus computed from raw
// residents and orders, on the same embedded database in the same run; and the drill-down's lists
// of who is behind those counts (first page, checked against the count).
//
// Usage: npm run bench -- metrics-rollup   (RESIDENTS=100000 ORDERS=500000 DAYS=60 to change the size)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const sharedDist = path.join(__dirname, '..', 'shared', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { seedDemoData } = require(path.join(dist, 'seed/demo-data.js'));
const { MetricsService } = require(path.join(dist, 'components/metrics/metrics.service.js'));
const { ResidentModel } = require(path.join(dist, 'components/residents/resident.model.js'));
const { StoreModel, CommunityModel } = require(path.join(dist, 'components/organisation/organisation.model.js'));
const { StaffModel } = require(path.join(dist, 'components/staff/staff.model.js'));
const { chinaDayStart } = require(path.join(sharedDist, 'rules/china-time.js'));
const { addDays } = require(path.join(sharedDist, 'rules/metrics.js'));

const RESIDENTS = Number(process.env.RESIDENTS ?? 100000);
const ORDERS = Number(process.env.ORDERS ?? 500000);
const DAYS = Number(process.env.DAYS ?? 60);
const BATCH = 1000;
const FIRST_DAY = '2026-01-01';
const DAY_MS = 24 * 3600_000;

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

runBench('metrics', async ({ database }) => {
  await connectDatabase(database.uri, 'bench_metrics', 10_000);
  await seedDemoData(new Date('2025-12-01T00:00:00Z'));
  const stores = await StoreModel.find({}).lean();
  const communities = await CommunityModel.find({}).lean();
  const advisors = await StaffModel.find({ role: 'advisor' }).lean();
  const start = chinaDayStart(FIRST_DAY).getTime();

  let started = process.hrtime.bigint();
  const residents = [];
  for (let offset = 0; offset < RESIDENTS; offset += BATCH) {
    const batch = [];
    for (let i = offset; i < Math.min(RESIDENTS, offset + BATCH); i += 1) {
      const _id = new mongoose.Types.ObjectId();
      const registeredAt = new Date(start + random() * DAYS * DAY_MS);
      const advisor = random() < 0.6 ? pick(advisors) : null;
      const storeId = advisor ? advisor.storeId : pick(stores)._id;
      residents.push({ _id, registeredAt: registeredAt.getTime(), storeId, communityId: pick(communities)._id });
      batch.push({
        _id, openid: `bench-${i}`, inviteCode: `b${i}`, creationToken: 't', registeredAt, signedUpAt: registeredAt, storeId, communityId: residents[i].communityId,
        attribution: { source: 'code', at: registeredAt, storeId, advisorId: advisor ? advisor._id : null, codeType: advisor ? 'advisor' : 'brand' },
      });
    }
    await ResidentModel.collection.insertMany(batch, { ordered: false });
  }
  const orders = mongoose.connection.collection('orders');
  const end = start + DAYS * DAY_MS;
  for (let offset = 0; offset < ORDERS; offset += BATCH) {
    const batch = [];
    for (let i = offset; i < Math.min(ORDERS, offset + BATCH); i += 1) {
      const resident = pick(residents);
      const completedAt = new Date(Math.min(end - 1, resident.registeredAt + random() * 40 * DAY_MS));
      const roll = random();
      const state = roll < 0.05 ? 'refunded' : roll < 0.08 ? 'paid' : 'completed';
      batch.push({
        _id: `bench-order-${i}`, residentId: resident._id, storeId: resident.storeId, communityId: resident.communityId, lines: [], totalCents: 1000 + Math.floor(random() * 9000),
        state, placedAt: completedAt, paidAt: completedAt, completedAt: state === 'paid' ? null : completedAt, cancelledAt: null, refundedAt: state === 'refunded' ? completedAt : null,
        lastEventAt: completedAt, derivedFrom: 'bench', updatedAt: completedAt,
      });
    }
    await orders.insertMany(batch, { ordered: false });
  }
  // The indexes the orders component declares for the collection.
  await orders.createIndexes([{ key: { residentId: 1, completedAt: 1 } }, { key: { state: 1, completedAt: 1 } }, { key: { refundedAt: 1 } }, { key: { cancelledAt: 1 } }]);
  const loadSeconds = seconds(started);
  console.log(`metrics rollup: ${RESIDENTS} residents, ${ORDERS} orders over ${DAYS} days, ${engineLabel} (load ${loadSeconds.toFixed(1)} s)`);

  const lastDay = addDays(FIRST_DAY, DAYS - 1);
  const metrics = new MetricsService({ now: () => new Date(chinaDayStart(addDays(lastDay, 1)).getTime() + 12 * 3600_000) });
  started = process.hrtime.bigint();
  const summary = await metrics.rollupRange(FIRST_DAY, lastDay);
  const rollupSeconds = seconds(started);
  started = process.hrtime.bigint();
  await metrics.nightly(new Date(chinaDayStart(addDays(lastDay, 1)).getTime() + 3600_000));
  const nightlySeconds = seconds(started);

  // A month-range question two ways: the rollups, and raw data.
  const everything = { dimension: 'all', values: ['all'], label: 'all' };
  started = process.hrtime.bigint();
  const fromRollups = await metrics.conversionFor(everything, '2026-01-01', '2026-01-31', 7);
  const repurchaseFromRollup = await metrics.repurchaseFor(everything, '2026-01');
  const rollupQuerySeconds = seconds(started);

  started = process.hrtime.bigint();
  const firstCompleted = new Map();
  for await (const order of orders.find({ state: 'completed' }, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH })) {
    const key = String(order.residentId);
    const known = firstCompleted.get(key);
    if (!known || order.completedAt < known) firstCompleted.set(key, order.completedAt);
  }
  let registrations = 0;
  let converted = 0;
  const monthStart = chinaDayStart('2026-01-01');
  const monthEnd = chinaDayStart('2026-02-01');
  for await (const resident of ResidentModel.collection.find({ registeredAt: { $gte: monthStart, $lt: monthEnd } }, { projection: { registeredAt: 1 }, batchSize: BATCH })) {
    registrations += 1;
    const first = firstCompleted.get(String(resident._id));
    if (first && first - resident.registeredAt < 7 * DAY_MS) converted += 1;
  }
  const rawConversionSeconds = seconds(started);
  if (registrations !== fromRollups.registrations || converted !== fromRollups.converted) {
    throw new Error(`rollups disagree with raw data: ${JSON.stringify({ registrations, converted, fromRollups: [fromRollups.registrations, fromRollups.converted] })}`);
  }

  console.log(`  backfill rollup of ${DAYS} days (+ ${summary.repurchaseMonths.length} repurchase months, ${summary.weeks.length} weeks, consumer totals; ${summary.documents} documents): ${rollupSeconds.toFixed(1)} s`);
  console.log(`  one nightly run (4 days, 31 cohort days, touched months and weeks): ${nightlySeconds.toFixed(1)} s`);
  console.log(`  January conversion + repurchase from rollups: ${(rollupQuerySeconds * 1000).toFixed(1)} ms (conversion ${fromRollups.converted}/${fromRollups.registrations}, repurchase ${repurchaseFromRollup.all.count}/${repurchaseFromRollup.all.base})`);
  console.log(`  January conversion computed from raw residents + orders: ${(rawConversionSeconds * 1000).toFixed(1)} ms (same answer)`);
  console.log(`  ratio raw / rollups: ${(rawConversionSeconds / rollupQuerySeconds).toFixed(1)}x`);

  // The drill-down: who is behind January's counts, first page, and whether the list has as many as the count.
  const admin = { id: new mongoose.Types.ObjectId(), name: 'bench', role: 'admin', storeId: null, cityId: null };
  const drill = async (query) => {
    const at = process.hrtime.bigint();
    const answer = await metrics.drillDown(admin, { dimension: 'all', windowDays: 7, segment: 'all', limit: 50, offset: 0, ...query });
    return { total: answer.total, ms: seconds(at) * 1000 };
  };
  const activeDay = '2026-01-15';
  const activeCount = (await metrics.active(admin, { from: activeDay, to: activeDay, dimension: 'all' })).days[0].active;
  const cases = [
    ['registered in January', { metric: 'registered', from: '2026-01-01', to: '2026-01-31' }, fromRollups.registrations],
    ['converted within 7 days (same data, read again from memory)', { metric: 'converted', from: '2026-01-01', to: '2026-01-31' }, fromRollups.converted],
    ['repurchased, January', { metric: 'repurchased', month: '2026-01' }, repurchaseFromRollup.all.count],
    [`active on ${activeDay}`, { metric: 'active', day: activeDay }, activeCount],
    ['consumers so far', { metric: 'consumers' }, null],
  ];
  for (const [name, query, count] of cases) {
    const result = await drill(query);
    if (count !== null && result.total !== count) throw new Error(`drill-down of ${name} lists ${result.total}, the count is ${count}`);
    console.log(`  drill-down, ${name}: ${result.total} residents${count !== null ? ' (= the count)' : ''}, first page in ${result.ms.toFixed(0)} ms`);
  }
});
