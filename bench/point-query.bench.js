// Does a point query's cost stay flat as a collection grows? findOne by _id, find by an indexed
// field and updateOne by _id on collections of 3,000 and 300,000 one-kilobyte documents, then
// rewriting 100,000 documents two ways: inserted into a fresh collection (what the label and
// interest jobs do before swapping it in) and upserted one by one by _id in place.
//
// It also reads 200 documents named by id both ways: one `$in` (not pushed down: a scan) and the
// point queries of the server's `findByIds` (server/src/db/find-by-ids.ts).
//
// Usage: npm run bench -- point-query   (SMALL=3000 LARGE=300000 OPS=200 REWRITE=100000 MAX_SECONDS=30)
const path = require('node:path');
const mongoose = require('mongoose');
const { engineLabel, runBench } = require('./bench-engine');

const SMALL = Number(process.env.SMALL ?? 3000);
const LARGE = Number(process.env.LARGE ?? 300000);
const OPS = Number(process.env.OPS ?? 200);
const REWRITE = Number(process.env.REWRITE ?? 100000);
const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 30);
const BY_IDS = 200;
const { findByIds } = require(path.join(__dirname, '..', 'server', 'dist', 'db', 'find-by-ids.js'));
const PAD = 'x'.repeat(900);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

function doc(i, ids) {
  return { _id: ids[i], residentId: ids[Math.floor(i / 10) * 10], n: i, state: 'completed', pad: PAD };
}

async function load(collection, size) {
  const ids = Array.from({ length: size }, () => new mongoose.Types.ObjectId());
  await collection.createIndex({ residentId: 1 });
  for (let offset = 0; offset < size; offset += 1000) {
    const batch = [];
    for (let i = offset; i < Math.min(size, offset + 1000); i += 1) batch.push(doc(i, ids));
    await collection.insertMany(batch, { ordered: false });
  }
  return ids;
}

/**
 * Median milliseconds of `op(collection, i)` on the small and the large collection, alternating
 * between them so that both see the same load on a shared machine; up to OPS each or MAX_SECONDS.
 */
async function medians(small, large, op, ops = OPS) {
  const latencies = { small: [], large: [] };
  const deadline = Date.now() + MAX_SECONDS * 1000;
  for (let i = 0; i < ops && (Date.now() < deadline || latencies.large.length < 3); i += 1) {
    for (const [name, target] of [['small', small], ['large', large]]) {
      const started = process.hrtime.bigint();
      await op(target, i);
      latencies[name].push(seconds(started) * 1000);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { small: median(latencies.small), large: median(latencies.large), runs: latencies.large.length };
}

const progress = (line) => process.stderr.write(`[point-query] ${line}\n`);

async function prepare(db, size) {
  const collection = db.collection(`docs_${size}`);
  progress(`loading ${size} documents`);
  const ids = await load(collection, size);
  return { collection, size, ids, pick: (i) => ids[(i * 7919) % size] };
}

/** The plan PostgreSQL chose for a findOne by _id, e.g. "Bitmap Heap Scan <- Bitmap Index Scan". */
async function planOf(db, target) {
  const answer = await db.command({ explain: { find: target.collection.collectionName, filter: { _id: target.pick(1) } } });
  const names = [];
  for (let node = answer.queryPlanner?.Plan; node; node = node.Plans?.[0]) names.push(node['Node Type']);
  return names.join(' <- ') || '(no plan: SQLite backend)';
}

async function measure(connection) {
  const db = connection.db;
  const small = await prepare(db, SMALL);
  const large = await prepare(db, LARGE);
  // The same collections as Mongoose models, for the server's helper.
  for (const target of [small, large]) target.model = connection.model(`Docs${target.size}`, new mongoose.Schema({}, { strict: false }), target.collection.collectionName);
  const named = (target, i) => Array.from({ length: BY_IDS }, (_, k) => target.pick(i * BY_IDS + k));
  const checked = async (promise) => {
    const found = await promise;
    if (found.length !== BY_IDS) throw new Error(`expected ${BY_IDS} documents by id, got ${found.length}`);
  };
  progress('measuring');
  return {
    byIdsIn: await medians(small, large, (target, i) => checked(target.collection.find({ _id: { $in: named(target, i) } }, { projection: { n: 1 } }).toArray()), 10),
    byIdsPoint: await medians(small, large, (target, i) => checked(findByIds(target.model, named(target, i), { n: 1 })), 10),
    findById: await medians(small, large, (target, i) => target.collection.findOne({ _id: target.pick(i) })),
    findByResident: await medians(small, large, (target, i) => target.collection.find({ residentId: target.ids[Math.floor(((i * 7919) % target.size) / 10) * 10] }).toArray()),
    updateById: await medians(small, large, (target, i) => target.collection.updateOne({ _id: target.pick(i) }, { $set: { n: -i } })),
    plan: await planOf(db, large),
  };
}

async function rewrite(db) {
  const ids = Array.from({ length: REWRITE }, () => new mongoose.Types.ObjectId());
  let started = process.hrtime.bigint();
  const fresh = db.collection('rewrite_fresh');
  for (let offset = 0; offset < REWRITE; offset += 1000) {
    const batch = [];
    for (let i = offset; i < Math.min(REWRITE, offset + 1000); i += 1) batch.push(doc(i, ids));
    await fresh.insertMany(batch, { ordered: false });
  }
  const insertRate = REWRITE / seconds(started);
  progress(`inserted ${REWRITE} into a fresh collection; upserting`);
  // The same documents again, each upserted by _id into the now full collection, one at a time
  // (SQLite takes one writer at a time anyway; FerretDB runs a bulk write's updates one by one, and
  // much slower as the batch grows: 38 ms each at 100).
  started = process.hrtime.bigint();
  const deadline = Date.now() + MAX_SECONDS * 2000;
  let next = 0;
  let written = 0;
  while (next < REWRITE && Date.now() < deadline) {
    const i = next++;
    const { _id, ...fields } = doc(i, ids);
    await fresh.updateOne({ _id }, { $set: { ...fields, n: -i } }, { upsert: true });
    written += 1;
  }
  return { insertRate, upsertRate: written / seconds(started), upserted: written };
}

runBench('point', async ({ database }) => {
  const connection = await mongoose.createConnection(database.uri, { dbName: 'bench_point' }).asPromise();
  const measured = await measure(connection);
  const rewritten = await rewrite(connection.db);
  console.log(`point queries: ${SMALL} vs ${LARGE} one-kilobyte documents, ${engineLabel}`);
  for (const [name, label] of [['findById', 'findOne by _id'], ['findByResident', 'find by indexed residentId (10 documents)'], ['updateById', 'updateOne by _id'], ['byIdsIn', `${BY_IDS} documents by id, one $in`], ['byIdsPoint', `${BY_IDS} documents by id, point queries (findByIds)`]]) {
    const { small, large, runs } = measured[name];
    console.log(`  ${label}: ${small.toFixed(2)} ms at ${SMALL}, ${large.toFixed(2)} ms at ${LARGE} (medians of ${runs} each, alternating); ratio ${(large / small).toFixed(2)}`);
  }
  console.log(`  plan of a findOne by _id at ${LARGE}: ${measured.plan}`);
  console.log(`  rewriting ${REWRITE} documents: insert into a fresh collection ${rewritten.insertRate.toFixed(0)}/s; upsert by _id in place ${rewritten.upsertRate.toFixed(0)}/s (${rewritten.upserted} upserted)`);
});
