// Demo seeding, sign-up and login latency with a large residents collection, and the request path
// under 200 parallel requests (the rate limiter counts every request in the database), through
// the HTTP API on the embedded database.
//
// Usage: npm run bench -- login   (BULK_RESIDENTS=100000 LOGINS=200 PARALLEL=200 MAX_SECONDS=120)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench, benchConfig } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { createApplication } = require(path.join(dist, 'app.js'));
const { createLogger } = require(path.join(dist, 'lib/logger.js'));
const { listen } = require(path.join(dist, 'http-server.js'));
const { seedDemo } = require(path.join(dist, 'seed/seed-demo.js'));

const BULK_RESIDENTS = Number(process.env.BULK_RESIDENTS ?? 100000);
const LOGINS = Number(process.env.LOGINS ?? 200);
const PARALLEL = Number(process.env.PARALLEL ?? 200);
const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 120);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const ms = (value) => `${value.toFixed(1)} ms`;

/** Runs `request(i)` one at a time until LOGINS are done or MAX_SECONDS passed; sorted latencies in ms. */
async function sequential(request) {
  const latencies = [];
  const deadline = Date.now() + MAX_SECONDS * 1000;
  for (let i = 0; i < LOGINS && Date.now() < deadline; i += 1) {
    const started = process.hrtime.bigint();
    await request(i);
    latencies.push(seconds(started) * 1000);
  }
  return latencies.sort((a, b) => a - b);
}

async function parallel(url) {
  const started = process.hrtime.bigint();
  const latencies = await Promise.all(Array.from({ length: PARALLEL }, async () => {
    const begun = process.hrtime.bigint();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url} ${response.status}`);
    return seconds(begun) * 1000;
  }));
  return { total: seconds(started), sorted: latencies.sort((a, b) => a - b) };
}

runBench('login', async ({ database }) => {
  const config = benchConfig();
  await connectDatabase(database.uri, 'bench_login', 10_000);
  const { app, services } = createApplication({ config, logger: createLogger('silent'), connection: mongoose.connection });
  let started = process.hrtime.bigint();
  await seedDemo({ services });
  const seedSeconds = seconds(started);

  started = process.hrtime.bigint();
  const residents = mongoose.connection.collection('residents');
  for (let offset = 0; offset < BULK_RESIDENTS; offset += 1000) {
    const batch = [];
    for (let i = offset; i < Math.min(BULK_RESIDENTS, offset + 1000); i += 1) {
      const at = new Date();
      batch.push({ openid: `dev:bulk-${i}`, unionid: null, inviteCode: `bulk${i}`, creationToken: `bulk${i}`, registeredAt: at, signedUpAt: at, storeId: null, communityId: null, attribution: { source: 'organic', at }, points: { available: 0, pending: 0, version: 0 } });
    }
    await residents.insertMany(batch, { ordered: false });
  }
  const loadSeconds = seconds(started);

  const server = await listen(app, { host: '127.0.0.1', port: 0, timeoutMs: 5000, logger: createLogger('silent') });
  const base = `http://127.0.0.1:${server.port}`;
  const login = async (code) => {
    const response = await fetch(`${base}/auth/wechat-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    if (!response.ok) throw new Error(`login ${code}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const signUps = await sequential((i) => login(`dev:new-${i}`));
  const logins = await sequential((i) => login(`dev:bulk-${(i * 7919) % BULK_RESIDENTS}`));
  const stores = await parallel(`${base}/stores`);
  const health = await parallel(`${base}/healthz`);
  await server.shutdown();

  const total = await residents.estimatedDocumentCount();
  console.log(`login: ${total} residents, ${engineLabel}`);
  console.log(`  demo seeding (chain, tasks, rewards, catalogue, 3 months of orders, rollups): ${seedSeconds.toFixed(1)} s; ${BULK_RESIDENTS} residents loaded in ${loadSeconds.toFixed(1)} s`);
  console.log(`  sign-up (new resident): p50 ${ms(percentile(signUps, 50))}, p95 ${ms(percentile(signUps, 95))} (${signUps.length} sequential)`);
  console.log(`  login (existing resident): p50 ${ms(percentile(logins, 50))}, p95 ${ms(percentile(logins, 95))} (${logins.length} sequential)`);
  console.log(`  ${PARALLEL} parallel GET /stores (rate-limited): all done in ${stores.total.toFixed(2)} s, p95 ${ms(percentile(stores.sorted, 95))}`);
  console.log(`  ${PARALLEL} parallel GET /healthz (exempt):     all done in ${health.total.toFixed(2)} s, p95 ${ms(percentile(health.sorted, 95))}`);
});
