// Interest-label rebuild on a large synthetic chain: loads products, residents and orders with
// lines (the planted-preference generator of the offline evaluation) into the embedded FerretDB,
// runs the rebuild once and prints its time (read / similarity / score / write) and peak memory.
//
// Usage: npm run bench -- interest-model   (RESIDENTS=100000 ORDERS=500000 DAYS=120 to change the size)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { InterestService, interestParameters } = require(path.join(dist, 'components/interest/interest.service.js'));
const { DEFAULT_SYNTHETIC_OPTIONS } = require(path.join(dist, 'components/interest/synthetic-chain.js'));
const { loadChain, sampleMemory } = require('./synthetic-chain-loader');

const RESIDENTS = Number(process.env.RESIDENTS ?? 100000);
const ORDERS = Number(process.env.ORDERS ?? 500000);
const DAYS = Number(process.env.DAYS ?? 120);
const MB = 1024 * 1024;
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

runBench('interest', async ({ database }) => {
  await connectDatabase(database.uri, 'bench_interest', 10_000);
  const options = { ...DEFAULT_SYNTHETIC_OPTIONS, residents: RESIDENTS, orders: ORDERS, days: DAYS };
  let started = process.hrtime.bigint();
  const loaded = await loadChain(options);
  const loadSeconds = seconds(started);

  const interest = new InterestService(interestParameters());
  if (global.gc) global.gc();
  const before = process.memoryUsage();
  const stop = sampleMemory();
  started = process.hrtime.bigint();
  const run = await interest.rebuild(new Date(options.startAt + DAYS * 24 * 3600_000));
  const rebuildSeconds = seconds(started);
  const peak = stop();
  const labels = await mongoose.connection.collection('resident_interests').estimatedDocumentCount();

  const t = run.timings;
  console.log(`interest model: ${RESIDENTS} residents, ${ORDERS} orders (${loaded.lines} lines, ${loaded.products} products) over ${DAYS} days, ${engineLabel} (load ${loadSeconds.toFixed(1)} s)`);
  console.log(`  rebuild: ${rebuildSeconds.toFixed(1)} s = read ${(t.readMs / 1000).toFixed(1)} s (orders + residents, one cursor each) + similarity ${(t.similarityMs / 1000).toFixed(1)} s + score ${(t.scoreMs / 1000).toFixed(1)} s + write ${(t.writeMs / 1000).toFixed(1)} s`);
  console.log(`  ${run.counts.residentsScored} labels written (${labels} in the collection), ${run.counts.neighbourPairs} neighbour pairs, ${run.counts.purchases} purchases read`);
  console.log(`  peak memory during the rebuild: rss ${(peak.rss / MB).toFixed(0)} MB, heapUsed ${(peak.heapUsed / MB).toFixed(0)} MB (before: rss ${(before.rss / MB).toFixed(0)} MB, heapUsed ${(before.heapUsed / MB).toFixed(0)} MB)`);
});
