// Shared by the interest and label benchmarks: the planted-preference synthetic chain of the
// offline evaluation, loaded straight into the database, and a peak-memory sampler.
const path = require('node:path');
const mongoose = require('mongoose');
const dist = path.join(__dirname, '..', 'server', 'dist');
const { syntheticCatalogue, syntheticOrders } = require(path.join(dist, 'components/interest/synthetic-chain.js'));

const BATCH = 1000;

/** Products, `options.residents` residents in 3 stores, and the generator's orders (all completed). */
async function loadChain(options) {
  const catalogue = syntheticCatalogue(options);
  await mongoose.connection.collection('products').insertMany(catalogue.map((product) => ({
    _id: product.id, name: product.name, category: product.category, subcategory: product.subcategory, priceCents: product.priceCents,
    tags: [], storeIds: [], repeatNature: product.repeatNature, active: true, createdAt: new Date(), updatedAt: new Date(),
  })));
  const storeIds = [new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId()];
  const residentIds = [];
  for (let offset = 0; offset < options.residents; offset += BATCH) {
    const batch = [];
    for (let i = offset; i < Math.min(options.residents, offset + BATCH); i += 1) {
      const _id = new mongoose.Types.ObjectId();
      residentIds.push(_id);
      const at = new Date(options.startAt);
      batch.push({ _id, openid: `bench-${i}`, inviteCode: `b${i}`, creationToken: 't', registeredAt: at, signedUpAt: at, storeId: storeIds[i % 3], communityId: null, attribution: { source: 'organic', at, storeId: storeIds[i % 3], advisorId: null, codeOwnerId: null } });
    }
    await mongoose.connection.collection('residents').insertMany(batch, { ordered: false });
  }
  let lines = 0;
  let batch = [];
  const orders = mongoose.connection.collection('orders');
  for (const order of syntheticOrders(catalogue, options)) {
    const at = new Date(order.at);
    lines += order.lines.length;
    batch.push({
      _id: order.id, residentId: residentIds[order.resident], storeId: storeIds[order.resident % 3], communityId: null, lines: order.lines,
      totalCents: order.lines.reduce((sum, line) => sum + line.amountCents, 0), state: 'completed', placedAt: at, paidAt: at, completedAt: at,
      cancelledAt: null, refundedAt: null, lastEventAt: at, derivedFrom: 'bench', updatedAt: at,
    });
    if (batch.length >= BATCH) {
      await orders.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await orders.insertMany(batch, { ordered: false });
  return { products: catalogue.length, lines };
}

/** rss and heapUsed every 100 ms (synchronous compute phases are sampled at their edges). */
function sampleMemory() {
  const peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

module.exports = { loadChain, sampleMemory };
