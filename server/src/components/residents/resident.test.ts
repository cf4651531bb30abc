import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { TouchModel } from '../acquisition/acquisition.model';
import { PointEntryModel } from '../points/points.model';
import { ResidentModel } from './resident.model';

useTestDatabase();
jest.setTimeout(60_000);
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

describe('resident search and my touchpoints', () => {
  it('an advisor finds their residents by name, phone tail or building, and sees the touchpoints they recorded', async () => {
    const advisor = await login(app, DEMO_LOGINS.advisors[0]);
    const code = (await request(app).get('/codes?type=advisor_activity').set(bearer(advisor))).body.find((c: { advisorId: string }) => c.advisorId === advisor.staff!.id);
    const first = await login(app, 'dev:search-wang-1', { scene: code.scene });
    const second = await login(app, 'dev:search-wang-2', { scene: code.scene });
    await ResidentModel.updateOne({ _id: first.residentId }, { $set: { nickname: '王阿姨', phone: '13800001234', building: '3 号楼' } });
    await ResidentModel.updateOne({ _id: second.residentId }, { $set: { nickname: '王阿姨', phone: '13900005678', building: '12 号楼' } });
    const other = await login(app, 'dev:search-wang-3');
    await ResidentModel.updateOne({ _id: other.residentId }, { $set: { nickname: '王阿姨', phone: '13700001234' } });

    const byName = await request(app).get('/residents').query({ q: '王阿姨' }).set(bearer(advisor));
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((r: { id: string }) => r.id).sort()).toEqual([first.residentId, second.residentId].map(String).sort());
    const byTail = await request(app).get('/residents').query({ q: '1234' }).set(bearer(advisor));
    expect(byTail.body.items.map((r: { id: string }) => r.id)).toEqual([String(first.residentId)]);
    const byBuilding = await request(app).get('/residents').query({ q: '12 号' }).set(bearer(advisor));
    expect(byBuilding.body.items.map((r: { id: string }) => r.id)).toEqual([String(second.residentId)]);
    const regexLike = await request(app).get('/residents').query({ q: '.*' }).set(bearer(advisor));
    expect(regexLike.body.total).toBe(0);
    const tooLong = await request(app).get('/residents').query({ q: '王'.repeat(31) }).set(bearer(advisor));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/[\u4e00-\u9fff]/);

    await request(app).post(`/residents/${second.residentId}/touchpoints`).set(bearer(advisor)).send({ kind: 'delivery_contact', note: '送货时聊了团购' }).expect(201);
    const mine = await request(app).get('/touchpoints/mine').set(bearer(advisor));
    expect(mine.status).toBe(200);
    expect(mine.body[0]).toMatchObject({ residentId: String(second.residentId), residentName: '王阿姨', residentBuilding: '12 号楼', offlineKind: 'delivery_contact', note: '送货时聊了团购', staffId: advisor.staff!.id });
    expect(mine.body.every((touch: { staffId: string }) => touch.staffId === advisor.staff!.id)).toBe(true);
    const otherAdvisor = await login(app, DEMO_LOGINS.advisors[1]);
    const theirs = await request(app).get('/touchpoints/mine').set(bearer(otherAdvisor));
    expect(theirs.body.some((touch: { residentId: string }) => touch.residentId === String(second.residentId))).toBe(false);
  });
});

describe('the profile form of 我的', () => {
  async function signedUp(name: string) {
    const resident = await login(app, `dev:${name}`);
    const community = await CommunityModel.findOne({ name: '汇翠花园' }).lean();
    await request(app).post('/residents/me/sign-up').set(bearer(resident)).send({ communityId: String(community!._id) }).expect(200);
    return resident;
  }
  const profileTask = async (resident: { token: string }) =>
    ((await request(app).get('/tasks/me').set(bearer(resident))).body.newbie as { eventType: string; state: string }[]).find((task) => task.eventType === 'profile_completed');

  it('completes 完善资料 only once every field is filled, and pays it once however often the profile is saved', async () => {
    const resident = await signedUp('profile-filler');
    const partial = await request(app).patch('/residents/me').set(bearer(resident)).send({ nickname: '小王', building: '3 号楼' }).expect(200);
    expect(partial.body.missingProfileFields).toEqual(['unit', 'phone']);
    expect(await profileTask(resident)).toMatchObject({ state: 'not_started' });
    expect((await request(app).get('/points/me').set(bearer(resident))).body.available).toBe(20);

    const full = await request(app).patch('/residents/me').set(bearer(resident)).send({ unit: '2 单元 501', phone: '+86 138-0013-8000' }).expect(200);
    expect(full.body).toMatchObject({ nickname: '小王', building: '3 号楼', unit: '2 单元 501', phone: '13800138000', phoneVerified: false, missingProfileFields: [] });
    expect(await profileTask(resident)).toMatchObject({ state: 'completed' });
    await request(app).patch('/residents/me').set(bearer(resident)).send({ nickname: '王小明' }).expect(200);
    expect((await request(app).get('/points/me').set(bearer(resident))).body.available).toBe(30);
    const stored = await ResidentModel.findById(resident.residentId).lean();
    expect(stored).toMatchObject({ nickname: '王小明', profileCompletedAt: expect.any(Date) });
    expect(await PointEntryModel.countDocuments({ residentId: stored!._id, reasonCode: 'task_completed' })).toBe(2);
  });

  it('rejects a bad phone number with a Chinese message and keeps what was stored', async () => {
    const resident = await signedUp('profile-bad-phone');
    await request(app).patch('/residents/me').set(bearer(resident)).send({ phone: '13800138000' }).expect(200);
    const bad = await request(app).patch('/residents/me').set(bearer(resident)).send({ phone: '12345', nickname: '   ' });
    expect(bad.status).toBe(400);
    const messages = (bad.body.error.details as { path: string; message: string }[]).map((detail) => [detail.path, detail.message]);
    expect(messages).toEqual(expect.arrayContaining([['body.phone', '请填写 11 位手机号'], ['body.nickname', '请填写昵称']]));
    expect((await ResidentModel.findById(resident.residentId).lean())!.phone).toBe('13800138000');
  });

  it('moves the resident to the store serving a new community', async () => {
    const resident = await signedUp('profile-mover');
    const far = await CommunityModel.findOne({ name: '漕河泾苑' }).lean();
    const moved = await request(app).patch('/residents/me').set(bearer(resident)).send({ communityId: String(far!._id) }).expect(200);
    const stores = (await request(app).get('/stores')).body as { id: string; name: string }[];
    expect(stores.find((store) => store.id === moved.body.storeId)?.name).toBe('邻里鲜生·田林店');
  });

  it('asks for sign-up first, and refuses a WeChat phone code without WeChat, in Chinese', async () => {
    const fresh = await login(app, 'dev:profile-before-signup');
    const early = await request(app).patch('/residents/me').set(bearer(fresh)).send({ nickname: '小李' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'SIGN_UP_REQUIRED', message: '请先选择小区完成注册，再完善资料' });
    const resident = await signedUp('profile-phone-code');
    const code = await request(app).patch('/residents/me').set(bearer(resident)).send({ phoneCode: 'abc' });
    expect(code.status).toBe(503);
    expect(code.body.error.message).toBe('暂时无法获取微信手机号，请直接填写手机号');
  });
});
