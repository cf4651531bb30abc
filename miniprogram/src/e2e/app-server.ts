import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPOSITORY_DIR } from './taro-build';

export interface RunningServer {
  baseUrl: string;
  /** The database the server works in, so a test can check what was stored (null: its own embedded one). */
  database: { uri: string; name: string } | null;
  /** The secret the order system signs webhooks with. */
  orderWebhookSecret: string;
  stop: () => Promise<void>;
  output: () => string;
}

const ORDER_WEBHOOK_SECRET = 'e2e-order-webhook-secret-0123456789';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real server as a child process on 127.0.0.1, seeded with the demo chain in a database of its
 * own (on the jest run's embedded FerretDB when there is one), serving the H5 build at /h5. No
 * H5_BASE_URL: the links it hands out must follow the port it really listens on.
 */
export async function startAppServer(h5Dir: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-e2e-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    H5_DIST_DIR: h5Dir,
    RATE_LIMIT_MAX: '100000',
    RATE_LIMITS: JSON.stringify({ login: { max: 100000 }, scan: { max: 100000 } }),
    SEED_DEMO_DATA: 'true',
    ORDER_WEBHOOK_SECRET,
    ...extraEnv,
  };
  let database: RunningServer['database'] = null;
  if (process.env.TEST_MONGODB_URI) {
    database = { uri: process.env.TEST_MONGODB_URI, name: `e2e_${process.pid}_${Date.now()}` };
    env.MONGODB_URI = database.uri;
    env.MONGODB_DB_NAME = database.name;
  }
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(REPOSITORY_DIR, 'server', 'dist', 'main.js')], { cwd: REPOSITORY_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  // Seeding three months of demo orders takes half a minute on an idle machine, minutes on a busy one.
  const deadline = Date.now() + 360_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    const ready = await fetch(`${baseUrl}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { baseUrl, database, orderWebhookSecret: ORDER_WEBHOOK_SECRET, stop, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stop();
  throw new Error(`server did not become ready:\n${output.slice(-3000)}`);
}
