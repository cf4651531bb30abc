import request from 'supertest';
import { seedDemoData } from '../../seed/demo-data';
import { startFakeWechatServer, type FakeWechatServer } from '../../testing/fake-wechat-server';
import { bearer } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { SessionModel, WechatSessionKeyModel } from './session.model';

useTestDatabase();

let fake: FakeWechatServer;
let app: ReturnType<typeof createTestApp>;

beforeAll(async () => {
  fake = await startFakeWechatServer();
  app = createTestApp({
    env: { WECHAT_APPID: fake.appId, WECHAT_SECRET: fake.appSecret, WECHAT_API_BASE_URL: fake.url, WECHAT_TIMEOUT_MS: '2000' },
  });
  await seedDemoData();
});
afterAll(async () => {
  await fake.close();
});

describe('WeChat login through code2Session', () => {
  it('creates the resident by openid, keeps the unionid, and never returns the session_key', async () => {
    fake.addLoginCode('code-ok-1', { openid: 'o-resident-1', unionid: 'u-resident-1' });
    const response = await request(app).post('/auth/wechat-login').send({ code: 'code-ok-1' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ kind: 'resident', isNewResident: true, needsSignUp: true });
    expect(JSON.stringify(response.body)).not.toMatch(/session_?key/i);
    const resident = await ResidentModel.findOne({ openid: 'o-resident-1' }).lean();
    expect(resident).toMatchObject({ unionid: 'u-resident-1' });
    expect(await WechatSessionKeyModel.countDocuments({ _id: 'o-resident-1' })).toBe(1);
    const stored = await SessionModel.findOne({ residentId: resident!._id }).lean();
    expect(stored!._id).not.toBe(response.body.token); // only a keyed hash of the token is stored
    const me = await request(app).get('/residents/me').set(bearer(response.body));
    expect(me.body.id).toBe(String(resident!._id));
  });

  it.each([
    [40029, 400, 'WECHAT_INVALID_CODE'],
    [40163, 400, 'WECHAT_CODE_USED'],
    [45011, 429, 'WECHAT_RATE_LIMITED'],
  ])('maps WeChat errcode %s to %s %s', async (errcode, status, code) => {
    fake.addLoginCode(`code-err-${errcode}`, { openid: `o-err-${errcode}` });
    fake.failNext('/sns/jscode2session', errcode);
    const response = await request(app).post('/auth/wechat-login').send({ code: `code-err-${errcode}` });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await ResidentModel.countDocuments({ openid: `o-err-${errcode}` })).toBe(0);
  });

  it('retries once when WeChat is busy, then succeeds', async () => {
    fake.addLoginCode('code-busy', { openid: 'o-busy' });
    fake.failNext('/sns/jscode2session', -1);
    const response = await request(app).post('/auth/wechat-login').send({ code: 'code-busy' });
    expect(response.status).toBe(200);
    expect(await ResidentModel.countDocuments({ openid: 'o-busy' })).toBe(1);
  });

  it('answers 502 when WeChat does not answer in time', async () => {
    fake.addLoginCode('code-slow', { openid: 'o-slow' });
    fake.delayNext('/sns/jscode2session', 3000);
    const response = await request(app).post('/auth/wechat-login').send({ code: 'code-slow' });
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('WECHAT_UNAVAILABLE');
    expect(JSON.stringify(response.body)).not.toContain(fake.appSecret);
  });

  it('refuses dev codes when WeChat is configured and dev login is off', async () => {
    const response = await request(app).post('/auth/wechat-login').send({ code: 'dev:mallory' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('WECHAT_INVALID_CODE');
  });

  it("draws a staff member's code image through getwxacodeunlimit", async () => {
    fake.addLoginCode('code-manager', { openid: 'dev:manager-xujiahui' });
    const manager = (await request(app).post('/auth/wechat-login').send({ code: 'code-manager' })).body;
    expect(manager.kind).toBe('staff');
    const codes = (await request(app).get('/codes').set(bearer(manager))).body;
    const image = await request(app).get(`/codes/${codes[0].id}/image`).set(bearer(manager)).buffer(true);
    expect(image.status).toBe(200);
    expect(image.headers['x-code-source']).toBe('wechat');
    expect((image.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    const drawn = fake.requests.filter((entry) => entry.path === '/wxa/getwxacodeunlimit');
    expect(drawn.at(-1)?.body).toMatchObject({ scene: codes[0].scene, page: 'pages/landing/index' });
  });
});

describe('sessions', () => {
  it('logout ends the session', async () => {
    fake.addLoginCode('code-logout', { openid: 'o-logout' });
    const session = (await request(app).post('/auth/wechat-login').send({ code: 'code-logout' })).body;
    expect((await request(app).post('/auth/logout').set(bearer(session))).status).toBe(204);
    const after = await request(app).get('/residents/me').set(bearer(session));
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_EXPIRED');
  });

  it('when a cached caller signs out, then the very next request with that token is refused', async () => {
    fake.addLoginCode('code-logout-cached', { openid: 'o-logout-cached' });
    const session = (await request(app).post('/auth/wechat-login').send({ code: 'code-logout-cached' })).body;
    expect((await request(app).get('/residents/me').set(bearer(session))).status).toBe(200);
    expect((await request(app).get('/residents/me').set(bearer(session))).status).toBe(200);
    expect((await request(app).post('/auth/logout').set(bearer(session))).status).toBe(204);
    expect(await SessionModel.countDocuments({ openid: 'o-logout-cached' })).toBe(0);
    const after = await request(app).get('/residents/me').set(bearer(session));
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_EXPIRED');
  });

  it.each([
    ['5000', 5000],
    ['0', 0],
  ])('when a staff account is stopped in the database with AUTH_CACHE_MS=%s, then it is accepted for that time and refused just after', async (setting, cacheMs) => {
    let clock = Date.now();
    const cachedApp = createTestApp({
      env: { WECHAT_APPID: fake.appId, WECHAT_SECRET: fake.appSecret, WECHAT_API_BASE_URL: fake.url, WECHAT_TIMEOUT_MS: '2000', AUTH_CACHE_MS: setting },
      authClock: () => clock,
    });
    const openid = `o-stopped-staff-${setting}`;
    const staff = await StaffModel.create({ name: '停用测试城市运营', role: 'city_ops', openid });
    fake.addLoginCode(`code-stopped-${setting}`, { openid });
    const session = (await request(cachedApp).post('/auth/wechat-login').send({ code: `code-stopped-${setting}` })).body;
    expect((await request(cachedApp).get('/staff/me').set(bearer(session))).status).toBe(200);

    await StaffModel.updateOne({ _id: staff._id }, { $set: { active: false } });
    if (cacheMs > 0) {
      clock += cacheMs;
      expect((await request(cachedApp).get('/staff/me').set(bearer(session))).status).toBe(200);
      clock += 1;
    }
    const refused = await request(cachedApp).get('/staff/me').set(bearer(session));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('这个工作人员账号已停用，请联系管理员');
  });
});
