// `npm start`: the whole system on embedded defaults. Builds the mini-program's H5 version when it
// is missing or older than its sources, starts the server (embedded database, demo data, jobs, H5
// at /h5), waits until it is ready, then starts the community-group bot (mock puppet by default).
// SIGINT/SIGTERM stop both; if either exits, the other is stopped too.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT || '3000';
const serverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target)
    .filter((entry) => entry !== 'node_modules' && entry !== 'dist' && !entry.endsWith('.test.ts'))
    .reduce((latest, entry) => Math.max(latest, newest(path.join(target, entry))), stat.mtimeMs);
}

function ensureH5() {
  if (process.env.SKIP_H5_BUILD === 'true') return;
  const marker = path.join(root, 'miniprogram', 'dist', 'h5', 'index.html');
  const sources = ['miniprogram/src', 'miniprogram/config', 'shared/src'].map((dir) => newest(path.join(root, dir)));
  if (existsSync(marker) && statSync(marker).mtimeMs > Math.max(...sources)) return;
  console.log('[start] building the mini-program for H5 (about a minute)');
  const result = spawnSync('npm', ['run', 'build:h5', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) console.error('[start] the H5 build failed; the API still starts, /h5 will be missing');
}

async function waitReady(child) {
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${serverUrl}/readyz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function main() {
  ensureH5();
  const children = [];
  let stopping = false;
  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 200).unref();
  };
  const launch = (name, script, env) => {
    const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
    children.push(child);
    child.on('exit', (code) => {
      if (!stopping) console.error(`[start] ${name} exited (${code}); stopping`);
      const others = children.filter((other) => other !== child && other.exitCode === null);
      if (others.length === 0) process.exit(code ?? 0);
      stopAll(code ?? 1);
    });
    return child;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(0));

  const server = launch('server', path.join(root, 'server', 'dist', 'main.js'), {});
  if (!(await waitReady(server))) return;
  console.log(`[start] server ready at ${serverUrl} (API), ${serverUrl}/h5/ (mini-program H5), ${serverUrl}/openapi.json`);
  const bot = path.join(root, 'bot', 'dist', 'main.js');
  if (process.env.START_BOT !== 'false' && existsSync(bot)) {
    launch('bot', bot, { BOT_SERVER_URL: process.env.BOT_SERVER_URL || serverUrl });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
