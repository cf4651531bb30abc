import request from 'supertest';
import mongoose from 'mongoose';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';

// A file of its own: the counters live in this file's database, untouched by other tests.
useTestDatabase();

describe('rate limiting', () => {
  it('429 past the limit, counted in the database so two app instances share it', async () => {
    const env = { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' };
    const first = createTestApp({ env });
    const second = createTestApp({ env });
    const statuses = [];
    for (const instance of [first, second, first, second]) {
      statuses.push((await request(instance).get('/openapi.json')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await request(first).get('/openapi.json');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await mongoose.connection.db!.collection('rate_limit_slots').countDocuments()).toBe(4);
  });

  it('holds the limit under concurrent requests', async () => {
    const app = createTestApp({ env: { RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    await mongoose.connection.db!.collection('rate_limit_slots').deleteMany({});
    const statuses = await Promise.all(Array.from({ length: 30 }, () => request(app).get('/openapi.json').then((response) => response.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });
});
