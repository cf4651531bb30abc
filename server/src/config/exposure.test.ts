import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, isLoopbackHost, loadConfig, REPOSITORY_ROOT } from './config';

const OWN_SECRETS = {
  SCENE_SECRET: 'a-scene-secret-of-our-own-123',
  SESSION_SECRET: 'a-session-secret-of-our-own-123',
  ORDER_WEBHOOK_SECRET: 'an-order-webhook-secret-of-our-own',
  BOT_API_TOKEN: 'a-bot-token-of-our-own-1234567890',
  DEV_LOGIN: 'false',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.variable).sort();
  }
}

describe('development secrets on a network address', () => {
  it('are refused whatever NODE_ENV says, each variable named', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(problemsOf({ NODE_ENV, HOST: '0.0.0.0' })).toEqual(['BOT_API_TOKEN', 'DEV_LOGIN', 'ORDER_WEBHOOK_SECRET', 'SCENE_SECRET', 'SESSION_SECRET']);
      expect(problemsOf({ NODE_ENV, HOST: '192.168.1.20', ...OWN_SECRETS, ORDER_WEBHOOK_SECRET: '' })).toEqual(['ORDER_WEBHOOK_SECRET']);
      expect(problemsOf({ NODE_ENV, HOST: '::', ...OWN_SECRETS, DEV_LOGIN: 'true' })).toEqual(['DEV_LOGIN']);
    }
    expect(problemsOf({ HOST: '0.0.0.0', ...OWN_SECRETS })).toEqual([]);
    expect(problemsOf({ HOST: '127.0.0.1' })).toEqual([]);
  });

  it('refuses the public development values in production even on loopback', () => {
    const production = { NODE_ENV: 'production', WECHAT_APPID: 'wx1234567890abcdef', WECHAT_SECRET: 'wechat-secret-1234', ...OWN_SECRETS, DEV_LOGIN: '' };
    expect(problemsOf(production)).toEqual([]);
    expect(problemsOf({ ...production, SESSION_SECRET: 'development-session-secret-change-me' })).toEqual(['SESSION_SECRET']);
  });

  it('tells loopback from network addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.20', 'api.example.com', '128.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });
});

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

describe('the server process', () => {
  it('exits non-zero naming the variables instead of listening on 0.0.0.0 with development secrets', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(REPOSITORY_ROOT, 'server', 'dist', 'main.js')], {
      cwd: REPOSITORY_ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'development', HOST: '0.0.0.0', PORT: String(port), MONGODB_URI: process.env.TEST_MONGODB_URI, MONGODB_DB_NAME: `exposure_${process.pid}`, SEED_DEMO_DATA: 'false', JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Whichever comes first: the process exits, or it answers HTTP (the defect).
    const answered = (async () => {
      for (;;) {
        if (child.exitCode !== null) return false;
        if (await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false)) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const first = await Promise.race([exited.then(() => 'exited' as const), answered.then((served) => (served ? 'served' as const : 'exited' as const))]);
    if (first === 'served') child.kill('SIGKILL');
    const code = await exited;
    expect(first).toBe('exited');
    expect(code).toBe(1);
    expect(output).toMatch(/SCENE_SECRET: HOST=0\.0\.0\.0 is reachable from the network/);
    expect(output).toMatch(/DEV_LOGIN/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 60_000);
});
