// What the rate limiter costs: bursts of parallel GET /stores (rate limited, one small query) and
// GET /healthz (exempt, no query) against the real server on the embedded database with the demo
// chain, with a large limit so every request passes the limiter. Before the limiter moved to
// express-rate-limit on a shared in-memory window store, 200 parallel GET /stores took 10-13 s
// against 0.3 s for /healthz: each request took a numbered slot by insert after counting the slots.
//
// Usage: npm run bench -- rate-limit   (BURST=200 ROUNDS=3 to change the size)
const path = require('node:path');
const mongoose = require('mongoose');
const server = path.join(__dirname, '..', 'server', 'dist');
const { runBench, benchConfig } = require('./bench-engine');
const { connectDatabase } = require(path.join(server, 'db/connection.js'));
const { createApplication } = require(path.join(server, 'app.js'));
const { createLogger } = require(path.join(server, 'lib/logger.js'));
const { listen } = require(path.join(server, 'http-server.js'));
const { seedDemoData } = require(path.join(server, 'seed/demo-data.js'));

const BURST = Number(process.env.BURST ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function burst(url, expected = 200) {
  const started = performance.now();
  const times = await Promise.all(
    Array.from({ length: BURST }, async () => {
      const begin = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== expected) throw new Error(`${url}: ${response.status}`);
      return performance.now() - begin;
    }),
  );
  times.sort((a, b) => a - b);
  return { total: performance.now() - started, p50: times[Math.floor(BURST * 0.5)], p95: times[Math.floor(BURST * 0.95)] };
}

runBench('rate', async ({ database }) => {
  let running;
  try {
    await connectDatabase(database.uri, 'bench_rate_limit', 10_000);
    await seedDemoData();
    const config = benchConfig();
    const { app, rateLimits } = createApplication({ config, logger: createLogger('silent'), connection: mongoose.connection });
    running = await listen(app, { host: '127.0.0.1', port: 0, timeoutMs: 5000, logger: createLogger('silent') });
    const base = `http://127.0.0.1:${running.port}`;
    await burst(`${base}/stores`);
    const figures = { stores: [], missing: [], healthz: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      figures.stores.push(await burst(`${base}/stores`));
      figures.missing.push(await burst(`${base}/no-such-page`, 404));
      figures.healthz.push(await burst(`${base}/healthz`));
    }
    const best = (rows, field) => Math.min(...rows.map((row) => row[field])).toFixed(0);
    console.log(`rate-limit: ${BURST} parallel requests, best of ${ROUNDS} rounds`);
    console.log(`  GET /stores  (limited, one query): total ${best(figures.stores, 'total')} ms, p50 ${best(figures.stores, 'p50')} ms, p95 ${best(figures.stores, 'p95')} ms`);
    console.log(`  GET /no-such-page (limited, 404, no query): total ${best(figures.missing, 'total')} ms, p50 ${best(figures.missing, 'p50')} ms, p95 ${best(figures.missing, 'p95')} ms`);
    console.log(`  GET /healthz (exempt):       total ${best(figures.healthz, 'total')} ms, p50 ${best(figures.healthz, 'p50')} ms, p95 ${best(figures.healthz, 'p95')} ms`);
    {
      await rateLimits.sync();
      console.log(`  rate-limit documents in the database after ${BURST * (2 * ROUNDS + 1)} limited requests: ${await mongoose.connection.db.collection('rate_limit_windows').countDocuments()}`);
    }
  } finally {
    await running?.shutdown();
  }
});
