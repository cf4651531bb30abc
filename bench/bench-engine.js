// The embedded database a benchmark runs on: BENCH_ENGINE=postgresql (the default) or sqlite.
// `npm run bench` runs every benchmark once per engine in BENCH_ENGINES (default both).
const path = require('node:path');
const { startEmbeddedDatabase } = require(path.join(__dirname, '..', 'server', 'dist', 'db/embedded-database.js'));

const engine = process.env.BENCH_ENGINE === 'sqlite' ? 'sqlite' : 'postgresql';
const engineLabel = `embedded FerretDB on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`;

/** Durable like a development start (fsync on), quiet. */
function startBenchDatabase(dataDir) {
  return startEmbeddedDatabase({ dataDir, engine, onLog: () => {} });
}

module.exports = { engine, engineLabel, startBenchDatabase };
