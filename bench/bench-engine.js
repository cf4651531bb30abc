// The embedded database a benchmark runs on: BENCH_ENGINE=postgresql (the default) or sqlite.
// `npm run bench` runs every benchmark once per engine in BENCH_ENGINES (default both).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const mongoose = require('mongoose');
const dist = path.join(__dirname, '..', 'server', 'dist');
const { startEmbeddedDatabase } = require(path.join(dist, 'db/embedded-database.js'));
const { loadConfig } = require(path.join(dist, 'config/config.js'));

const engine = process.env.BENCH_ENGINE === 'sqlite' ? 'sqlite' : 'postgresql';
const engineLabel = `embedded FerretDB on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`;

/** Extra PostgreSQL settings for an experiment, e.g. BENCH_PG_SETTINGS=synchronous_commit=off,work_mem=64MB. */
const postgresSettings = (process.env.BENCH_PG_SETTINGS ?? '').split(',').filter(Boolean);

/** Durable like a development start (fsync on), quiet. */
function startBenchDatabase(dataDir) {
  return startEmbeddedDatabase({ dataDir, engine, postgresSettings, onLog: () => {} });
}

const UNLIMITED = { max: 100_000_000 };

/**
 * A test-mode server config with every rate limiter lifted: a benchmark sends from one address
 * far faster than any person, and measures the work behind the limiter, not its refusals.
 */
function benchConfig(extra = {}) {
  const limits = { login: UNLIMITED, scan: UNLIMITED, inviteAccept: UNLIMITED, bindEntry: UNLIMITED, bot: UNLIMITED };
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: String(UNLIMITED.max), RATE_LIMITS: JSON.stringify(limits), ...extra });
}

/**
 * Runs one benchmark on a fresh embedded database in a temporary folder, then always disconnects,
 * stops the database and removes the folder; exits 0 when done (the bot and server may leave
 * timers behind) and 1 with the error on failure.
 */
function runBench(name, body) {
  const run = async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), `o2o-bench-${name}-`));
    const database = await startBenchDatabase(path.join(dataDir, 'db'));
    try {
      await body({ database, dataDir });
    } finally {
      await mongoose.disconnect().catch(() => {});
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  run().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { engine, engineLabel, startBenchDatabase, benchConfig, runBench };
