// Contract fuzz of the whole API from its own /openapi.json with Schemathesis (PyPI): the real server
// (built `server/dist`, embedded database, demo chain) on 127.0.0.1 with a fake WeChat on 127.0.0.1,
// fuzzed as an admin, as a resident and as the group bot. It fails on any 5xx, any response whose
// status, content type, headers or body are outside the declared schema, any undeclared method
// answered with something else than 405, and any `$ref` that does not resolve.
//
// Usage:  node scripts/contract-fuzz.js            short bounded run (CI: a few examples per operation)
//         node scripts/contract-fuzz.js --long     the long run: many examples, the stateful phase, no time budget
// Needs `st` (Schemathesis): CONTRACT_FUZZ_ST, else ~/.cache/o2o-community-ops/contract-venv/bin/st
// (.ci/run installs it there), else `st` on PATH. Writes JUnit reports and a summary to
// .artifacts/contract-fuzz/.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const long = process.argv.includes('--long');
const artifacts = path.join(root, '.artifacts', 'contract-fuzz');
const cacheDir = process.env.O2O_CACHE_DIR || path.join(os.homedir(), '.cache', 'o2o-community-ops');
const BOT_TOKEN = 'contract-fuzz-bot-token-0123456789abcdef';

function findSchemathesis() {
  const candidates = [process.env.CONTRACT_FUZZ_ST, path.join(cacheDir, 'contract-venv', 'bin', 'st')].filter(Boolean);
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  const onPath = spawnSync('sh', ['-c', 'command -v st'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  throw new Error('Schemathesis (st) not found: pip install schemathesis into ~/.cache/o2o-community-ops/contract-venv, or set CONTRACT_FUZZ_ST');
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Every `$ref` in the document, and those that do not resolve inside it. */
function danglingReferences(document) {
  const dangling = [];
  const stack = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (typeof node.$ref === 'string') {
      let target = document;
      for (const part of node.$ref.replace(/^#\//, '').split('/')) target = target && typeof target === 'object' ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      if (!node.$ref.startsWith('#/') || target === undefined) dangling.push(node.$ref);
    }
    stack.push(...Object.values(node));
  }
  return dangling;
}

async function startServer(wechatUrl) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'o2o-contract-fuzz-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    O2O_CACHE_DIR: process.env.O2O_CACHE_DIR,
    FERRETDB_BIN: process.env.FERRETDB_BIN,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'true',
    JOBS_ENABLED: 'false',
    DEV_LOGIN: 'true',
    WECHAT_APPID: 'wx-test-appid',
    WECHAT_SECRET: 'test-secret',
    WECHAT_API_BASE_URL: wechatUrl,
    BOT_API_TOKEN: BOT_TOKEN,
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMITS: JSON.stringify(Object.fromEntries(['bot', 'login', 'scan', 'inviteAccept', 'bindEntry'].map((name) => [name, { max: 100000000 }]))),
    H5_BASE_URL: `http://127.0.0.1:${port}/h5`,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'server', 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    if (await fetch(`${baseUrl}/readyz`).then((response) => response.ok, () => false)) return { baseUrl, stop, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`server did not become ready:\n${output.slice(-3000)}`);
}

async function post(baseUrl, url, body, token) {
  const response = await fetch(baseUrl + url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Runs `st` as a child without blocking this process, which also serves the fake WeChat. */
function runSchemathesis(st, name, baseUrl, token, filters) {
  const checks = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance', 'unsupported_method'];
  const args = [
    'run', `${baseUrl}/openapi.json`,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', checks.join(','),
    '--max-examples', long ? '100' : '2',
    '--phases', long ? 'examples,coverage,fuzzing,stateful' : 'coverage,fuzzing',
    // One worker: Hypothesis parses lambdas with ast in each thread, which CPython 3.11 does not make thread-safe.
    '--workers', '1',
    '--seed', process.env.CONTRACT_FUZZ_SEED ?? '20260412',
    '--request-timeout', '60',
    '--no-color',
    '--warnings', 'off',
    '--report', 'junit',
    '--report-junit-path', path.join(artifacts, `${name}.junit.xml`),
    ...(long ? [] : ['--max-time', process.env.CONTRACT_FUZZ_MAX_SECONDS ?? '240']),
    ...filters,
  ];
  console.log(`\n== contract fuzz as ${name}: st ${args.filter((arg) => !arg.startsWith('Authorization')).join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(st, args, { cwd: root, stdio: 'inherit' });
    child.once('error', (error) => {
      console.error(error);
      resolve(false);
    });
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const st = findSchemathesis();
  const { startFakeWechatServer } = require(path.join(root, 'server', 'dist', 'testing', 'fake-wechat-server.js'));
  const wechat = await startFakeWechatServer({ appId: 'wx-test-appid', appSecret: 'test-secret' });
  let server;
  const results = [];
  try {
    server = await startServer(wechat.url);
    const document = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
    const dangling = danglingReferences(document);
    results.push({ name: 'references', passed: dangling.length === 0 });
    if (dangling.length > 0) console.log(`unresolvable references in /openapi.json: ${[...new Set(dangling)].join(', ')}`);

    const admin = await post(server.baseUrl, '/auth/wechat-login', { code: 'dev:admin' });
    const resident = await post(server.baseUrl, '/auth/wechat-login', { code: 'dev:contract-fuzz-resident' });
    const choices = await (await fetch(`${server.baseUrl}/stores`)).json();
    const communities = await (await fetch(`${server.baseUrl}/stores/${choices[0].id}/community-choices`)).json();
    await post(server.baseUrl, '/residents/me/sign-up', { communityId: communities[0].id }, resident.token);

    const botPaths = '^/groups/bot/';
    const residentPaths = '^/(residents/me|me/|points/me|tasks/me|tasks/events|rewards|invites/me|orders/me|scans|groups/identity-codes|auth/|content/)';
    results.push({ name: 'admin', passed: await runSchemathesis(st, 'admin', server.baseUrl, admin.token, ['--exclude-path-regex', botPaths]) });
    results.push({ name: 'resident', passed: await runSchemathesis(st, 'resident', server.baseUrl, resident.token, ['--include-path-regex', residentPaths]) });
    results.push({ name: 'bot', passed: await runSchemathesis(st, 'bot', server.baseUrl, BOT_TOKEN, ['--include-path-regex', botPaths]) });
  } finally {
    await server?.stop();
    await wechat.close();
  }
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed;
  writeFileSync(path.join(artifacts, 'summary.json'), JSON.stringify({ long, results, passed, failed }, null, 2));
  console.log(`\ncontract fuzz: ${results.map((result) => `${result.name} ${result.passed ? 'passed' : 'FAILED'}`).join(', ')}`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  writeFileSync(path.join(artifacts, 'summary.json'), JSON.stringify({ long, results: [{ name: 'setup', passed: false, error: String(error) }], passed: 0, failed: 1 }, null, 2));
  process.exit(1);
});
