// Label recompute on a large synthetic chain: loads the interest benchmark's chain into the
// embedded FerretDB, builds the interest label, then times the nightly label recompute twice
// (first run, and a rerun over existing labels), with peak memory, and one resident's refresh
// after an event (a point operation: on FerretDB each of its queries scans a collection).
//
// Usage: npm run bench -- labels-recompute   (RESIDENTS=100000 ORDERS=500000 DAYS=120 to change the size)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { InterestService, interestParameters } = require(path.join(dist, 'components/interest/interest.service.js'));
const { LabelService } = require(path.join(dist, 'components/labels/labels.service.js'));
const { seedLabelCatalogue } = require(path.join(dist, 'components/labels/labels.catalogue.js'));
const { DEFAULT_SYNTHETIC_OPTIONS } = require(path.join(dist, 'components/interest/synthetic-chain.js'));
const { loadChain, sampleMemory } = require('./synthetic-chain-loader');

const RESIDENTS = Number(process.env.RESIDENTS ?? 100000);
const ORDERS = Number(process.env.ORDERS ?? 500000);
const DAYS = Number(process.env.DAYS ?? 120);
const MB = 1024 * 1024;
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function timed(work) {
  const stop = sampleMemory();
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: seconds(started), peak: stop() };
}

runBench('labels', async ({ database }) => {
  await connectDatabase(database.uri, 'bench_labels', 10_000);
  const options = { ...DEFAULT_SYNTHETIC_OPTIONS, residents: RESIDENTS, orders: ORDERS, days: DAYS };
  let started = process.hrtime.bigint();
  await loadChain(options);
  const now = new Date(options.startAt + DAYS * 24 * 3600_000);
  const loadSeconds = seconds(started);
  const interest = await timed(() => new InterestService(interestParameters()).rebuild(now));
  await seedLabelCatalogue();

  const labels = new LabelService({ logger: quiet });
  const first = await timed(() => labels.recomputeAll(now));
  const rerun = await timed(() => labels.recomputeAll(new Date(now.getTime() + 60_000)));
  // Five residents' refreshes after an event (each a handful of point queries by residentId).
  const some = await mongoose.connection.collection('residents').find({}, { projection: { _id: 1 } }).limit(5).toArray();
  const refreshes = [];
  for (const resident of some) refreshes.push((await timed(() => labels.refreshResident(resident._id, now))).seconds * 1000);
  refreshes.sort((a, b) => a - b);

  console.log(`labels: ${RESIDENTS} residents, ${ORDERS} orders over ${DAYS} days, ${engineLabel} (load ${loadSeconds.toFixed(1)} s)`);
  console.log(`  nightly interest rebuild: ${interest.seconds.toFixed(1)} s (read ${(interest.result.timings.readMs / 1000).toFixed(1)} s, write ${(interest.result.timings.writeMs / 1000).toFixed(1)} s), peak rss ${(interest.peak.rss / MB).toFixed(0)} MB`);
  for (const [name, run] of [['first recompute', first], ['rerun over existing labels', rerun]]) {
    console.log(`  ${name}: ${run.seconds.toFixed(1)} s for ${run.result.residents} residents (${run.result.written} written, ${run.result.removed} removed), peak rss ${(run.peak.rss / MB).toFixed(0)} MB, heapUsed ${(run.peak.heapUsed / MB).toFixed(0)} MB`);
  }
  console.log(`  one resident's refresh after an event: median ${refreshes[2].toFixed(0)} ms, max ${refreshes[4].toFixed(0)} ms (5 residents)`);
});
