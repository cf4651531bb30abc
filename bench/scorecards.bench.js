// Scorecards on a synthetic chain: one scorecard query (codes, March beside February)
// answered from the monthly scorecard rollups versus computed from raw residents, orders and order
// credits, on the same embedded database in the same run (the answers must be equal), and the
// rollups' extra time in the nightly job.
//
// Usage: npm run bench -- scorecards   (RESIDENTS=100000 ORDERS=500000 DAYS=90 to change the size)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { seedDemoData } = require(path.join(dist, 'seed/demo-data.js'));
const { ScorecardsService } = require(path.join(dist, 'components/scorecards/scorecards.service.js'));
const { QrCodeModel, PlacementModel, CampaignModel, ChannelModel } = require(path.join(dist, 'components/acquisition/acquisition.model.js'));

const RESIDENTS = Number(process.env.RESIDENTS ?? 100000);
const ORDERS = Number(process.env.ORDERS ?? 500000);
const DAYS = Number(process.env.DAYS ?? 90);
const BATCH = 1000;
const DAY_MS = 24 * 3600_000;
const START = Date.parse('2026-01-01T00:00:00+08:00');
const cnDay = (time) => new Date(time + 8 * 3600_000).toISOString().slice(0, 10);

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

runBench('scorecards', async ({ database }) => {
  await connectDatabase(database.uri, 'bench_scorecards', 10_000);
  await seedDemoData(new Date('2025-12-01T00:00:00Z'));
  const codes = await QrCodeModel.find({}).lean();
  const placements = await PlacementModel.find({}).lean();
  const campaigns = await CampaignModel.find({}).lean();
  const channels = await ChannelModel.find({}).lean();
  const groups = Array.from({ length: 30 }, () => new mongoose.Types.ObjectId());
  const broadcasts = Array.from({ length: 200 }, () => new mongoose.Types.ObjectId());

  let started = process.hrtime.bigint();
  const residents = [];
  for (let offset = 0; offset < RESIDENTS; offset += BATCH) {
    const batch = [];
    for (let i = offset; i < Math.min(RESIDENTS, offset + BATCH); i += 1) {
      const code = pick(codes);
      const registeredAt = new Date(START + random() * DAYS * DAY_MS);
      const inviter = residents.length > 100 && random() < 0.2 ? residents[Math.floor(random() * residents.length)]._id : null;
      const attribution = {
        source: inviter ? 'invite' : 'code', at: registeredAt, codeId: code._id, codeType: code.type, storeId: code.storeId, advisorId: code.advisorId,
        channelId: pick(channels)._id, campaignId: random() < 0.6 ? pick(campaigns)._id : null, placementId: pick(placements)._id, inviterResidentId: inviter,
      };
      residents.push({ _id: new mongoose.Types.ObjectId(), registeredAt: registeredAt.getTime(), storeId: code.storeId, attribution });
      batch.push({ _id: residents[i]._id, openid: `bench-${i}`, inviteCode: `b${i}`, creationToken: 't', registeredAt, signedUpAt: registeredAt, storeId: code.storeId, communityId: null, attribution });
    }
    await mongoose.connection.collection('residents').insertMany(batch, { ordered: false });
  }
  if (process.env.BENCH_TRACE) console.log('  residents in');
  const orders = mongoose.connection.collection('orders');
  const credits = mongoose.connection.collection('order_credits');
  // No indexes on order_credits: the scorecard reads scan it anyway, and with the component's indexes the bulk load closed FerretDB's connection.
  const end = START + DAYS * DAY_MS;
  for (let offset = 0; offset < ORDERS; offset += BATCH) {
    const orderBatch = [];
    const creditBatch = [];
    for (let i = offset; i < Math.min(ORDERS, offset + BATCH); i += 1) {
      const resident = pick(residents);
      const at = Math.min(end - 1, resident.registeredAt + random() * 40 * DAY_MS);
      const completedAt = new Date(at);
      const roll = random();
      const state = roll < 0.05 ? 'refunded' : roll < 0.08 ? 'paid' : 'completed';
      const totalCents = 1000 + Math.floor(random() * 9000);
      const _id = `bench-order-${i}`;
      orderBatch.push({
        _id, residentId: resident._id, storeId: resident.storeId, communityId: null, lines: [], totalCents, state, placedAt: completedAt, paidAt: completedAt,
        completedAt: state === 'paid' ? null : completedAt, cancelledAt: null, refundedAt: state === 'refunded' ? completedAt : null, lastEventAt: completedAt, derivedFrom: 'bench', updatedAt: completedAt,
      });
      if (state === 'paid') continue;
      const touch = random();
      const kind = touch < 0.3 ? 'broadcast' : touch < 0.5 ? 'share' : touch < 0.55 ? 'push' : null;
      creditBatch.push({
        _id, residentId: resident._id, storeId: resident.storeId, state, totalCents, placedAt: completedAt, completedAt, day: cnDay(at), first: resident.attribution,
        touchId: kind ? `t-${i}` : null, touchKind: kind, touchedAt: kind ? completedAt : null, refId: kind === 'broadcast' ? pick(broadcasts) : kind === 'push' ? new mongoose.Types.ObjectId() : null,
        groupId: kind === 'broadcast' || (kind === 'share' && random() < 0.5) ? pick(groups) : null, sharerId: kind === 'share' ? pick(residents)._id : null, windowHours: 72, createdAt: completedAt,
      });
    }
    await orders.insertMany(orderBatch, { ordered: false });
    if (creditBatch.length > 0) await credits.insertMany(creditBatch, { ordered: false });
  }
  if (process.env.BENCH_TRACE) console.log('  orders in');
  // The indexes the orders component declares.
  await orders.createIndexes([{ key: { residentId: 1, completedAt: 1 } }, { key: { state: 1, completedAt: 1 } }, { key: { refundedAt: 1 } }, { key: { cancelledAt: 1 } }]);
  console.log(`scorecards: ${RESIDENTS} residents, ${ORDERS} orders over ${DAYS} days, ${engineLabel} (load ${seconds(started).toFixed(1)} s)`);

  const lastDay = cnDay(end - 1);
  const now = new Date(Date.parse(`${lastDay}T00:00:00+08:00`) + DAY_MS + 3600_000);
  const scorecards = new ScorecardsService({ now: () => now });
  started = process.hrtime.bigint();
  started = process.hrtime.bigint();
  const nightly = await scorecards.nightly(now);
  const nightlySeconds = seconds(started);

  const admin = { id: new mongoose.Types.ObjectId(), name: 'bench', role: 'admin', storeId: null, cityId: null };
  // March beside February: both months the nightly run rolled up.
  const query = { dimension: 'code', from: '2026-03', to: '2026-03' };
  started = process.hrtime.bigint();
  const fromRollups = await scorecards.scorecard(admin, query, 'rollups');
  const rollupMs = seconds(started) * 1000;
  started = process.hrtime.bigint();
  const fromRaw = await scorecards.scorecard(admin, query, 'raw');
  const rawMs = seconds(started) * 1000;
  if (JSON.stringify(fromRollups.rows) !== JSON.stringify(fromRaw.rows)) throw new Error('the scorecard from the rollups differs from the one computed from raw data');
  const registrations = fromRollups.rows.reduce((sum, row) => sum + row.registrations, 0);
  const credited = fromRollups.rows.reduce((sum, row) => sum + row.ordersCredited, 0);

  started = process.hrtime.bigint();
  const inviters = await scorecards.scorecard(admin, { dimension: 'inviter', from: '2026-03', to: '2026-03', limit: 200 }, 'rollups');
  const inviterMs = seconds(started) * 1000;

  console.log(`  the rollups' extra time in one nightly run (months ${nightly.months.join(', ')}): ${nightlySeconds.toFixed(1)} s`);
  console.log(`  code scorecard of 2026-03 beside 2026-02 from rollups: ${rollupMs.toFixed(0)} ms (${fromRollups.rows.length} codes, ${registrations} registrations, ${credited} orders credited)`);
  console.log(`  the same scorecard computed from raw residents, orders and credits: ${rawMs.toFixed(0)} ms (same answer)`);
  console.log(`  ratio raw / rollups: ${(rawMs / rollupMs).toFixed(1)}x`);
  console.log(`  inviter scorecard (best 200) from rollups: ${inviterMs.toFixed(0)} ms (${inviters.total} inviters)`);
});
