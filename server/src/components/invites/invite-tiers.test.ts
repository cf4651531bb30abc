import { createHmac } from 'node:crypto';
import request from 'supertest';
import { Types } from 'mongoose';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentLabelsModel } from '../labels/labels.model';
import { CommunityModel } from '../organisation/organisation.model';
import { OrderModel } from '../orders/orders.model';
import { ordersRouter } from '../orders/orders.router';
import { PointEntryModel } from '../points/points.model';
import { ResidentModel } from '../residents/resident.model';
import { FraudFlagModel, InviteModel, InviteTierConfigModel, InviteTierRewardModel } from './invite.model';

useTestDatabase();
jest.setTimeout(300_000);

const env = { RATE_LIMIT_MAX: '100000', ORDER_POINTS_PER_YUAN: '1', INVITE_REWARD_POINTS: '50', INVITE_QUALIFY_DAYS: '14' };
const services = testServices(env);
const app = createTestApp({ env, routers: [ordersRouter(services)] });
const secret = services.config.ORDER_WEBHOOK_SECRET;
const DAY = 86_400_000;

type Session = Awaited<ReturnType<typeof login>>;
let communityId = '';
let storeId = '';
let ops: Session;
let counter = 0;

/** The tiers every payment test below runs under (set through the API in the first test). */
const TIERS = [
  { key: 'first_order', inviterPoints: 40, inviteePoints: 10 },
  { key: 'next_month_repurchase', inviterPoints: 30, inviteePoints: 5 },
] as const;

beforeAll(async () => {
  await seedDemoData();
  communityId = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
  ops = await login(app, DEMO_LOGINS.cityOps);
  // The store residents of 汇翠花园 are credited to, as sign-up decides it.
  const probe = await login(app, 'dev:tier-store-probe');
  await request(app).post('/residents/me/sign-up').set(bearer(probe)).send({ communityId }).expect(200);
  storeId = String((await ResidentModel.findById(probe.residentId).lean())!.storeId);
});

async function inviter(name: string, nickname: string): Promise<{ session: Session; id: Types.ObjectId; scene: string }> {
  const session = await login(app, `dev:${name}`);
  await request(app).post('/residents/me/sign-up').set(bearer(session)).send({ communityId }).expect(200);
  await ResidentModel.updateOne({ _id: session.residentId }, { $set: { nickname } });
  const mine = (await request(app).get('/invites/me').set(bearer(session)).expect(200)).body;
  return { session, id: new Types.ObjectId(session.residentId!), scene: mine.scene };
}

/** An invitee signed up through the inviter's link, registered on `registeredAt` (so a first order in October still qualifies). */
async function invitee(scene: string, registeredAt: Date): Promise<Types.ObjectId> {
  counter += 1;
  const session = await login(app, `dev:tier-invitee-${counter}`, { scene });
  await request(app).post('/residents/me/sign-up').set(bearer(session)).send({ communityId }).expect(200);
  const id = new Types.ObjectId(session.residentId!);
  await ResidentModel.updateOne({ _id: id }, { $set: { registeredAt } });
  await InviteModel.updateOne({ _id: id }, { $set: { registeredAt, qualifyBy: new Date(registeredAt.getTime() + 14 * DAY) } });
  return id;
}

/** Delivers an order status event the way the order system does (signed). */
function deliver(orderId: string, status: 'paid' | 'completed' | 'refunded', occurredAt: Date, residentId: Types.ObjectId) {
  const raw = JSON.stringify({
    eventId: `${orderId}-${status}`, orderId, storeId, status, occurredAt: occurredAt.toISOString(), residentId: String(residentId),
    lines: [{ productId: 'SKU-DAI-001', quantity: 1, amountCents: 1000 }], totalCents: 1000,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  return request(app).post('/orders/webhook').set('content-type', 'application/json').set('x-signature', signature).set('x-timestamp', timestamp).send(raw);
}

async function complete(orderId: string, at: Date, residentId: Types.ObjectId): Promise<void> {
  await deliver(orderId, 'completed', at, residentId).expect(200);
}

/** What the invite tiers paid to a resident: applied invite entries, net of clawbacks, by the ledger. */
async function tierEntries(inviteeId: Types.ObjectId) {
  const entries = await PointEntryModel.find({ idempotencyKey: { $regex: `^invite:${inviteeId}` } }).lean();
  return entries.map((entry) => ({ key: entry.idempotencyKey, residentId: String(entry.residentId), amount: entry.intent.amount, holdStatus: entry.holdStatus ?? null })).sort((a, b) => (a.key < b.key ? -1 : 1));
}

const netInvitePoints = async (residentId: Types.ObjectId) => (await services.points.balance(residentId)).available;

// 2026-10-25 12:00 China time; 2026-10-31T16:30Z is already 2026-11-01 in China (the metrics' month).
const REGISTERED = new Date('2026-10-20T02:00:00Z');
const FIRST_ORDER = new Date('2026-10-25T04:00:00Z');
const NOVEMBER_IN_CHINA = new Date('2026-10-31T16:30:00Z');

describe('invite tier configuration', () => {
  it('starts with the single first-order reward from the settings, shown to residents as a sentence', async () => {
    const resident = await login(app, 'dev:tier-reader');
    const body = (await request(app).get('/invites/tiers').set(bearer(resident)).expect(200)).body;
    expect(body).toEqual({ version: 0, tiers: [{ key: 'first_order', inviterPoints: 50, inviteePoints: 0 }], setAt: null, setBy: null, summaryText: '邻居首单你得 50 积分' });
  });

  it('rejects a bad tier list with a Chinese message and stores nothing; only city ops and admins may set it', async () => {
    const bad: [object, string][] = [
      [{ tiers: [{ key: 'next_month_repurchase', inviterPoints: 10, inviteePoints: 0 }] }, '第一个档位必须是邻居首单（first_order）'],
      [{ tiers: [{ key: 'first_order', inviterPoints: 10, inviteePoints: 0 }, { key: 'first_order', inviterPoints: 5, inviteePoints: 0 }] }, '每个档位只能出现一次'],
      [{ tiers: [{ key: 'first_order', inviterPoints: -1, inviteePoints: 0 }] }, '邀请人积分不能为负数'],
      [{ tiers: [{ key: 'first_order', inviterPoints: 10, inviteePoints: 1.5 }] }, '被邀请人积分必须是整数'],
      [{ tiers: [{ key: 'first_order', inviterPoints: 0, inviteePoints: 5 }] }, '首单档位的邀请人积分至少为 1'],
      [{ tiers: [{ key: 'signup', inviterPoints: 10, inviteePoints: 0 }] }, '档位只能是 first_order（首单）或 next_month_repurchase（次月复购）'],
      [{ tiers: [] }, '至少要有首单档位'],
    ];
    for (const [body, message] of bad) {
      const response = await request(app).put('/invites/tiers').set(bearer(ops)).send(body).expect(400);
      expect(JSON.stringify(response.body.error)).toContain(message);
    }
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    await request(app).put('/invites/tiers').set(bearer(manager)).send({ tiers: TIERS }).expect(403);
    expect(await InviteTierConfigModel.countDocuments()).toBe(0);
  });

  it('stores each change as a new version that residents then read', async () => {
    const first = (await request(app).put('/invites/tiers').set(bearer(ops)).send({ tiers: [{ key: 'first_order', inviterPoints: 45, inviteePoints: 0 }] }).expect(200)).body;
    expect(first.version).toBe(1);
    const second = (await request(app).put('/invites/tiers').set(bearer(ops)).send({ tiers: TIERS }).expect(200)).body;
    expect(second).toMatchObject({ version: 2, tiers: TIERS, setBy: ops.staff!.id, summaryText: '邻居首单你得 40 积分，次月复购再得 30 积分；邻居也得 15 积分' });
    expect((await InviteTierConfigModel.find().sort({ _id: 1 }).lean()).map((doc) => doc._id)).toEqual([1, 2]);
    const resident = await login(app, 'dev:tier-reader');
    expect((await request(app).get('/invites/tiers').set(bearer(resident)).expect(200)).body).toMatchObject({ version: 2, tiers: TIERS });
  });
});

describe('paying tiers', () => {
  it('pays each tier once to inviter and invitee under retried and concurrent settles; the repurchase month is China time', async () => {
    const { id: inviterId, scene } = await inviter('tier-inviter-good', '李好邻');
    const inviteeId = await invitee(scene, REGISTERED);
    const inviteeBefore = await netInvitePoints(inviteeId);
    await complete('TIER-GOOD-1', FIRST_ORDER, inviteeId);
    await Promise.all([
      deliver('TIER-GOOD-1', 'completed', FIRST_ORDER, inviteeId),
      deliver('TIER-GOOD-1', 'completed', FIRST_ORDER, inviteeId),
      services.orders.settle('TIER-GOOD-1'),
      services.invites.onQualifyingAction(inviteeId, FIRST_ORDER),
    ]);
    expect(await tierEntries(inviteeId)).toEqual([
      { key: `invite:${inviteeId}`, residentId: String(inviterId), amount: 40, holdStatus: 'released' },
      { key: `invite:${inviteeId}:first_order:invitee`, residentId: String(inviteeId), amount: 10, holdStatus: null },
    ]);

    await Promise.all([
      deliver('TIER-GOOD-2', 'completed', NOVEMBER_IN_CHINA, inviteeId),
      deliver('TIER-GOOD-2', 'completed', NOVEMBER_IN_CHINA, inviteeId),
      services.invites.onOrderSettled(inviteeId),
      services.invites.sweepTiers(new Date('2026-11-20T00:00:00Z')),
    ]);
    await services.orders.settle('TIER-GOOD-2');
    await services.invites.sweepTiers(new Date('2026-11-21T00:00:00Z'));
    expect(await tierEntries(inviteeId)).toEqual([
      { key: `invite:${inviteeId}`, residentId: String(inviterId), amount: 40, holdStatus: 'released' },
      { key: `invite:${inviteeId}:first_order:invitee`, residentId: String(inviteeId), amount: 10, holdStatus: null },
      { key: `invite:${inviteeId}:next_month_repurchase:invitee`, residentId: String(inviteeId), amount: 5, holdStatus: null },
      { key: `invite:${inviteeId}:next_month_repurchase:inviter`, residentId: String(inviterId), amount: 30, holdStatus: null },
    ]);
    // The inviter earns only invite points here; the invitee also earns 10 order points per order.
    expect(await netInvitePoints(inviterId)).toBe(40 + 30);
    expect((await netInvitePoints(inviteeId)) - inviteeBefore).toBe(10 + 5 + 2 * 10);
    expect(await InviteTierRewardModel.find({ inviteeId }).sort({ tier: 1 }).lean()).toEqual([
      expect.objectContaining({ tier: 'first_order', tierVersion: 2, inviterOutcome: 'paid', inviterPoints: 40, inviteePoints: 10 }),
      expect.objectContaining({ tier: 'next_month_repurchase', tierVersion: 2, inviterOutcome: 'paid', inviterPoints: 30, inviteePoints: 5, reachedAt: NOVEMBER_IN_CHINA }),
    ]);
  });

  it('does not count an order two months later, and takes the repurchase reward back on refund without paying it again', async () => {
    const { id: inviterId, scene } = await inviter('tier-inviter-refund', '王退款');
    const inviteeId = await invitee(scene, REGISTERED);
    await complete('TIER-REF-1', FIRST_ORDER, inviteeId);
    // 2026-11-30T16:30Z is 2026-12-01 in China: not the month after October.
    await complete('TIER-REF-DEC', new Date('2026-11-30T16:30:00Z'), inviteeId);
    expect(await InviteTierRewardModel.exists({ _id: `${inviteeId}:next_month_repurchase` })).toBeNull();
    await complete('TIER-REF-2', new Date('2026-11-10T04:00:00Z'), inviteeId);
    expect(await netInvitePoints(inviterId)).toBe(40 + 30);
    await deliver('TIER-REF-2', 'refunded', new Date('2026-11-11T04:00:00Z'), inviteeId).expect(200);
    expect(await netInvitePoints(inviterId)).toBe(40);
    await complete('TIER-REF-3', new Date('2026-11-15T04:00:00Z'), inviteeId);
    await services.invites.sweepTiers(new Date('2026-11-20T00:00:00Z'));
    expect(await netInvitePoints(inviterId)).toBe(40);
    expect(await PointEntryModel.countDocuments({ idempotencyKey: `invite:${inviteeId}:next_month_repurchase:inviter` })).toBe(1);
  });

  it('takes the first-order tier back from both when the only first order is refunded, and never pays it again', async () => {
    const { id: inviterId, scene } = await inviter('tier-inviter-first-refund', '吴首退');
    const inviteeId = await invitee(scene, REGISTERED);
    const inviteeBefore = await netInvitePoints(inviteeId);
    await complete('TIER-FREF-1', FIRST_ORDER, inviteeId);
    expect(await netInvitePoints(inviterId)).toBe(40);
    await deliver('TIER-FREF-1', 'refunded', new Date('2026-10-26T04:00:00Z'), inviteeId).expect(200);
    expect(await netInvitePoints(inviterId)).toBe(0);
    expect(await netInvitePoints(inviteeId)).toBe(inviteeBefore);
    await complete('TIER-FREF-2', new Date('2026-10-28T04:00:00Z'), inviteeId);
    expect(await netInvitePoints(inviterId)).toBe(0);
    // Only the order's own points come back.
    expect((await netInvitePoints(inviteeId)) - inviteeBefore).toBe(10);
  });

  it('never pays a tier to an inviter with an open or rejected fraud flag or a low-quality label, records why, and still pays the invitee', async () => {
    const open = await inviter('tier-inviter-open', '赵待审');
    const rejected = await inviter('tier-inviter-rejected', '钱驳回');
    const lowQuality = await inviter('tier-inviter-low', '孙低质');
    const cases = [
      { who: open, reason: '邀请人有待审核的风控标记', firstOutcome: 'held' },
      { who: rejected, reason: '邀请人的风控标记审核未通过', firstOutcome: 'skipped' },
      { who: lowQuality, reason: '邀请人被标为低质邀请', firstOutcome: 'skipped' },
    ];
    const inviteeIds: Types.ObjectId[] = [];
    for (const { who } of cases) inviteeIds.push(await invitee(who.scene, REGISTERED));
    await FraudFlagModel.create({ key: `${open.id}:burst_1d:1`, inviterId: open.id, storeId, rule: 'burst_1d', status: 'open', createdAt: new Date() });
    await FraudFlagModel.create({ key: `${rejected.id}:burst_1d:1`, inviterId: rejected.id, storeId, rule: 'burst_1d', status: 'cancelled', createdAt: new Date() });
    // As the label refresh writes it (the real rule needs judged invitees older than the test's).
    await ResidentLabelsModel.updateOne(
      { _id: lowQuality.id },
      { $set: { labels: [{ key: 'invite_quality', values: ['low'], reason: '已判定 5 人中 1 人完成首单', setAt: new Date(), source: 'rule' }], computedAt: new Date() } },
      { upsert: true },
    );

    for (const [index, inviteeId] of inviteeIds.entries()) {
      await complete(`TIER-FLAG-${index}-1`, FIRST_ORDER, inviteeId);
      await complete(`TIER-FLAG-${index}-2`, NOVEMBER_IN_CHINA, inviteeId);
      await complete(`TIER-FLAG-${index}-2`, NOVEMBER_IN_CHINA, inviteeId);
    }
    for (const [index, { who, reason, firstOutcome }] of cases.entries()) {
      const inviteeId = inviteeIds[index];
      expect(await netInvitePoints(who.id)).toBe(0);
      expect(await PointEntryModel.exists({ idempotencyKey: `invite:${inviteeId}:next_month_repurchase:inviter` })).toBeNull();
      const paidToInvitee = await PointEntryModel.find({ residentId: inviteeId, idempotencyKey: { $in: [`invite:${inviteeId}:first_order:invitee`, `invite:${inviteeId}:next_month_repurchase:invitee`] } }).lean();
      expect(paidToInvitee.map((entry) => entry.intent.amount).sort()).toEqual([10, 5].sort());
      const decisions = (await request(app).get('/invites/tier-rewards').query({ inviterId: String(who.id) }).set(bearer(ops)).expect(200)).body;
      expect(decisions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ inviteeId: String(inviteeId), tier: 'first_order', inviterOutcome: firstOutcome, inviterSkipReason: reason }),
          expect.objectContaining({ inviteeId: String(inviteeId), tier: 'next_month_repurchase', inviterOutcome: 'skipped', inviterSkipReason: reason, inviteePoints: 5 }),
        ]),
      );
    }
    expect((await InviteModel.findById(inviteeIds[0]).lean())!.state).toBe('held_for_review');
    expect((await InviteModel.findById(inviteeIds[1]).lean())!.state).toBe('cancelled');
    expect((await InviteModel.findById(inviteeIds[2]).lean())!.state).toBe('cancelled');
    const otherStoreManager = await login(app, DEMO_LOGINS.managers[1]);
    await request(app).get('/invites/tier-rewards').query({ inviterId: String(open.id) }).set(bearer(otherStoreManager)).expect(403);
  });
});

describe('invite leaderboard', () => {
  /** China-time month of an instant, by plain offset arithmetic (independent of the server's helpers). */
  const chinaMonth = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 7);

  /**
   * The leaderboard computed from the raw order records: an invitee counts for the month of the
   * first order that ever completed (within the window), unless afterwards all their completed
   * orders were refunded or cancelled at some moment (the invite is then cancelled for good, as
   * its reward is), and only for inviters with no open or rejected flag and no low-quality label.
   */
  async function independentCounts(month: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const flagged = new Set((await FraudFlagModel.find({ status: { $in: ['open', 'cancelled'] } }).lean()).map((flag) => String(flag.inviterId)));
    const low = new Set(
      (await ResidentLabelsModel.find().lean()).filter((doc) => doc.labels.some((label) => label.key === 'invite_quality' && label.values.some((value) => ['low', 'flagged'].includes(value)))).map((doc) => String(doc._id)),
    );
    for (const invite of await InviteModel.find().lean()) {
      const orders = (await OrderModel.find({ residentId: invite._id }).lean()).filter((order) => order.completedAt);
      if (orders.length === 0) continue;
      const changes = orders.flatMap((order) => {
        const undone = order.state === 'completed' ? null : (order.refundedAt ?? order.cancelledAt);
        return [{ at: order.completedAt!.getTime(), delta: 1 }, ...(undone ? [{ at: undone.getTime(), delta: -1 }] : [])];
      }).sort((a, b) => a.at - b.at || b.delta - a.delta);
      const first = new Date(changes[0].at);
      let open = 0;
      let reversed = false;
      for (const change of changes) {
        open += change.delta;
        if (open === 0) reversed = true;
      }
      if (reversed || first > invite.qualifyBy || chinaMonth(first) !== month) continue;
      if (flagged.has(String(invite.inviterId)) || low.has(String(invite.inviterId))) continue;
      counts.set(String(invite.inviterId), (counts.get(String(invite.inviterId)) ?? 0) + 1);
    }
    return counts;
  }

  it('ranks inviters by qualified invitees only, leaves out flagged and low-quality inviters, and matches an independent count', async () => {
    const top = await inviter('tier-inviter-top', '周冠军');
    for (let i = 0; i < 3; i += 1) await complete(`TIER-TOP-${i}`, FIRST_ORDER, await invitee(top.scene, REGISTERED));
    // Signed up but never ordered, and ordered only after the window: neither counts.
    await invitee(top.scene, REGISTERED);
    await complete('TIER-TOP-LATE', new Date('2026-10-31T04:00:00Z'), await invitee(top.scene, new Date('2026-10-01T02:00:00Z')));
    // A first order refunded: no longer qualified.
    const refunded = await invitee(top.scene, REGISTERED);
    await complete('TIER-TOP-REF', FIRST_ORDER, refunded);
    await deliver('TIER-TOP-REF', 'refunded', new Date('2026-10-26T04:00:00Z'), refunded).expect(200);

    const resident = (await request(app).get('/invites/leaderboard').query({ month: '2026-10' }).set(bearer(top.session)).expect(200)).body;
    const expected = await independentCounts('2026-10');
    expect(expected.get(String(top.id))).toBe(3);
    const expectedRows = [...expected.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    expect(resident.rows.map((row: { qualifiedInvitees: number }) => row.qualifiedInvitees)).toEqual(expectedRows.map(([, count]) => count).slice(0, 20));
    expect(resident.rows[0]).toEqual({ rank: 1, displayName: '周**', qualifiedInvitees: 3, inviterId: null, storeId: null });
    expect(resident.mine).toEqual({ rank: 1, qualifiedInvitees: 3, excludedReason: null });
    for (const name of ['赵**', '钱**', '孙**']) expect(resident.rows.map((row: { displayName: string }) => row.displayName)).not.toContain(name);

    const staff = (await request(app).get('/invites/leaderboard').query({ month: '2026-10' }).set(bearer(ops)).expect(200)).body;
    expect(new Map(staff.rows.map((row: { inviterId: string; qualifiedInvitees: number }) => [row.inviterId, row.qualifiedInvitees]))).toEqual(expected);
    expect(staff.rows[0]).toMatchObject({ displayName: '周冠军', inviterId: String(top.id), storeId });

    const excluded = await login(app, 'dev:tier-inviter-open');
    expect((await request(app).get('/invites/leaderboard').query({ month: '2026-10' }).set(bearer(excluded)).expect(200)).body.mine).toEqual({
      rank: null, qualifiedInvitees: 1, excludedReason: '邀请人有待审核的风控标记',
    });
    const otherStore = await login(app, DEMO_LOGINS.managers[1]);
    const otherStoreRows = (await request(app).get('/invites/leaderboard').query({ month: '2026-10' }).set(bearer(otherStore)).expect(200)).body.rows;
    expect(otherStoreRows.map((row: { storeId: string }) => row.storeId).filter((id: string) => id === storeId)).toEqual([]);
    expect((await request(app).get('/invites/leaderboard').query({ month: '2026-11' }).set(bearer(top.session)).expect(200)).body.mine.rank).toBeNull();
  });

  it('answers a bad month in Chinese', async () => {
    const resident = await login(app, 'dev:tier-reader');
    const response = await request(app).get('/invites/leaderboard').query({ month: '2026-13' }).set(bearer(resident)).expect(400);
    expect(JSON.stringify(response.body.error)).toContain('月份格式应为 YYYY-MM');
  });
});

describe('saving tiers concurrently', () => {
  it('gives each save its own version: a save that lost the race is told to reload, never overwrites', async () => {
    const before = await InviteTierConfigModel.countDocuments();
    const responses = await Promise.all([0, 1, 2].map((extra) => request(app).put('/invites/tiers').set(bearer(ops)).send({ tiers: [{ key: 'first_order', inviterPoints: 40 + extra, inviteePoints: 10 }] })));
    for (const response of responses) expect([200, 409]).toContain(response.status);
    const saved = responses.filter((response) => response.status === 200);
    for (const response of responses.filter((candidate) => candidate.status === 409)) expect(response.body.error.message).toBe('奖励档位刚被其他人修改，请刷新后再保存');
    const versions = (await InviteTierConfigModel.find().sort({ _id: 1 }).lean()).map((doc) => doc._id);
    expect(versions).toEqual(Array.from({ length: before + saved.length }, (_, index) => index + 1));
    expect(saved.map((response) => response.body.version as number).sort((a, b) => a - b)).toEqual(versions.slice(before));
  });

  it('keeps a manager to their own stores on the staff leaderboard', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[1]);
    const response = await request(app).get('/invites/leaderboard').query({ month: '2026-10', storeId }).set(bearer(manager)).expect(403);
    expect(response.body.error.message).toBe('这个门店不在你的负责范围内');
  });
});
