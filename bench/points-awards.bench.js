// Awards per second through the HTTP API (POST /points/adjustments, the full stack: auth, validation,
// scope check, ledger entry, versioned step, mirrors, audit) next to a raw driver loop of the same
// ledger writes, on the same embedded database in the same run. The ratio is what we track.
//
// The residents collection first holds BULK_RESIDENTS residents, so that point reads and writes on
// it cost what they cost at the chain's size. Each loop stops after MAX_SECONDS.
//
// COUNT_COMMANDS=1 also counts the database commands per HTTP award (the driver's command monitor, by
// command and collection); it costs some CPU, so compare rates from runs without it.
//
// Usage: npm run bench -- points-awards   (AWARDS=2000 CONCURRENCY=8 RESIDENTS=50 BULK_RESIDENTS=100000 MAX_SECONDS=120 COUNT_COMMANDS=1)
const path = require('node:path');
const dist = path.join(__dirname, '..', 'server', 'dist');
const mongoose = require('mongoose');
const { engineLabel, runBench, benchConfig } = require('./bench-engine');
const { connectDatabase } = require(path.join(dist, 'db/connection.js'));
const { createApp } = require(path.join(dist, 'app.js'));
const { createLogger } = require(path.join(dist, 'lib/logger.js'));
const { listen } = require(path.join(dist, 'http-server.js'));
const { seedDemoData, DEMO_LOGINS } = require(path.join(dist, 'seed/demo-data.js'));

const AWARDS = Number(process.env.AWARDS ?? 500);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const RESIDENTS = Number(process.env.RESIDENTS ?? 50);
const BULK_RESIDENTS = Number(process.env.BULK_RESIDENTS ?? 100000);
const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 120);
const COUNT_COMMANDS = process.env.COUNT_COMMANDS === '1';

if (COUNT_COMMANDS) {
  const connect = mongoose.connect.bind(mongoose);
  mongoose.connect = (uri, options) => connect(uri, { ...options, monitorCommands: true });
}

/** Runs work(0..count-1) `concurrency` at a time until done or MAX_SECONDS; returns how many finished and the seconds taken. */
async function pool(count, concurrency, work) {
  let next = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + MAX_SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count && Date.now() < deadline) {
      await work(next++);
      done += 1;
    }
  }));
  return { done, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function loadBulkResidents() {
  const residents = mongoose.connection.collection('residents');
  for (let offset = 0; offset < BULK_RESIDENTS; offset += 1000) {
    const batch = [];
    for (let i = offset; i < Math.min(BULK_RESIDENTS, offset + 1000); i += 1) {
      const at = new Date();
      batch.push({ openid: `bulk-${i}`, inviteCode: `bulk${i}`, creationToken: 't', registeredAt: at, signedUpAt: at, storeId: null, communityId: null, attribution: { source: 'organic', at } });
    }
    await residents.insertMany(batch, { ordered: false });
  }
}

runBench('points', async ({ database }) => {
  const config = benchConfig();
  await connectDatabase(database.uri, 'bench_points', 10_000);
  await seedDemoData();
  await loadBulkResidents();
  const app = createApp({ config, logger: createLogger('silent'), connection: mongoose.connection });
  const server = await listen(app, { host: '127.0.0.1', port: 0, timeoutMs: 5000, logger: createLogger('silent') });
  const base = `http://127.0.0.1:${server.port}`;
  const post = async (url, body, token) => {
    const response = await fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${url} ${response.status} ${await response.text()}`);
    return response.json();
  };
  const admin = await post('/auth/wechat-login', { code: DEMO_LOGINS.admin });
  const residentIds = [];
  for (let i = 0; i < RESIDENTS; i += 1) residentIds.push((await post('/auth/wechat-login', { code: `dev:bench-${i}` })).residentId);

  const commands = new Map();
  const countCommand = (event) => {
    const key = `${event.commandName} ${event.command[event.commandName]}`;
    commands.set(key, (commands.get(key) ?? 0) + 1);
  };
  if (COUNT_COMMANDS) mongoose.connection.getClient().on('commandStarted', countCommand);
  const http = await pool(AWARDS, CONCURRENCY, (i) => post('/points/adjustments', { residentId: residentIds[i % RESIDENTS], amount: 5, reason: '压测发放', idempotencyKey: `bench-http-${i}` }, admin.token));
  if (COUNT_COMMANDS) mongoose.connection.getClient().off('commandStarted', countCommand);
  await server.shutdown();

  // The same writes with the bare driver: entry insert, head read, step insert, two mirrors.
  const db = mongoose.connection.db;
  const entries = db.collection('point_entries');
  const steps = db.collection('point_steps');
  const residents = db.collection('residents');
  const rawIds = residentIds.map((id) => new mongoose.Types.ObjectId(id));
  const raw = await pool(AWARDS, CONCURRENCY, async (i) => {
    const residentId = rawIds[i % RESIDENTS];
    const { insertedId } = await entries.insertOne({ residentId, intent: { kind: 'earn', amount: 5 }, reasonCode: 'bench', note: 'raw', source: 'manual', idempotencyKey: `bench-raw-${i}`, createdAt: new Date(), applied: null });
    for (;;) {
      // The head by _id from the mirror's version, as the service finds it.
      let version = (await residents.findOne({ _id: residentId }, { projection: { points: 1 } }))?.points?.version ?? 0;
      let head = version > 0 ? await steps.findOne({ _id: `${residentId}:${version}` }) : null;
      for (let next; (next = await steps.findOne({ _id: `${residentId}:${version + 1}` })); version += 1) head = next;
      version += 1;
      const available = (head?.state.available ?? 0) + 5;
      try {
        await steps.insertOne({ _id: `${residentId}:${version}`, residentId, version, entryId: insertedId, outcome: { amount: 5 }, state: { available, pending: 0, lots: [], held: [] }, at: new Date() });
        await entries.updateOne({ _id: insertedId }, { $set: { applied: { version, amount: 5 } } });
        await residents.updateOne({ _id: residentId }, { $set: { 'points.available': available, 'points.version': version } });
        break;
      } catch (error) {
        if (error.code !== 11000) throw error;
      }
    }
  });

  const httpRate = http.done / http.seconds;
  const rawRate = raw.done / raw.seconds;
  console.log(`points awards: up to ${AWARDS} awards over ${RESIDENTS} residents (of ${BULK_RESIDENTS + RESIDENTS}), concurrency ${CONCURRENCY}, ${engineLabel}`);
  console.log(`  HTTP API (POST /points/adjustments): ${httpRate.toFixed(1)} awards/s (${http.done} in ${http.seconds.toFixed(2)} s)`);
  console.log(`  raw driver, same ledger writes:      ${rawRate.toFixed(1)} awards/s (${raw.done} in ${raw.seconds.toFixed(2)} s)`);
  console.log(`  ratio HTTP / raw: ${(httpRate / rawRate).toFixed(2)}`);
  if (COUNT_COMMANDS) {
    const total = [...commands.values()].reduce((sum, n) => sum + n, 0);
    console.log(`  database commands per HTTP award: ${(total / http.done).toFixed(2)}`);
    for (const [key, n] of [...commands].sort((a, b) => b[1] - a[1])) console.log(`    ${(n / http.done).toFixed(2)}  ${key}`);
  }
});
