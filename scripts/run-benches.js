// `npm run bench [-- name ...]`: runs bench/<name>.bench.js (all of them without names), one after another,
// once per embedded database engine in BENCH_ENGINES (default `postgresql,sqlite`: the default and the
// previous SQLite backend, in the same run, so their figures compare).
const { readdirSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const directory = path.join(__dirname, '..', 'bench');
const all = readdirSync(directory).filter((file) => file.endsWith('.bench.js')).map((file) => file.replace(/\.bench\.js$/, ''));
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
const engines = (process.env.BENCH_ENGINES ?? 'postgresql,sqlite').split(',').map((engine) => engine.trim()).filter(Boolean);
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`no benchmark named ${name}; have: ${all.join(', ')}`);
    process.exit(2);
  }
}
const failed = [];
for (const name of chosen) {
  for (const engine of engines) {
    console.log(`== bench ${name} (${engine})`);
    const result = spawnSync(process.execPath, [path.join(directory, `${name}.bench.js`)], { stdio: 'inherit', env: { ...process.env, BENCH_ENGINE: engine } });
    if (result.status !== 0) failed.push(`${name} (${engine})`);
  }
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
