import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { TouchModel } from '../acquisition/acquisition.model';
import { ResidentModel } from './resident.model';

useTestDatabase();
const app = createTestApp();

beforeAll(async () => {
  await seedDemo();
});

describe('finishing sign-up', () => {
  it('an organic resident picks a community and gets the nearest store serving it', async () => {
    const resident = await login(app, 'dev:organic-signup');
    const community = await CommunityModel.findOne({ name: '田林十二村' }).lean();
    const response = await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id), nickname: '李阿姨' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ communityId: String(community!._id), nickname: '李阿姨' });
    const stores = (await request(app).get('/stores')).body as { id: string; name: string }[];
    expect(stores.find((store) => store.id === response.body.storeId)?.name).toBe('邻里鲜生·田林店');
    const first = response.body.signedUpAt;
    const again = await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id) });
    expect(again.body.signedUpAt).toBe(first);
    expect((await login(app, 'dev:organic-signup')).needsSignUp).toBe(false);
  });

  it('completing sign-up finishes the newbie task 完成注册 and pays its points once', async () => {
    const resident = await login(app, 'dev:newbie-task');
    const community = await CommunityModel.findOne({ name: '汇翠花园' }).lean();
    await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id) });
    await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id) });
    const tasks = (await request(app).get('/tasks/me').set(bearer(resident))).body;
    const signup = [...tasks.newbie].find((task: { eventType: string }) => task.eventType === 'signup_completed');
    expect(signup).toMatchObject({ state: 'completed', rewardPoints: 20 });
    expect((await request(app).get('/points/me').set(bearer(resident))).body).toMatchObject({ available: 20, pending: 0 });
  });

  it('lists the communities a resident can choose at their store', async () => {
    const stores = (await request(app).get('/stores')).body as { id: string }[];
    const choices = (await request(app).get(`/stores/${stores[0].id}/community-choices`)).body;
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.every((choice: { distanceKm: number }) => choice.distanceKm <= 3)).toBe(true);
  });

  it('rejects an unknown community and a phone code without WeChat', async () => {
    const resident = await login(app, 'dev:typo');
    expect((await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: '0'.repeat(24) })).status).toBe(404);
    const community = await CommunityModel.findOne().lean();
    const phone = await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id), phoneCode: 'abc' });
    expect(phone.status).toBe(503);
    expect((await ResidentModel.findById(resident.residentId).lean())!.communityId ?? null).toBeNull();
  });
});

describe('offline touchpoints', () => {
  it("an advisor records a store visit for their own resident, and not for someone else's", async () => {
    const advisor = await login(app, DEMO_LOGINS.advisors[0]);
    const code = (await request(app).get('/codes?type=advisor_activity').set(bearer(advisor))).body.find((c: { advisorId: string }) => c.advisorId === advisor.staff!.id);
    const resident = await login(app, 'dev:visitor', { scene: code.scene });
    const stranger = await login(app, 'dev:stranger');

    const recorded = await request(app).post(`/residents/${resident.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'store_visit', note: '到店自提' });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ kind: 'offline', offlineKind: 'store_visit', staffId: advisor.staff!.id, isFirstTouch: false });
    expect(await TouchModel.countDocuments({ residentId: resident.residentId, kind: 'offline' })).toBe(1);

    expect((await request(app).post(`/residents/${stranger.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'store_visit' })).status).toBe(403);
    const future = await request(app).post(`/residents/${resident.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'event', at: '2999-01-01T00:00:00Z' });
    expect(future.status).toBe(400);
    const badKind = await request(app).post(`/residents/${resident.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'phone_call' });
    expect(badKind.body.error.details[0].path).toBe('body.kind');
  });
});
