import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../seed/demo-data';
import { bearer, login } from '../testing/api-helpers';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';
import { CommunityModel } from '../components/organisation/organisation.model';
import { ResidentModel } from '../components/residents/resident.model';

// Holes found by fuzzing the API from its own OpenAPI document (issue 12, item 11).
useTestDatabase();
const app = createTestApp();
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  await seedDemoData();
  admin = await login(app, DEMO_LOGINS.admin);
});

describe('text that is not well-formed Unicode', () => {
  it('is refused with the field path instead of being stored with U+FFFD', async () => {
    const resident = await login(app, 'dev:surrogate-resident');
    const community = (await CommunityModel.findOne().lean())!;
    const response = await request(app)
      .post('/residents/me/sign-up')
      .set(bearer(resident))
      .set('content-type', 'application/json')
      .send(`{"communityId":"${community._id}","nickname":"小\\ud83d王"}`);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'body.nickname', message: 'lone UTF-16 surrogate' }]);
    expect(response.body.error.message).toMatch(/无法识别的字符/);
    expect((await ResidentModel.findById(resident.residentId).lean())!.nickname ?? null).toBeNull();

    // A whole emoji (a surrogate pair) is fine.
    const ok = await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community._id), nickname: '小😀王' });
    expect(ok.status).toBe(200);
    expect((await ResidentModel.findById(resident.residentId).lean())!.nickname).toBe('小😀王');
  });
});

describe('methods a path does not have', () => {
  it('answer 405 with Allow, and unknown paths 404', async () => {
    const trace = await request(app).trace('/stores');
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe('GET, POST, HEAD');
    const deleted = await request(app).delete(`/stores/${admin.staff!.storeId ?? '000000000000000000000000'}`).set(bearer(admin));
    expect(deleted.status).toBe(405);
    expect((await request(app).get('/no-such-thing')).status).toBe(404);
  });
});

describe('maxLength is checked on what was sent, before trimming', () => {
  it('PUT /labels/scenarios/:key refuses a 31-character name even when spaces pad it', async () => {
    const padded = await request(app).put('/labels/scenarios/padded_name').set(bearer(admin)).send({ name: `${'名'.repeat(29)}  ` });
    expect(padded.status).toBe(400);
    expect(padded.body.error.details[0].path).toBe('body.name');
    const trimmed = await request(app).put('/labels/scenarios/padded_name').set(bearer(admin)).send({ name: '  首单转化  ' });
    expect(trimmed.status).toBe(200);
    expect(trimmed.body.name).toBe('首单转化');
  });
});

describe('the OpenAPI document says what the routes answer', () => {
  it('declares PNG for code images, 404 where a path names something, 413/415 where a body is read, 502/503 for WeChat sign-in', async () => {
    const document = (await request(app).get('/openapi.json')).body;
    const image = document.paths['/codes/{codeId}/image'].get.responses['200'];
    expect(Object.keys(image.content)).toEqual(['image/png']);
    expect(document.paths['/communities/{communityId}/sections'].get.responses['404']).toBeDefined();
    expect(document.paths['/communities/{communityId}/sections'].post.responses['415']).toBeDefined();
    expect(document.paths['/staff/invites/accept'].post.responses['503']).toBeDefined();
  });

  it('answers a non-dev login code under dev login with 400, not 503', async () => {
    const login = await request(app).post('/auth/wechat-login').send({ code: 'not-a-dev-code' });
    expect(login.status).toBe(400);
    expect(login.body.error.code).toBe('LOGIN_CODE_INVALID');
    const accept = await request(app).post('/staff/invites/accept').send({ code: 'not-a-dev-code', inviteCode: '00000000' });
    expect(accept.status).toBe(400);
  });
});
