import { Types } from 'mongoose';
import request from 'supertest';
import type { Coupon, Redemption, Reward } from '@o2o/shared/schemas/rewards';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { PointEntryModel } from '../points/points.model';
import {
  CouponModel,
  CouponUseModel,
  RedemptionDecisionModel,
  RedemptionModel,
  RewardLimitSlotModel,
  RewardModel,
  RewardStockSlotModel,
} from './rewards.model';
import { rewardsRouter } from './rewards.router';
import { seedDemoRewards } from './rewards.seed';
import { RewardsService } from './rewards.service';

useTestDatabase();
jest.setTimeout(180_000);

const env = { RATE_LIMIT_MAX: '100000' };
const services = testServices(env);
const app = createTestApp({ env, routers: [rewardsRouter(services)] });
const rewards = new RewardsService(services.points);

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let ops: Session;
let managerA: Session;
let managerB: Session;
let advisorA: Session;
let storeA: string;
let storeB: string;
let cityId: string;
/** A community whose nearest store is store A (徐家汇), and one for store B (田林). */
let communityA: string;
let communityB: string;

beforeAll(async () => {
  cityId = String((await seedDemoData()).cityId);
  [admin, ops, managerA, managerB, advisorA] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)),
  );
  storeA = managerA.staff!.storeId!;
  storeB = managerB.staff!.storeId!;
  communityA = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
  communityB = String((await CommunityModel.findOne({ name: '田林十二村' }).lean())!._id);
});

let grants = 0;

/** A new resident signed up (through the API) in a community served by the given store, with points. */
async function residentAt(store: 'A' | 'B', name: string, points = 0): Promise<Session> {
  const session = await login(app, `dev:${name}`);
  const signUp = await request(app)
    .post('/residents/me/sign-up')
    .set(bearer(session))
    .send({ communityId: store === 'A' ? communityA : communityB });
  expect(signUp.body.storeId).toBe(store === 'A' ? storeA : storeB);
  if (points > 0) await grant(session, points);
  return session;
}

async function grant(session: Session, amount: number): Promise<void> {
  grants += 1;
  await services.points.earn({
    residentId: new Types.ObjectId(session.residentId!), amount, reasonCode: 'task_completed', note: '完成任务', source: 'task', idempotencyKey: `grant:test-${grants}`,
  });
}

async function balance(session: Session): Promise<number> {
  return (await services.points.balance(new Types.ObjectId(session.residentId!))).available;
}

async function addReward(by: Session, fields: Record<string, unknown> = {}): Promise<Reward> {
  const response = await request(app)
    .post('/rewards')
    .set(bearer(by))
    .send({
      name: '测试兑换券', kind: 'product', pointsCost: 10, stock: 100, perResidentLimit: 100,
      validity: { kind: 'days_after_redemption', days: 7 }, scope: { kind: 'stores', storeIds: [storeA] }, ...fields,
    });
  expect(response.status).toBe(201);
  return response.body as Reward;
}

function redeem(session: Session, rewardId: string, idempotencyKey: string) {
  return request(app).post(`/rewards/${rewardId}/redeem`).set(bearer(session)).send({ idempotencyKey });
}

async function redeemed(session: Session, rewardId: string, idempotencyKey: string): Promise<Redemption> {
  const response = await redeem(session, rewardId, idempotencyKey);
  expect(response.status).toBe(201);
  return response.body as Redemption;
}

describe('the rewards catalogue', () => {
  it("lets a store manager add rewards for their own store only, city ops for the city, and nobody change another scope's reward", async () => {
    const own = await addReward(managerA, { name: '门店自提满减券' });
    expect(own).toMatchObject({ scope: { kind: 'stores', storeIds: [storeA] }, cityId, whereText: '限邻里鲜生·徐家汇店使用', remainingStock: 100, editable: true });
    expect((await request(app).post('/rewards').set(bearer(managerA)).send({ ...own, scope: { kind: 'stores', storeIds: [storeB] } })).status).toBe(403);
    expect((await request(app).post('/rewards').set(bearer(managerA)).send({ ...own, scope: { kind: 'city', cityId } })).status).toBe(403);
    expect((await request(app).post('/rewards').set(bearer(advisorA)).send({ ...own })).status).toBe(403);

    const citywide = await addReward(ops, { name: '全城免配送费券', kind: 'service', scope: { kind: 'city', cityId } });
    expect(citywide.whereText).toBe('上海全部门店通用');

    expect((await request(app).patch(`/rewards/${own.id}`).set(bearer(managerB)).send({ stock: 1 })).status).toBe(403);
    expect((await request(app).patch(`/rewards/${citywide.id}`).set(bearer(managerA)).send({ stock: 1 })).status).toBe(403);
    const patched = await request(app).patch(`/rewards/${own.id}`).set(bearer(managerA)).send({ stock: 40, displayOrder: 3 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ stock: 40, displayOrder: 3, remainingStock: 40 });
    expect((await RewardModel.findById(own.id).lean())!.updatedBy!.toString()).toBe(managerA.staff!.id);
    expect((await request(app).patch(`/rewards/${own.id}`).set(bearer(managerA)).send({})).status).toBe(400);

    const seenByB = (await request(app).get('/rewards/manage').set(bearer(managerB))).body as Reward[];
    expect(seenByB.map((reward) => reward.id)).toContain(citywide.id);
    expect(seenByB.map((reward) => reward.id)).not.toContain(own.id);
    expect(seenByB.find((reward) => reward.id === citywide.id)!.editable).toBe(false);
    const seenByOps = (await request(app).get('/rewards/manage').set(bearer(ops))).body as Reward[];
    expect(seenByOps.filter((reward) => [own.id, citywide.id].includes(reward.id)).every((reward) => reward.editable)).toBe(true);
  });

  it('shows a resident the active rewards of their store and city, with stock left and whether they can still redeem', async () => {
    const forA = await addReward(managerA, { name: '徐家汇店专享券', displayOrder: 1 });
    const forB = await addReward(managerB, { name: '田林店专享券', scope: { kind: 'stores', storeIds: [storeB] } });
    const citywide = await addReward(ops, { name: '上海通用券', scope: { kind: 'city', cityId }, displayOrder: 2 });
    const hidden = await addReward(managerA, { name: '已下架券', active: false });
    const resident = await residentAt('A', 'catalogue-viewer');

    const listed = (await request(app).get('/rewards').set(bearer(resident))).body as { id: string; remainingStock: number; canRedeem: boolean; redeemedByMe: number }[];
    const ids = listed.map((reward) => reward.id);
    expect(ids).toEqual(expect.arrayContaining([forA.id, citywide.id]));
    expect(ids).not.toContain(forB.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids.indexOf(forA.id)).toBeLessThan(ids.indexOf(citywide.id));
    expect(listed.find((reward) => reward.id === forA.id)).toMatchObject({ remainingStock: 100, canRedeem: true, redeemedByMe: 0 });
    expect((await redeem(resident, forB.id, 'key-other-store-01')).status).toBe(404);
  });
});

describe('redeeming a reward', () => {
  it('when a resident redeems with enough points, then the points and one unit of stock are taken and a coupon with a short code is issued', async () => {
    const reward = await addReward(managerA, { name: '鸡蛋一盒兑换券', pointsCost: 200, stock: 3, perResidentLimit: 2 });
    const resident = await residentAt('A', 'egg-lover', 250);

    const redemption = await redeemed(resident, reward.id, 'egg-lover-0001');
    expect(redemption).toMatchObject({ status: 'completed', pointsCost: 200, coupon: { name: '鸡蛋一盒兑换券', state: 'available', stateText: '可使用', whereText: '限邻里鲜生·徐家汇店使用' } });
    expect(redemption.coupon!.code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}$/);
    expect(await balance(resident)).toBe(50);
    const entry = await PointEntryModel.findOne({ idempotencyKey: `redeem:${redemption.id}` }).lean();
    expect(entry).toMatchObject({ reasonCode: 'reward_redeemed', note: '兑换：鸡蛋一盒兑换券', source: 'redemption', sourceId: redemption.id, applied: { amount: -200, rejected: null } });

    const listed = (await request(app).get('/rewards').set(bearer(resident))).body.find((row: { id: string }) => row.id === reward.id);
    expect(listed).toMatchObject({ remainingStock: 2, redeemedByMe: 1, canRedeem: true });
    expect(await RedemptionModel.findById(redemption.id).lean()).toMatchObject({ status: 'completed', failureCode: null });
  });

  it('when one resident sends 50 redemptions at once with points for 10, then exactly 10 succeed, 10 coupons exist and the balance is zero', async () => {
    const reward = await addReward(managerA, { name: '满39减5券', kind: 'discount', pointsCost: 10, stock: 100, perResidentLimit: 100 });
    const resident = await residentAt('A', 'burst-redeemer', 100);

    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => redeem(resident, reward.id, `burst-${String(index).padStart(4, '0')}`)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    expect(responses.filter((response) => response.status === 409).every((response) => response.body.error.code === 'INSUFFICIENT_POINTS' && response.body.error.message === '积分不足')).toBe(true);

    expect(await balance(resident)).toBe(0);
    expect(await CouponModel.countDocuments({ rewardId: reward.id })).toBe(10);
    expect(await RewardStockSlotModel.countDocuments({ rewardId: reward.id })).toBe(10);
    expect(await RewardLimitSlotModel.countDocuments({ rewardId: reward.id })).toBe(10);
    expect(await RedemptionModel.countDocuments({ rewardId: reward.id, status: 'completed' })).toBe(10);
    expect(await RedemptionModel.countDocuments({ rewardId: reward.id, status: 'failed' })).toBe(40);
    expect((await services.points.verify(new Types.ObjectId(resident.residentId!))).consistent).toBe(true);
  });

  it('when 20 residents race for 5 coupons, then 5 get one, 15 hear OUT_OF_STOCK, and only the winners paid', async () => {
    const reward = await addReward(managerA, { name: '限量鲜奶券', pointsCost: 30, stock: 5, perResidentLimit: 1 });
    const racers = await Promise.all(Array.from({ length: 20 }, (_, index) => residentAt('A', `stock-racer-${index}`, 50)));

    const responses = await Promise.all(racers.map((racer, index) => redeem(racer, reward.id, `stock-race-${index}-key`)));
    const winners = racers.filter((_, index) => responses[index].status === 201);
    const losers = racers.filter((_, index) => responses[index].status !== 201);
    expect(winners).toHaveLength(5);
    expect(responses.filter((response) => response.status === 409 && response.body.error.code === 'OUT_OF_STOCK')).toHaveLength(15);
    expect(responses.find((response) => response.status === 409)!.body.error.message).toBe('该奖励已兑完');

    expect(await CouponModel.countDocuments({ rewardId: reward.id })).toBe(5);
    expect(await RewardStockSlotModel.countDocuments({ rewardId: reward.id })).toBe(5);
    expect(await Promise.all(winners.map(balance))).toEqual([20, 20, 20, 20, 20]);
    expect(await Promise.all(losers.map(balance))).toEqual(Array(15).fill(50));
    const listed = (await request(app).get('/rewards').set(bearer(losers[0]))).body.find((row: { id: string }) => row.id === reward.id);
    expect(listed).toMatchObject({ remainingStock: 0, canRedeem: false, unavailableReason: 'OUT_OF_STOCK', unavailableText: '已兑完' });
  });

  it('when a resident has reached the per-resident limit, then the next redemption is refused with LIMIT_REACHED and costs nothing', async () => {
    const reward = await addReward(managerA, { name: '每人限两次券', pointsCost: 10, stock: 50, perResidentLimit: 2 });
    const resident = await residentAt('A', 'limit-tester', 100);
    const concurrent = await Promise.all(['limit-a-0001', 'limit-b-0001', 'limit-c-0001'].map((key) => redeem(resident, reward.id, key)));
    expect(concurrent.map((response) => response.status).sort()).toEqual([201, 201, 409]);
    const refused = await redeem(resident, reward.id, 'limit-d-0001');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'LIMIT_REACHED', message: '您已达到该奖励的兑换上限' });
    expect(await balance(resident)).toBe(80);
    expect(await RewardLimitSlotModel.countDocuments({ rewardId: reward.id, residentId: resident.residentId })).toBe(2);
    expect(await RewardStockSlotModel.countDocuments({ rewardId: reward.id })).toBe(2);
    const listed = (await request(app).get('/rewards').set(bearer(resident))).body.find((row: { id: string }) => row.id === reward.id);
    expect(listed).toMatchObject({ redeemedByMe: 2, canRedeem: false, unavailableReason: 'LIMIT_REACHED' });
  });

  it('when a redemption is retried with the same idempotency key, then the same coupon comes back and the points are charged once', async () => {
    const reward = await addReward(managerA, { name: '重试测试券', pointsCost: 25, stock: 10, perResidentLimit: 5 });
    const resident = await residentAt('A', 'retrier', 100);
    const first = await redeemed(resident, reward.id, 'retry-key-0001');
    const retries = await Promise.all(Array.from({ length: 5 }, () => redeemed(resident, reward.id, 'retry-key-0001')));
    expect(new Set(retries.map((retry) => retry.coupon!.code))).toEqual(new Set([first.coupon!.code]));
    expect(retries.every((retry) => retry.id === first.id)).toBe(true);
    expect(await balance(resident)).toBe(75);
    expect(await CouponModel.countDocuments({ rewardId: reward.id })).toBe(1);
    expect(await RewardStockSlotModel.countDocuments({ rewardId: reward.id })).toBe(1);

    const otherReward = await addReward(managerA, { name: '另一张券' });
    const misuse = await redeem(resident, otherReward.id, 'retry-key-0001');
    expect(misuse.status).toBe(409);
    expect(misuse.body.error.code).toBe('CONFLICT');

    const racedFirstTime = await Promise.all(Array.from({ length: 8 }, () => redeem(resident, reward.id, 'retry-key-0002')));
    expect(racedFirstTime.every((response) => response.status === 201)).toBe(true);
    expect(new Set(racedFirstTime.map((response) => response.body.coupon.code)).size).toBe(1);
    expect(await balance(resident)).toBe(50);
  });

  it('when a resident is short of points, then the redemption fails with INSUFFICIENT_POINTS, the stock is untouched and a retry says the same', async () => {
    const reward = await addReward(managerA, { name: '高价值兑换券', pointsCost: 500, stock: 1, perResidentLimit: 1 });
    const resident = await residentAt('A', 'short-of-points', 120);
    const refused = await redeem(resident, reward.id, 'short-key-0001');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_POINTS', message: '积分不足' });
    expect(await RewardStockSlotModel.countDocuments({ rewardId: reward.id })).toBe(0);
    expect(await RewardLimitSlotModel.countDocuments({ rewardId: reward.id })).toBe(0);
    expect(await balance(resident)).toBe(120);

    await grant(resident, 400);
    expect((await redeem(resident, reward.id, 'short-key-0001')).body.error.code).toBe('INSUFFICIENT_POINTS');
    expect((await redeem(resident, reward.id, 'short-key-0002')).status).toBe(201);
    expect(await balance(resident)).toBe(20);
  });

  it('refuses a resident who has not chosen a community, an inactive reward and one whose redemption period has ended', async () => {
    const reward = await addReward(managerA, { name: '状态测试券' });
    const newcomer = await login(app, 'dev:no-community-yet');
    const noStore = await redeem(newcomer, reward.id, 'newcomer-0001');
    expect(noStore.status).toBe(409);
    expect(noStore.body.error).toMatchObject({ code: 'SIGN_UP_REQUIRED', message: '请先完成注册并选择您的小区' });

    const resident = await residentAt('A', 'status-tester', 100);
    await request(app).patch(`/rewards/${reward.id}`).set(bearer(managerA)).send({ active: false });
    expect((await redeem(resident, reward.id, 'status-0001')).body.error.code).toBe('REWARD_UNAVAILABLE');
    await RewardModel.updateOne({ _id: reward.id }, { $set: { active: true, validity: { kind: 'until', endsAt: new Date(Date.now() - 1000) } } });
    expect((await redeem(resident, reward.id, 'status-0002')).body.error.code).toBe('REWARD_ENDED');
    expect(await balance(resident)).toBe(100);
  });
});

describe('coupons in store', () => {
  async function couponFor(name: string, fields: Record<string, unknown> = {}, by = managerA): Promise<{ resident: Session; coupon: Coupon }> {
    const reward = await addReward(by, { name: '到店核销测试券', ...fields });
    const resident = await residentAt('A', name, 10);
    const redemption = await redeemed(resident, reward.id, `${name}-key`);
    return { resident, coupon: redemption.coupon! };
  }

  it('shows the resident their coupons with state and code, and store staff what a code is for', async () => {
    const { resident, coupon } = await couponFor('coupon-viewer');
    const mine = (await request(app).get('/rewards/coupons/me').set(bearer(resident))).body as Coupon[];
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ code: coupon.code, state: 'available', usedAt: null });
    expect(new Date(mine[0].expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);

    const verified = await request(app).get(`/rewards/coupons/${coupon.code.toLowerCase()}`).set(bearer(advisorA));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ code: coupon.code, name: '到店核销测试券', whereText: '限邻里鲜生·徐家汇店使用', state: 'available' });
    expect((await request(app).get('/rewards/coupons/ABCDEFGHJK').set(bearer(advisorA))).status).toBe(404);
    expect((await request(app).get(`/rewards/coupons/${coupon.code}`).set(bearer(resident))).status).toBe(403);
  });

  it('when two staff mark the same coupon used at once, then one succeeds and the other hears COUPON_ALREADY_USED', async () => {
    const { resident, coupon } = await couponFor('double-use');
    const [first, second] = await Promise.all([managerA, advisorA].map((staff) => request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(staff)).send({})));
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const [ok, refused] = first.status === 200 ? [first, second] : [second, first];
    expect(ok.body).toMatchObject({ state: 'used', stateText: '已使用', usedStoreId: storeA });
    expect(refused.body.error).toMatchObject({ code: 'COUPON_ALREADY_USED', message: '该券已使用' });
    expect(await CouponUseModel.countDocuments({ couponId: coupon.id })).toBe(1);
    const stored = await CouponModel.findById(coupon.id).lean();
    expect(String(stored!.usedByStaffId)).toBe(ok === first ? managerA.staff!.id : advisorA.staff!.id);
    expect(String(stored!.usedStoreId)).toBe(storeA);

    expect((await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(managerA)).send({})).body.error.code).toBe('COUPON_ALREADY_USED');
    const mine = (await request(app).get('/rewards/coupons/me?state=used').set(bearer(resident))).body as Coupon[];
    expect(mine.map((row) => row.code)).toEqual([coupon.code]);
  });

  it("refuses another store's staff with 403, and lets city ops use a coupon when they name a store where it applies", async () => {
    const { coupon } = await couponFor('foreign-store');
    const foreign = await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(managerB)).send({});
    expect(foreign.status).toBe(403);
    expect((await request(app).get(`/rewards/coupons/${coupon.code}`).set(bearer(managerB))).status).toBe(403);
    expect(await CouponUseModel.countDocuments({ couponId: coupon.id })).toBe(0);

    expect((await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(ops)).send({})).status).toBe(400);
    expect((await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(ops)).send({ storeId: storeB })).status).toBe(403);
    const used = await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(ops)).send({ storeId: storeA });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ state: 'used', usedStoreId: storeA, usedByStaffId: ops.staff!.id });
  });

  it('lets a city-wide coupon be used at any store of the city', async () => {
    const { coupon } = await couponFor('citywide-user', { scope: { kind: 'city', cityId } }, ops);
    expect(coupon.whereText).toBe('上海全部门店通用');
    const used = await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(managerB)).send({});
    expect(used.status).toBe(200);
    expect(used.body.usedStoreId).toBe(storeB);
  });

  it('refuses an expired coupon with COUPON_EXPIRED and shows it as expired', async () => {
    const { resident, coupon } = await couponFor('expired-holder');
    await CouponModel.updateOne({ _id: coupon.id }, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    const refused = await request(app).post(`/rewards/coupons/${coupon.code}/use`).set(bearer(managerA)).send({});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'COUPON_EXPIRED', message: '该券已过期' });
    expect(await CouponUseModel.countDocuments({ couponId: coupon.id })).toBe(0);
    expect((await request(app).get(`/rewards/coupons/${coupon.code}`).set(bearer(managerA))).body).toMatchObject({ state: 'expired', stateText: '已过期' });
    expect((await request(app).get('/rewards/coupons/me').set(bearer(resident))).body[0].state).toBe('expired');
  });
});

describe('redemptions interrupted half-way', () => {
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  /** A redemption record as `redeem` writes it first, backdated past the repair grace period. */
  async function halfDoneRedemption(resident: Session, reward: Reward, key: string) {
    const record = (await RewardModel.findById(reward.id).lean())!;
    return RedemptionModel.create({
      residentId: resident.residentId!, rewardId: reward.id, idempotencyKey: key, createdAt: longAgo(),
      reward: { cityId: record.cityId, scopeKind: record.scopeKind, storeIds: record.storeIds, name: record.name, description: record.description, kind: record.kind, pointsCost: record.pointsCost, validity: record.validity },
    });
  }

  async function holdSlots(redemptionId: Types.ObjectId, resident: Session, reward: Reward, stockSlot: number) {
    const fields = { rewardId: reward.id, residentId: resident.residentId!, redemptionId, at: longAgo() };
    await RewardStockSlotModel.create({ _id: `${reward.id}:${stockSlot}`, n: stockSlot, ...fields });
    await RewardLimitSlotModel.create({ _id: `${reward.id}:${resident.residentId}:1`, n: 1, ...fields });
  }

  it('when a redemption crashed after spending the points and before issuing its coupon, then repairRedemptions issues the coupon and charges nothing more', async () => {
    const reward = await addReward(managerA, { name: '修复测试券', pointsCost: 40, stock: 5, perResidentLimit: 1 });
    const resident = await residentAt('A', 'crashed-after-spend', 100);
    const redemption = await halfDoneRedemption(resident, reward, 'crash-spend-0001');
    await holdSlots(redemption._id, resident, reward, 1);
    await RedemptionDecisionModel.create({ _id: String(redemption._id), proceed: true, failureCode: null, at: longAgo() });
    await services.points.spend({
      residentId: new Types.ObjectId(resident.residentId!), amount: 40, reasonCode: 'reward_redeemed', note: '兑换：修复测试券',
      source: 'redemption', sourceId: String(redemption._id), idempotencyKey: `redeem:${redemption._id}`,
    });
    expect(await CouponModel.countDocuments({ redemptionId: redemption._id })).toBe(0);

    const report = await rewards.repairRedemptions();
    expect(report).toMatchObject({ completed: 1, stillPending: [] });
    expect(await RedemptionModel.findById(redemption._id).lean()).toMatchObject({ status: 'completed' });
    expect(await CouponModel.countDocuments({ redemptionId: redemption._id })).toBe(1);
    expect(await balance(resident)).toBe(60);
    expect(await PointEntryModel.countDocuments({ sourceId: String(redemption._id) })).toBe(1);

    const retried = await redeemed(resident, reward.id, 'crash-spend-0001');
    expect(retried.coupon!.id).toBe(String((await CouponModel.findOne({ redemptionId: redemption._id }).lean())!._id));
    expect((await rewards.repairRedemptions()).checked).toBe(0);
  });

  it('when a redemption crashed after taking stock and before deciding, then repair unwinds it and frees the stock for the next resident', async () => {
    const reward = await addReward(managerA, { name: '库存释放测试券', pointsCost: 10, stock: 2, perResidentLimit: 1 });
    const crashed = await residentAt('A', 'crashed-before-decision', 50);
    const redemption = await halfDoneRedemption(crashed, reward, 'crash-claim-0001');
    await holdSlots(redemption._id, crashed, reward, 1);

    const first = await residentAt('A', 'after-crash-first', 50);
    const second = await residentAt('A', 'after-crash-second', 50);
    await redeemed(first, reward.id, 'after-crash-first-key');
    expect((await redeem(second, reward.id, 'after-crash-second-key')).body.error.code).toBe('OUT_OF_STOCK');

    const report = await rewards.repairRedemptions();
    expect(report).toMatchObject({ checked: 1, unwound: 1, completed: 0 });
    expect(await RedemptionModel.findById(redemption._id).lean()).toMatchObject({ status: 'failed', failureCode: 'REDEMPTION_INTERRUPTED' });
    expect(await RewardStockSlotModel.countDocuments({ redemptionId: redemption._id })).toBe(0);
    expect(await RewardLimitSlotModel.countDocuments({ redemptionId: redemption._id })).toBe(0);
    expect(await balance(crashed)).toBe(50);
    const again = await redeem(crashed, reward.id, 'crash-claim-0001');
    expect(again.body.error).toMatchObject({ code: 'REDEMPTION_INTERRUPTED', message: '兑换未完成，积分未扣除，请重新兑换' });

    // The freed slot 1 sits below the taken slot 2: the next resident still finds it.
    await redeemed(second, reward.id, 'after-crash-second-key-2');
    expect((await RewardStockSlotModel.find({ rewardId: reward.id }).lean()).map((slot) => slot.n).sort()).toEqual([1, 2]);
    expect(await balance(crashed)).toBe(50);
  });

  it('frees slots a crashed runner left behind for a failed redemption, and catches up a lagging coupon mirror', async () => {
    const reward = await addReward(managerA, { name: '遗留库存测试券', pointsCost: 10, stock: 1, perResidentLimit: 1 });
    const resident = await residentAt('A', 'orphan-slot-owner', 30);
    const failed = await halfDoneRedemption(resident, reward, 'orphan-slot-0001');
    await RedemptionModel.updateOne({ _id: failed._id }, { $set: { status: 'failed', failureCode: 'OUT_OF_STOCK' } });
    await holdSlots(failed._id, resident, reward, 1);
    expect((await redeem(resident, reward.id, 'orphan-slot-0002')).body.error.code).toBe('LIMIT_REACHED');

    const used = await redeemed(resident, (await addReward(managerA, { name: '镜像测试券' })).id, 'mirror-lag-0001');
    await CouponUseModel.create({ _id: used.coupon!.id, couponId: used.coupon!.id, rewardId: used.rewardId, storeId: storeA, staffId: managerA.staff!.id, staffRole: 'store_manager', at: new Date() });
    expect((await request(app).get('/rewards/coupons/me').set(bearer(resident))).body.find((coupon: Coupon) => coupon.id === used.coupon!.id).state).toBe('used');

    const report = await rewards.repairRedemptions();
    expect(report).toMatchObject({ releasedSlots: 2, couponMirrorsRepaired: 1 });
    expect(await CouponModel.findById(used.coupon!.id).lean()).toMatchObject({ usedStoreId: new Types.ObjectId(storeA) });
    expect((await redeem(resident, reward.id, 'orphan-slot-0003')).status).toBe(201);
  });

  it('when the same key is retried after a crash before deciding, then the redemption finishes with the slots it already holds', async () => {
    const reward = await addReward(managerA, { name: '重试续办测试券', pointsCost: 10, stock: 3, perResidentLimit: 1 });
    const resident = await residentAt('A', 'retry-after-crash', 30);
    const redemption = await halfDoneRedemption(resident, reward, 'crash-retry-0001');
    await holdSlots(redemption._id, resident, reward, 2);

    const finished = await redeemed(resident, reward.id, 'crash-retry-0001');
    expect(finished.id).toBe(String(redemption._id));
    expect(await RewardStockSlotModel.find({ rewardId: reward.id }).lean()).toEqual([expect.objectContaining({ n: 2, redemptionId: redemption._id })]);
    expect(await balance(resident)).toBe(20);
  });
});

describe('the API description', () => {
  it('documents every rewards route in /openapi.json', async () => {
    const paths = (await request(app).get('/openapi.json')).body.paths;
    expect(Object.keys(paths).filter((path) => path.startsWith('/rewards')).sort()).toEqual(
      ['/rewards', '/rewards/coupons/me', '/rewards/coupons/{code}', '/rewards/coupons/{code}/use', '/rewards/manage', '/rewards/{rewardId}', '/rewards/{rewardId}/redeem'].sort(),
    );
    expect(paths['/rewards/{rewardId}/redeem'].post.responses['409']).toBeDefined();
  });
});

describe('demo rewards', () => {
  it('seeds a few Chinese rewards for the demo stores once', async () => {
    await RewardModel.deleteMany({});
    expect((await seedDemoRewards()).created).toBeGreaterThanOrEqual(3);
    expect((await seedDemoRewards()).created).toBe(0);
    const names = (await RewardModel.find().lean()).map((reward) => reward.name);
    expect(names).toEqual(expect.arrayContaining(['满39减5券', '免配送费券', '鸡蛋一盒兑换券']));
    const resident = await residentAt('A', 'demo-browser', 0);
    const listed = (await request(app).get('/rewards').set(bearer(resident))).body.map((reward: { name: string }) => reward.name);
    expect(listed).toEqual(expect.arrayContaining(['满39减5券', '免配送费券', '鸡蛋一盒兑换券']));
    expect(listed).not.toContain('现磨豆浆一杯');
  });
});
