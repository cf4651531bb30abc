import request from 'supertest';
import mongoose from 'mongoose';
import { createTestApplication as buildTestApplication, type TestAppOptions } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';
import { RATE_LIMIT_COLLECTION } from './rate-limit-store';

// A file of its own: the counters live in this file's database, untouched by other tests.
useTestDatabase();

const BOT_TOKEN = 'rate-limit-test-bot-token-0123456789';
const windows = () => mongoose.connection.db!.collection(RATE_LIMIT_COLLECTION);

// Every application a test builds is shut down after it: a limiter left running would keep
// syncing its counts into the next test's collection.
const built: ReturnType<typeof buildTestApplication>[] = [];
function createTestApplication(options: TestAppOptions) {
  const application = buildTestApplication(options);
  built.push(application);
  return application;
}
const createTestApp = (options: TestAppOptions) => createTestApplication(options).app;

afterEach(async () => {
  for (const application of built.splice(0)) {
    application.rateLimits.shutdown();
    await application.rateLimits.sync();
  }
  await windows().deleteMany({});
});

describe('rate limiting', () => {
  it('429 past the limit with Retry-After and a Chinese message; two app instances share the count', async () => {
    const env = { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '3600' };
    const firstApplication = createTestApplication({ env });
    const secondApplication = createTestApplication({ env });
    const [first, second] = [firstApplication.app, secondApplication.app];
    const statuses = [];
    for (const instance of [first, first]) statuses.push((await request(instance).get('/openapi.json')).status);
    await firstApplication.rateLimits.sync();
    await secondApplication.rateLimits.sync();
    for (const instance of [second, second]) statuses.push((await request(instance).get('/openapi.json')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const limited = await request(second).get('/openapi.json');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limiter: 'api' } });
    expect(limited.body.error.message).toMatch(/^请求太频繁，请 \d+ (秒|分钟)后再试$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-limit']).toBe('3');
  });

  it('holds the limit exactly under concurrent requests to one instance', async () => {
    const app = createTestApp({ env: { RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    const statuses = await Promise.all(Array.from({ length: 30 }, () => request(app).get('/openapi.json').then((response) => response.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });

  it('stores a few documents per limiter and instance, never one per request', async () => {
    const { app, rateLimits } = createTestApplication({ env: { RATE_LIMIT_MAX: '100000' } });
    await Promise.all(Array.from({ length: 200 }, () => request(app).get('/no-such-page').expect(404)));
    await rateLimits.sync();
    const documents = await windows().find().toArray();
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ prefix: 'api', hits: [{ key: expect.any(String), hits: 200 }] });
  });

  it('never limits the probes', async () => {
    const app = createTestApp({ env: { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    await request(app).get('/openapi.json').expect(200);
    await request(app).get('/openapi.json').expect(429);
    const probes = await Promise.all(Array.from({ length: 5 }, () => request(app).get('/healthz')));
    expect(probes.map((probe) => probe.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('knows the bot by its token: its own limit, unaffected by residents on the same IP; a wrong token counts as the IP', async () => {
    const app = createTestApp({ env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_SECONDS: '3600', BOT_API_TOKEN: BOT_TOKEN, RATE_LIMITS: '{"bot":{"max":5,"windowSeconds":3600}}' } });
    await request(app).get('/openapi.json').expect(200);
    await request(app).get('/openapi.json').expect(200);
    await request(app).get('/openapi.json').expect(429);
    const asBot = { authorization: `Bearer ${BOT_TOKEN}` };
    const bot = [];
    for (let i = 0; i < 6; i += 1) bot.push((await request(app).get('/groups/bot/deliveries').set(asBot)).status);
    expect(bot).toEqual([200, 200, 200, 200, 200, 429]);
    const impostor = await request(app).get('/groups/bot/deliveries').set({ authorization: 'Bearer not-the-bot-token-000000000' });
    expect(impostor.status).toBe(429);
    expect(impostor.body.error.details.limiter).toBe('api');
  });
});

describe('stricter limits', () => {
  const strict = { RATE_LIMIT_MAX: '100000', BOT_API_TOKEN: BOT_TOKEN, RATE_LIMITS: '{"login":{"max":3},"scan":{"max":2},"inviteAccept":{"max":2},"bindEntry":{"max":2}}' };

  it('limit logins, scans and invite acceptance per IP, each with its own message', async () => {
    const app = createTestApp({ env: strict });
    const logins = [];
    for (let i = 0; i < 4; i += 1) logins.push((await request(app).post('/auth/wechat-login').send({ code: `dev:limited-${i}` })).status);
    expect(logins).toEqual([200, 200, 200, 429]);
    const refused = await request(app).post('/auth/wechat-login').send({ code: 'dev:limited-9' });
    expect(refused.body.error.message).toMatch(/^登录太频繁，请 \d+ (秒|分钟)后再试$/);

    const scans = [];
    for (let i = 0; i < 3; i += 1) scans.push((await request(app).post('/scans').send({ scene: 'c.abcdefgh.0123456789' })).status);
    expect(scans).toEqual([200, 200, 429]);

    const accepts = [];
    for (let i = 0; i < 3; i += 1) accepts.push((await request(app).post('/staff/invites/accept').send({ inviteCode: `unknown-code-${i}`, code: 'dev:someone' })).status);
    expect(accepts).toEqual([409, 409, 429]);
    // Other endpoints are under the general limit only.
    await request(app).get('/openapi.json').expect(200);
  });

  it('limit bind-code entry per WeChat account the bot relays, not per bot', async () => {
    const app = createTestApp({ env: strict });
    const asBot = { authorization: `Bearer ${BOT_TOKEN}` };
    const enter = (wxid: string) => request(app).post('/groups/bot/bind').set(asBot).send({ code: '123456789012', wxid, name: '某人', roomId: null, topic: null });
    const first = [];
    for (let i = 0; i < 3; i += 1) first.push((await enter('wx-a')).status);
    expect(first).toEqual([404, 404, 429]);
    expect((await enter('wx-b')).status).toBe(404);
  });
});
