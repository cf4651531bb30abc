import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { startEmbeddedDatabase } from '../../db/embedded-database';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
jest.setTimeout(60_000);

describe('health endpoints', () => {
  it('healthz and readyz answer 200 while the database is up', async () => {
    const app = createTestApp();
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok', database: 'external' });
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: 'up' });
  });

  it('readyz answers 503 when the database goes down, while healthz stays 200', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-readyz-'));
    const database = await startEmbeddedDatabase({ dataDir, onLog: () => undefined });
    const connection = await mongoose
      .createConnection(database.uri, { dbName: 'readyz', serverSelectionTimeoutMS: 1000 })
      .asPromise();
    try {
      const app = createTestApp({ connection });
      expect((await request(app).get('/readyz')).status).toBe(200);
      await database.stop();
      const down = await request(app).get('/readyz');
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect((await request(app).get('/healthz')).status).toBe(200);
    } finally {
      await connection.close(true);
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
