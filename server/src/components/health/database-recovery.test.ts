import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { connectDatabase } from '../../db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase, type EmbeddedDatabaseState } from '../../db/embedded-database';
import { ResidentModel } from '../residents/resident.model';
import { createTestApp } from '../../testing/test-app';

jest.setTimeout(300_000);

function reached(database: EmbeddedDatabase, state: EmbeddedDatabaseState): Promise<number> {
  return new Promise((resolve) => {
    const off = database.onStateChange((next) => {
      if (next !== state) return;
      off();
      resolve(Date.now());
    });
  });
}

describe('when the embedded database dies mid-burst', () => {
  let dataDir: string;
  let database: EmbeddedDatabase;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-recovery-'));
    database = await startEmbeddedDatabase({ dataDir, durable: false, onLog: () => undefined, restart: { backoffMs: 100 } });
    await connectDatabase(database.uri, 'recovery', 10_000);
  });
  afterEach(async () => {
    await mongoose.disconnect();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['PostgreSQL', () => database.postgresPid()!],
    ['FerretDB', () => database.pid],
  ])('when %s is killed, then the server serves again within 30 s, /healthz stays up, and every accepted sign-up is stored', async (_name, victim) => {
    const app = createTestApp({ embeddedDatabase: database });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // The burst goes on until 20 sign-ups were accepted after the kill, or three minutes have
      // passed: only a bound on the test. What is promised (back within 30 s of the kill, serving
      // within 30 s) is asserted below; on a CI machine busy with H5 builds the 20 sign-ups
      // before and after the kill alone took over a minute (2 of 20 accepted after it at 60 s).
      const giveUpAt = Date.now() + 180_000;
      const accepted: string[] = [];
      const rejected: number[] = [];
      const healthStatuses = new Set<number>();
      let next = 0;
      let killedAt = 0;
      let firstAcceptedAfterKill = 0;
      let acceptedAfterKill = 0;
      const restarting = reached(database, 'restarting');
      const running = reached(database, 'running');

      const worker = async (): Promise<void> => {
        while (acceptedAfterKill < 20 && Date.now() < giveUpAt) {
          const name = `burst-${next++}`;
          const response = await fetch(`${base}/auth/wechat-login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code: `dev:${name}` }),
          });
          await response.arrayBuffer();
          if (response.ok) {
            accepted.push(name);
            if (killedAt) acceptedAfterKill += 1;
            if (killedAt && !firstAcceptedAfterKill) firstAcceptedAfterKill = Date.now();
          } else {
            rejected.push(response.status);
            // A client retrying after an error paces itself.
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          if (accepted.length === 20 && !killedAt) {
            killedAt = Date.now();
            process.kill(victim(), 'SIGKILL');
          }
        }
      };
      let bursting = true;
      const healthPoller = (async () => {
        while (bursting) {
          const response = await fetch(`${base}/healthz`);
          healthStatuses.add(response.status);
          await response.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await Promise.all(Array.from({ length: 8 }, worker));
      bursting = false;
      await healthPoller;

      expect(killedAt).toBeGreaterThan(0);
      await restarting;
      const runningAt = await running;
      expect(runningAt - killedAt).toBeLessThan(30_000);
      expect(acceptedAfterKill).toBeGreaterThanOrEqual(20);
      expect(firstAcceptedAfterKill - killedAt).toBeLessThan(30_000);
      expect([...healthStatuses]).toEqual([200]);
      expect(rejected.every((status) => status >= 500)).toBe(true);

      const stored = await ResidentModel.find({ openid: { $in: accepted.map((name) => `dev:${name}`) } }, { openid: 1 }).lean();
      expect(stored.map((resident) => resident.openid).sort()).toEqual(accepted.map((name) => `dev:${name}`).sort());
      expect((await request(app).get('/readyz')).status).toBe(200);
      expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok', database: 'running' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('/healthz', () => {
  it('when the embedded database has failed for good, then liveness answers 503 and readiness too', async () => {
    const app = createTestApp({ embeddedDatabase: { state: 'failed' } });
    const live = await request(app).get('/healthz');
    expect(live.status).toBe(503);
    expect(live.body.error.code).toBe('DATABASE_FAILED');
    expect(live.body.error.message).toMatch(/重启服务/);
    expect((await request(app).get('/readyz')).status).toBe(503);
  });

  it('when the embedded database is restarting, then the server is alive but not ready', async () => {
    const app = createTestApp({ embeddedDatabase: { state: 'restarting' } });
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok', database: 'restarting' });
    expect((await request(app).get('/readyz')).status).toBe(503);
  });
});
