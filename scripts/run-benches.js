// `npm run bench [-- name ...]`: runs bench/<name>.bench.js (all of them without names), one after another.
const { readdirSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const directory = path.join(__dirname, '..', 'bench');
const all = readdirSync(directory).filter((file) => file.endsWith('.bench.js')).map((file) => file.replace(/\.bench\.js$/, ''));
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`no benchmark named ${name}; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`== bench ${name}`);
  const result = spawnSync(process.execPath, [path.join(directory, `${name}.bench.js`)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
