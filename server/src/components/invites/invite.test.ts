import request from 'supertest';
import { Types } from 'mongoose';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { FraudDecisionModel, FraudFlagModel, InviteModel } from './invite.model';
import { InviteService } from './invite.service';
import { seedDemoTasks } from '../tasks/tasks.seed';

useTestDatabase();
jest.setTimeout(60_000);

const env = { FRAUD_MAX_INVITEES_PER_DAY: '3', FRAUD_MAX_INVITEES_PER_WINDOW: '5', FRAUD_WINDOW_DAYS: '7', INVITE_REWARD_POINTS: '50', INVITE_QUALIFY_DAYS: '14' };
const app = createTestApp({ env });
const services = testServices(env);
let counter = 0;

beforeAll(async () => {
  await seedDemoData();
  communityId = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
});

async function inviterWithScene(name: string): Promise<{ session: Awaited<ReturnType<typeof login>>; scene: string }> {
  const session = await login(app, `dev:${name}`);
  const mine = (await request(app).get('/invites/me').set(bearer(session))).body;
  return { session, scene: mine.scene };
}

let communityId = '';

/** Signs an invitee up through the real login and sign-up, optionally dated back to a chosen time. */
async function invite(scene: string, registeredAt?: Date): Promise<Types.ObjectId> {
  counter += 1;
  const session = await login(app, `dev:invitee-${counter}`, { scene });
  await request(app).post('/residents/me/sign-up').set(bearer(session)).send({ communityId }).expect(200);
  const id = new Types.ObjectId(session.residentId!);
  if (registeredAt) {
    await ResidentModel.updateOne({ _id: id }, { $set: { registeredAt } });
    await InviteModel.updateOne({ _id: id }, { $set: { registeredAt, qualifyBy: new Date(registeredAt.getTime() + 14 * 86_400_000) } });
  }
  return id;
}

describe('invite rewards', () => {
  it('holds the reward at sign-up and makes it available when the invitee completes a first order', async () => {
    const { session, scene } = await inviterWithScene('inviter-happy');
    const invitee = await invite(scene);
    const inviterId = new Types.ObjectId(session.residentId!);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 50 });
    const listed = (await request(app).get('/invites/me').set(bearer(session))).body;
    expect(listed.invited).toEqual([
      expect.objectContaining({ inviteeId: String(invitee), rewardState: 'pending', stage: 'registered', stageText: '已注册', rewardPoints: 50, displayName: '汇翠花园的邻居' }),
    ]);

    await services.invites.onQualifyingAction(invitee, new Date());
    await services.invites.onQualifyingAction(invitee, new Date());
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 0 });
    expect((await request(app).get('/invites/me').set(bearer(session))).body.invited[0]).toMatchObject({ rewardState: 'available', stage: 'rewarded', stageText: '奖励已到账' });
  });

  it('lets the reward lapse when the first order never comes within the window', async () => {
    const { session, scene } = await inviterWithScene('inviter-lapse');
    const invitee = await invite(scene, new Date(Date.now() - 20 * 86_400_000));
    const inviterId = new Types.ObjectId(session.residentId!);
    expect((await services.invites.lapseExpired()).lapsed).toBeGreaterThanOrEqual(1);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 0 });
    expect((await InviteModel.findById(invitee).lean())!.state).toBe('lapsed');
    await services.invites.onQualifyingAction(invitee, new Date());
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 0 });
  });

  it('repairs an invite that a crash left unrecorded, without double rewards', async () => {
    const { session, scene } = await inviterWithScene('inviter-crash');
    const invitee = await invite(scene);
    await InviteModel.deleteOne({ _id: invitee });
    expect((await services.invites.repairMissing()).repaired).toBeGreaterThanOrEqual(1);
    await services.invites.repairMissing();
    expect(await InviteModel.countDocuments({ _id: invitee })).toBe(1);
    expect(await services.points.balance(new Types.ObjectId(session.residentId!))).toMatchObject({ pending: 50 });
  });
});

describe('fraud rules', () => {
  it('flags an inviter with more than the daily threshold of invitees and holds their rewards, exactly at the edge not', async () => {
    const edge = await inviterWithScene('inviter-edge');
    for (let i = 0; i < 3; i += 1) await invite(edge.scene);
    expect(await FraudFlagModel.countDocuments({ inviterId: edge.session.residentId })).toBe(0);

    const burst = await inviterWithScene('inviter-burst');
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    const flag = await FraudFlagModel.findOne({ inviterId: burst.session.residentId }).lean();
    expect(flag).toMatchObject({ rule: 'burst_1d', status: 'open', evidence: { count: 4, threshold: 3 } });

    await services.invites.onQualifyingAction(invitees[0], new Date());
    const inviterId = new Types.ObjectId(burst.session.residentId!);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 200 });
    expect((await InviteModel.findById(invitees[0]).lean())!.state).toBe('held_for_review');
  });

  it('flags more than the N-day threshold spread over several days', async () => {
    const slow = await inviterWithScene('inviter-window');
    const day = 86_400_000;
    for (let i = 0; i < 6; i += 1) await invite(slow.scene, new Date(Date.now() - (6 - i) * day + 60_000));
    await FraudFlagModel.deleteMany({ inviterId: slow.session.residentId });
    await services.invites.scanFraud();
    expect(await FraudFlagModel.find({ inviterId: slow.session.residentId }).distinct('rule')).toEqual(['burst_window']);
    await services.invites.scanFraud();
    expect(await FraudFlagModel.countDocuments({ inviterId: slow.session.residentId })).toBe(1);
  });

  it('flags an inviter whose invitees only collect points', async () => {
    const collector = await inviterWithScene('inviter-collector');
    const day = 86_400_000;
    const invitees = [];
    for (let i = 0; i < 5; i += 1) invitees.push(await invite(collector.scene, new Date(Date.now() - (10 + i * 2) * day)));
    const events = (await import('mongoose')).default.connection.db!.collection('task_events');
    await events.insertMany(invitees.slice(0, 3).map((residentId) => ({ residentId, type: 'group_checkin' })));
    await ResidentModel.updateOne({ _id: invitees[4] }, { $set: { firstOrderAt: new Date() } });
    // 4 of 5 low quality (3 check-in only, 1 inactive): 80% >= 60%
    const service = new InviteService(services.points, { rewardPoints: 50, qualifyDays: 14, thresholds: { maxInviteesPerDay: 100, maxInviteesPerWindow: 100, windowDays: 7, lowQualityShare: 0.6, lowQualityMinInvitees: 5, judgeAfterDays: 3 } }, services.logger);
    await service.scanFraud();
    expect(await FraudFlagModel.findOne({ inviterId: collector.session.residentId, rule: 'low_quality_invitees' }).lean()).toMatchObject({ evidence: { judged: 5, lowQuality: 4 } });

    const good = await inviterWithScene('inviter-good');
    const goodInvitees = [];
    for (let i = 0; i < 5; i += 1) goodInvitees.push(await invite(good.scene, new Date(Date.now() - (10 + i * 2) * day)));
    await ResidentModel.updateMany({ _id: { $in: goodInvitees.slice(0, 3) } }, { $set: { firstOrderAt: new Date() } });
    // 2 of 5 low quality: 40% < 60%
    await service.scanFraud();
    expect(await FraudFlagModel.countDocuments({ inviterId: good.session.residentId, rule: 'low_quality_invitees' })).toBe(0);
  });

  it('flags an inviter whose invitees only like, save and share posts, and not one whose invitees comment and post', async () => {
    const day = 86_400_000;
    const thresholds = { maxInviteesPerDay: 100, maxInviteesPerWindow: 100, windowDays: 7, lowQualityShare: 0.6, lowQualityMinInvitees: 5, judgeAfterDays: 3 };
    const service = new InviteService(services.points, { rewardPoints: 50, qualifyDays: 14, thresholds }, services.logger);
    // Events recorded as the content routes record them (one key per item, retried once), so what the rule reads is real task events.
    const record = async (residentId: Types.ObjectId, type: 'post_liked' | 'post_saved' | 'post_shared' | 'comment_posted' | 'post_published' | 'order_shown', item: string) => {
      const input = { residentId, type, idempotencyKey: `${type}:${item}:${residentId}`, occurredAt: new Date(), source: 'server' as const };
      await services.tasks.recordEvent(input);
      await services.tasks.recordEvent(input);
    };

    const tapper = await inviterWithScene('inviter-tapper');
    const tapped: Types.ObjectId[] = [];
    for (let i = 0; i < 5; i += 1) tapped.push(await invite(tapper.scene, new Date(Date.now() - (10 + i) * day)));
    for (const residentId of tapped) {
      await record(residentId, 'post_liked', 'p1');
      await record(residentId, 'post_liked', 'p2');
      await record(residentId, 'post_shared', 'p1');
    }
    await record(tapped[0], 'post_saved', 'p1');
    await service.scanFraud();
    const flag = await FraudFlagModel.findOne({ inviterId: tapper.session.residentId, rule: 'low_quality_invitees' }).lean();
    expect(flag).toMatchObject({ evidence: { judged: 5, lowQuality: 5 } });

    const ops = await login(app, DEMO_LOGINS.cityOps);
    const stores = (await request(app).get('/stores')).body;
    await FraudFlagModel.updateOne({ _id: flag!._id }, { $set: { storeId: new Types.ObjectId(stores[0].id) } });
    const review = await request(app).get(`/invites/flags/${flag!._id}/review`).set(bearer(ops));
    expect(review.status).toBe(200);
    const first = review.body.invitees.find((invitee: { id: string }) => invitee.id === String(tapped[0]));
    // 2 likes + 1 share + 1 save, each counted once despite the retry; sign-up is the one point-only action.
    expect(first).toMatchObject({ comments: 0, posts: 0, orderShows: 0, reactions: 4, pointActions: 1, quality: 'point_collecting' });

    const writer = await inviterWithScene('inviter-writer');
    const writers: Types.ObjectId[] = [];
    for (let i = 0; i < 5; i += 1) writers.push(await invite(writer.scene, new Date(Date.now() - (10 + i) * day)));
    for (const residentId of writers) await record(residentId, 'post_liked', 'p1');
    // 3 of 5 write something (two comment, one posts a 晒单): 2 of 5 low quality, 40% < 60%.
    await record(writers[0], 'comment_posted', 'c1');
    await record(writers[1], 'comment_posted', 'c2');
    await record(writers[2], 'post_published', 'p9');
    await record(writers[2], 'order_shown', 'p9');
    await service.scanFraud();
    expect(await FraudFlagModel.countDocuments({ inviterId: writer.session.residentId, rule: 'low_quality_invitees' })).toBe(0);
  });

  it('shows a reviewer the inviter, each invitee with what they did, and the decision once made; not to a manager', async () => {
    const burst = await inviterWithScene('inviter-evidence');
    await ResidentModel.updateOne({ _id: burst.session.residentId }, { $set: { nickname: '羊毛张', phone: '13811112222' } });
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    const events = (await import('mongoose')).default.connection.db!.collection('task_events');
    await events.insertMany([
      { residentId: invitees[0], type: 'order_completed' },
      { residentId: invitees[0], type: 'order_completed' },
      { residentId: invitees[1], type: 'comment_posted' },
      { residentId: invitees[2], type: 'group_checkin' },
      { residentId: invitees[2], type: 'group_checkin' },
    ]);
    await ResidentModel.updateOne({ _id: invitees[0] }, { $set: { firstOrderAt: new Date() } });
    const stores = (await request(app).get('/stores')).body;
    await ResidentModel.updateOne({ _id: burst.session.residentId }, { $set: { storeId: new Types.ObjectId(stores[0].id) } });
    await FraudFlagModel.updateMany({ inviterId: burst.session.residentId }, { $set: { storeId: new Types.ObjectId(stores[0].id) } });
    const flag = (await FraudFlagModel.findOne({ inviterId: burst.session.residentId }).lean())!;
    const ops = await login(app, DEMO_LOGINS.cityOps);

    const review = await request(app).get(`/invites/flags/${flag._id}/review`).set(bearer(ops));
    expect(review.status).toBe(200);
    expect(review.body.flag).toMatchObject({ id: String(flag._id), rule: 'burst_1d', status: 'open', heldRewards: 4 });
    expect(review.body.inviter).toMatchObject({ id: burst.session.residentId, nickname: '羊毛张', phoneTail: '2222', storeName: stores[0].name });
    const byId = new Map(review.body.invitees.map((invitee: { id: string }) => [invitee.id, invitee]));
    expect(byId.size).toBe(4);
    expect(byId.get(String(invitees[0]))).toMatchObject({ hasOrder: true, orders: 2, quality: 'substantive' });
    expect(byId.get(String(invitees[1]))).toMatchObject({ comments: 1, quality: 'substantive' });
    expect(byId.get(String(invitees[2]))).toMatchObject({ pointActions: 3, quality: 'point_collecting' });
    expect(review.body.decision).toBeNull();

    await request(app).post(`/invites/flags/${flag._id}/decision`).set(bearer(ops)).send({ decision: 'release', note: '邻居都是真实住户' }).expect(200);
    const decided = await request(app).get(`/invites/flags/${flag._id}/review`).set(bearer(ops));
    expect(decided.body.decision).toMatchObject({ decision: 'release', note: '邻居都是真实住户', staffId: ops.staff!.id, staffRole: 'city_ops' });
    expect(await FraudDecisionModel.countDocuments({ _id: flag._id })).toBe(1);

    const manager = await login(app, DEMO_LOGINS.managers[0]);
    expect((await request(app).get(`/invites/flags/${flag._id}/review`).set(bearer(manager))).status).toBe(403);
    const missing = await request(app).get(`/invites/flags/${new Types.ObjectId()}/review`).set(bearer(ops));
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('lets city ops release or cancel held rewards, once, with an audit record; managers cannot', async () => {
    const burst = await inviterWithScene('inviter-review');
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    await services.invites.onQualifyingAction(invitees[0], new Date());
    const inviterId = new Types.ObjectId(burst.session.residentId!);
    // Put the inviter in a store so the flag is in the city's scope.
    const stores = (await request(app).get('/stores')).body;
    await ResidentModel.updateOne({ _id: inviterId }, { $set: { storeId: stores[0].id } });
    await FraudFlagModel.updateMany({ inviterId }, { $set: { storeId: new Types.ObjectId(stores[0].id) } });

    const ops = await login(app, DEMO_LOGINS.cityOps);
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const flags = (await request(app).get('/invites/flags?status=open').set(bearer(ops))).body;
    const flag = flags.find((candidate: { inviterId: string }) => candidate.inviterId === String(inviterId));
    expect(flag).toMatchObject({ rule: 'burst_1d', heldRewards: 4 });
    expect((await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(manager)).send({ decision: 'release', note: '核实为真实邻居' })).status).toBe(403);

    const decided = await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(ops)).send({ decision: 'release', note: '核实为真实邻居' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'released', decidedBy: ops.staff!.id, decisionNote: '核实为真实邻居' });
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 150 });
    expect((await InviteModel.findById(invitees[1]).lean())!.state).toBe('pending');
    expect(await FraudDecisionModel.countDocuments({ _id: flag.id })).toBe(1);

    const again = await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(ops)).send({ decision: 'cancel', note: '改判' });
    expect(again.status).toBe(409);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 150 });
  });
});

describe('the invite loop from the link to the list', () => {
  async function inviterAtStore(name: string, storeName: string) {
    const { session, scene } = await inviterWithScene(name);
    const store = (await request(app).get('/stores')).body.find((candidate: { name: string }) => candidate.name === storeName);
    await ResidentModel.updateOne({ _id: session.residentId }, { $set: { storeId: new Types.ObjectId(store.id), nickname: '王阿姨' } });
    return { session, scene, store: store as { id: string; name: string } };
  }

  it("lists only invitees who signed up, and holds the inviter's reward only then", async () => {
    const { session, scene } = await inviterWithScene('inviter-only-signups');
    const opened = await login(app, 'dev:opened-the-link-only', { scene });
    const inviterId = new Types.ObjectId(session.residentId!);
    expect((await request(app).get('/invites/me').set(bearer(session))).body.invited).toEqual([]);
    expect(await services.points.balance(inviterId)).toMatchObject({ pending: 0 });
    expect(await InviteModel.exists({ _id: opened.residentId })).toBeNull();

    await request(app).post('/residents/me/sign-up').set(bearer(opened)).send({ communityId, nickname: '李四' }).expect(200);
    const invite = await InviteModel.findById(opened.residentId).lean();
    expect(invite).toMatchObject({ inviterId, state: 'pending', rewardPoints: 50 });
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 50 });
    expect((await request(app).get('/invites/me').set(bearer(session))).body.invited).toEqual([
      expect.objectContaining({ inviteeId: opened.residentId, displayName: '李**', stage: 'registered', stageText: '已注册' }),
    ]);
  });

  it('pays the inviter at once when the invitee ordered before finishing sign-up', async () => {
    const { session, scene } = await inviterWithScene('inviter-early-order');
    const invitee = await login(app, 'dev:ordered-before-sign-up', { scene });
    await ResidentModel.updateOne({ _id: invitee.residentId }, { $set: { firstOrderAt: new Date() } });
    await request(app).post('/residents/me/sign-up').set(bearer(invitee)).send({ communityId }).expect(200);
    expect(await services.points.balance(new Types.ObjectId(session.residentId!))).toMatchObject({ available: 50, pending: 0 });
    expect(await InviteModel.findById(invitee.residentId).lean()).toMatchObject({ state: 'available', qualifiedAt: expect.any(Date) });
  });

  it("carries the inviter's store: the invitee is credited to it and chooses among its communities", async () => {
    const { session, scene, store } = await inviterAtStore('inviter-with-store', '邻里鲜生·田林店');
    const scan = await request(app).post('/scans').send({ scene, deviceId: 'device-invitee-store' });
    expect(scan.body).toMatchObject({ status: 'invite', store: { id: store.id, name: store.name } });

    const invitee = await login(app, 'dev:invitee-of-tianlin', { scene });
    const created = await ResidentModel.findById(invitee.residentId).lean();
    expect(created!.attribution).toMatchObject({ source: 'invite', inviterResidentId: new Types.ObjectId(session.residentId!), storeId: new Types.ObjectId(store.id) });
    expect(String(created!.storeId)).toBe(store.id);
    const choices = (await request(app).get(`/stores/${store.id}/community-choices`)).body.map((choice: { name: string }) => choice.name);
    expect(choices).toContain('田林十二村');

    const tianlin = await CommunityModel.findOne({ name: '田林十二村' }).lean();
    await request(app).post('/residents/me/sign-up').set(bearer(invitee)).send({ communityId: String(tianlin!._id) }).expect(200);
    expect(String((await ResidentModel.findById(invitee.residentId).lean())!.storeId)).toBe(store.id);
  });

  it("moves an invitee who lives by another store to that store, keeping the invite's credit", async () => {
    const { session, scene, store } = await inviterAtStore('inviter-far-store', '邻里鲜生·田林店');
    const invitee = await login(app, 'dev:invitee-far-away', { scene });
    const longhua = await CommunityModel.findOne({ name: '滨江一品' }).lean();
    const signedUp = await request(app).post('/residents/me/sign-up').set(bearer(invitee)).send({ communityId: String(longhua!._id) }).expect(200);
    const stores = (await request(app).get('/stores')).body as { id: string; name: string }[];
    expect(stores.find((candidate) => candidate.id === signedUp.body.storeId)?.name).toBe('邻里鲜生·龙华店');
    expect(signedUp.body.attribution).toMatchObject({ source: 'invite', storeId: store.id, inviterResidentId: session.residentId });
    expect(await InviteModel.findById(invitee.residentId).lean()).toMatchObject({ inviterId: new Types.ObjectId(session.residentId!) });
  });

  it('tells the invitee who invites them, from which store, and what both get; a bad link says so in Chinese', async () => {
    const { scene, store } = await inviterAtStore('inviter-landing', '邻里鲜生·徐家汇店');
    await seedDemoTasks();
    const landing = (await request(app).get('/invites/landing').query({ scene }).expect(200)).body;
    expect(landing).toMatchObject({
      valid: true,
      inviterName: '王阿姨',
      store: { id: store.id, name: store.name },
      inviterRewardPoints: 50,
      qualifyDays: 14,
      inviteeRewardPoints: 160, // the seeded newbie tasks: 20 + 10 + 10 + 100 + 20 (发一条晒单)
      inviteeRewardText: '注册即得 20 积分，完成新人任务共 160 积分',
    });
    const forged = (await request(app).get('/invites/landing').query({ scene: `${scene.slice(0, -1)}x` }).expect(200)).body;
    expect(forged).toMatchObject({ valid: false, inviterName: null, store: null });
    expect(forged.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('gives new residents invite codes without look-alike characters, shown uppercase, that still resolve', async () => {
    const { session, scene } = await inviterWithScene('inviter-code-alphabet');
    const mine = (await request(app).get('/invites/me').set(bearer(session))).body;
    expect(mine.inviteCode).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    expect(scene.split('.')[1]).toBe(mine.inviteCode.toLowerCase());
    expect(mine.sharePath).toBe(`/pages/landing/index?scene=${encodeURIComponent(scene)}`);
    expect((await request(app).post('/scans').send({ scene })).body.status).toBe('invite');
  });

  it('shows 已下首单 while a qualified reward waits for review, and 已失效 once it lapsed', async () => {
    const burst = await inviterWithScene('inviter-stages');
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    await services.invites.onQualifyingAction(invitees[0], new Date());
    await InviteModel.updateOne({ _id: invitees[1] }, { $set: { state: 'lapsed' } });
    const listed = (await request(app).get('/invites/me').set(bearer(burst.session))).body.invited as { inviteeId: string; stageText: string }[];
    const stageOf = (id: Types.ObjectId) => listed.find((entry) => entry.inviteeId === String(id))?.stageText;
    expect([stageOf(invitees[0]), stageOf(invitees[1]), stageOf(invitees[2])]).toEqual(['已下首单', '已失效', '已注册']);
  });
});
