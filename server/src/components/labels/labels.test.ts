import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import type { StaffPrincipal } from '../auth/auth.guard';
import { GroupActivityModel, GroupCheckinModel, GroupDeliveryModel, GroupIdentityModel, GroupMemberModel, GroupModel } from '../groups/groups.model';
import { FraudFlagModel, InviteModel } from '../invites/invite.model';
import { ResidentInterestModel } from '../interest/interest.model';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { seedDemoTasks } from '../tasks/tasks.seed';
import { seedLabelCatalogue } from './labels.catalogue';
import { ResidentLabelsModel } from './labels.model';
import { LabelService } from './labels.service';

useTestDatabase();
jest.setTimeout(600_000);

/*
 * Expected values are computed in this file from the raw rows it inserted, with plain loops and
 * its own day arithmetic; the shared label rules and the audience matcher are not used for them.
 */
const DAY = 24 * 3600_000;
const NOW = new Date();
const daysAgo = (at: Date) => Math.floor((NOW.getTime() - at.getTime()) / DAY);

const env = { RATE_LIMIT_MAX: '100000' };
const { app, services } = createTestApplication({ env });
const { labels, audiences } = services;
const { refresher } = labels;

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let ops: Session;
let managerA: Session;
let advisorA: Session;
let advisorB: Session;
let stores: { _id: Types.ObjectId; cityId: Types.ObjectId }[] = [];
let communities: { _id: Types.ObjectId; name: string }[] = [];
let adminPrincipal: StaffPrincipal;

let seed = 20260308;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

beforeAll(async () => {
  await seedDemoData();
  await seedDemoTasks(NOW);
  await seedLabelCatalogue();
  [admin, ops, managerA, advisorA, advisorB] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.advisors[0], DEMO_LOGINS.advisors[2]].map((code) => login(app, code)),
  );
  stores = await StoreModel.find({}, { cityId: 1 }).sort({ _id: 1 }).lean();
  communities = await CommunityModel.find({}, { name: 1 }).sort({ _id: 1 }).lean();
  const adminRecord = (await StaffModel.findOne({ role: 'admin' }).lean())!;
  adminPrincipal = { id: adminRecord._id, name: adminRecord.name, role: 'admin', storeId: null, cityId: null };
});

interface Row {
  _id: Types.ObjectId;
  registeredAt: Date;
  storeId: Types.ObjectId;
  communityId: Types.ObjectId;
  advisorId?: Types.ObjectId | null;
}

async function insertResidents(rows: Row[]): Promise<void> {
  await ResidentModel.insertMany(
    rows.map((row) => ({
      _id: row._id, openid: `o-${row._id}`, inviteCode: `i${String(row._id).slice(-12)}`, creationToken: 't', nickname: `居民${String(row._id).slice(-4)}`,
      registeredAt: row.registeredAt, signedUpAt: row.registeredAt, storeId: row.storeId, communityId: row.communityId,
      attribution: { source: 'code', at: row.registeredAt, storeId: row.storeId, advisorId: row.advisorId ?? null },
    })),
  );
}

let orderNumber = 0;
async function insertOrders(rows: { residentId: Types.ObjectId; storeId: Types.ObjectId; state: string; completedAt: Date; totalCents: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await mongoose.connection.collection('orders').insertMany(
    rows.map((row) => ({ ...row, _id: `L-${(orderNumber += 1)}`, communityId: null, placedAt: row.completedAt, lastEventAt: row.completedAt, updatedAt: row.completedAt, derivedFrom: 'test', lines: [] })) as never[],
  );
}

const valuesOf = async (residentId: Types.ObjectId) => {
  const doc = await ResidentLabelsModel.findById(residentId).lean();
  return Object.fromEntries((doc?.labels ?? []).map((label) => [label.key, label.values]));
};

describe('rule labels on hand-built residents, through the database', () => {
  it('computes every family from orders, task events, group data, invites and the interest label', async () => {
    const [store] = stores;
    const community = communities[0];
    const dormant: Row = { _id: new Types.ObjectId(), registeredAt: new Date(NOW.getTime() - 200 * DAY), storeId: store._id, communityId: community._id };
    const invitee1: Row = { _id: new Types.ObjectId(), registeredAt: new Date(NOW.getTime() - 60 * DAY), storeId: store._id, communityId: community._id };
    const invitee2: Row = { ...invitee1, _id: new Types.ObjectId() };
    await insertResidents([dormant, invitee1, invitee2]);
    await insertOrders([
      { residentId: dormant._id, storeId: store._id, state: 'completed', completedAt: new Date(NOW.getTime() - 45 * DAY - 3600_000), totalCents: 12_345 },
      { residentId: dormant._id, storeId: store._id, state: 'completed', completedAt: new Date(NOW.getTime() - 100 * DAY), totalCents: 50_000 },
      // A refunded order never counts, however recent.
      { residentId: dormant._id, storeId: store._id, state: 'refunded', completedAt: new Date(NOW.getTime() - 2 * DAY), totalCents: 99_000 },
    ]);
    await TaskEventModel.collection.insertOne({ residentId: dormant._id, type: 'store_visited', idempotencyKey: `v-${dormant._id}`, occurredAt: new Date(NOW.getTime() - 40 * DAY), source: 'server', storeId: null, counts: [], recordedAt: NOW });
    const group = await GroupModel.create({ roomId: `room-${dormant._id}`, topic: '测试群', storeId: store._id, cityId: store.cityId, boundAt: NOW });
    await GroupIdentityModel.create({ _id: `wx-${dormant._id}`, residentId: dormant._id, boundAt: NOW });
    await GroupMemberModel.create({ _id: `${group._id}:wx-${dormant._id}`, groupId: group._id, wxid: `wx-${dormant._id}`, joinedAt: NOW });
    await GroupCheckinModel.create({ _id: `${dormant._id}:x`, residentId: dormant._id, groupId: group._id, day: '2026-01-01', at: new Date(NOW.getTime() - 3 * DAY) });
    await InviteModel.insertMany([
      { _id: invitee1._id, inviterId: dormant._id, registeredAt: invitee1.registeredAt, qualifyBy: new Date(invitee1.registeredAt.getTime() + 14 * DAY), rewardPoints: 50, qualifiedAt: new Date(invitee1.registeredAt.getTime() + DAY) },
      { _id: invitee2._id, inviterId: dormant._id, registeredAt: invitee2.registeredAt, qualifyBy: new Date(invitee2.registeredAt.getTime() + 14 * DAY), rewardPoints: 50 },
    ]);
    await ResidentInterestModel.create({ _id: dormant._id, categories: ['乳品', '水果', '蔬菜', '粮油'].map((category, index) => ({ category, score: 1 - index / 10 })), products: [], modelId: 'test', builtAt: NOW });

    // Another member whose only group activity is messages two days ago; a third member never spoke.
    const talker: Row = { ...invitee1, _id: new Types.ObjectId() };
    const quiet: Row = { ...invitee1, _id: new Types.ObjectId() };
    await insertResidents([talker, quiet]);
    await GroupIdentityModel.insertMany([{ _id: `wx-${talker._id}`, residentId: talker._id, boundAt: NOW }, { _id: `wx-${quiet._id}`, residentId: quiet._id, boundAt: NOW }]);
    await GroupMemberModel.insertMany([talker, quiet].map((row) => ({ _id: `${group._id}:wx-${row._id}`, groupId: group._id, wxid: `wx-${row._id}`, joinedAt: NOW })));
    const twoDaysAgo = new Date(NOW.getTime() - 2 * DAY + 8 * 3600_000).toISOString().slice(0, 10);
    await GroupActivityModel.create({ _id: `${group._id}:${twoDaysAgo}`, groupId: group._id, day: twoDaysAgo, counts: [{ wxid: `wx-${talker._id}`, messages: 3 }, { wxid: 'wx-not-a-resident', messages: 9 }], at: NOW });
    await labels.refreshResident(talker._id, NOW);
    await labels.refreshResident(quiet._id, NOW);
    expect((await valuesOf(talker._id)).group).toEqual(['active']);
    expect((await valuesOf(quiet._id)).group).toEqual(['silent']);

    await labels.refreshResident(dormant._id, NOW);
    const stored = await ResidentLabelsModel.findById(dormant._id).lean();
    const byKey = Object.fromEntries(stored!.labels.map((label) => [label.key, label]));
    expect(byKey.lifecycle).toMatchObject({ values: ['dormant'], reason: '最近一次活跃在 40 天前', source: 'rule' });
    expect(byKey.recency).toMatchObject({ values: ['r3'], reason: '最近一次下单在 45 天前' });
    expect(byKey.frequency).toMatchObject({ values: ['f1'], reason: '近 90 天完成 1 单' });
    expect(byKey.monetary).toMatchObject({ values: ['m1'], reason: '近 90 天消费 123.45 元' });
    expect(byKey.group).toMatchObject({ values: ['active'], reason: '最近一次群内活跃在 3 天前' });
    expect(byKey.invite_quality).toMatchObject({ values: ['good'], reason: '已邀请 2 人，已判定 2 人中 1 人完成首单' });
    expect(byKey.interest_category).toMatchObject({ values: ['乳品', '水果', '蔬菜'], source: 'interest' });
    expect(byKey.community).toMatchObject({ values: [String(community._id)], reason: `所在小区：${community.name}` });
    expect(byKey.store.values).toEqual([String(store._id)]);
    expect(byKey.newbie_tasks).toMatchObject({ values: ['not_started'] });
    expect(stored).toMatchObject({ storeId: store._id, cityId: store.cityId, communityId: community._id });

    // An open fraud flag turns the invite label to flagged; the unchanged labels keep their setAt.
    await FraudFlagModel.create({ key: `${dormant._id}:burst_1d`, inviterId: dormant._id, rule: 'burst_1d', createdAt: NOW });
    const later = new Date(NOW.getTime() + 60_000);
    await labels.refreshResident(dormant._id, later);
    const again = Object.fromEntries((await ResidentLabelsModel.findById(dormant._id).lean())!.labels.map((label) => [label.key, label]));
    expect(again.invite_quality).toMatchObject({ values: ['flagged'], setAt: later });
    expect(again.recency.setAt).toEqual(byKey.recency.setAt);
  });
});

describe('labels follow order events', () => {
  it('when a resident completes an order and it is then refunded, their labels follow each change', async () => {
    const session = await login(app, 'dev:label-buyer');
    const residentId = new Types.ObjectId(session.residentId!);
    await labels.refreshResident(residentId);
    expect(await valuesOf(residentId)).toMatchObject({ lifecycle: ['new'], recency: ['none'], frequency: ['f0'], monetary: ['m0'] });
    const communitySetAt = (await ResidentLabelsModel.findById(residentId).lean())!.labels.find((label) => label.key === 'store')!.setAt;

    const storeId = String(stores[0]._id);
    const event = (status: string, minutesAgo: number) => ({
      eventId: `LB-1-${status}`, orderId: 'LB-1', storeId, status, occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      residentId: String(residentId), lines: [{ productId: 'SKU-1', quantity: 1, amountCents: 25_000 }], totalCents: 25_000,
    });
    await services.orders.receive(event('paid', 30) as never);
    await services.orders.receive(event('completed', 20) as never);
    await refresher.idle();
    expect(await valuesOf(residentId)).toMatchObject({ recency: ['r1'], frequency: ['f1'], monetary: ['m2'] });

    await services.orders.receive(event('refunded', 10) as never);
    await refresher.idle();
    expect(await valuesOf(residentId)).toMatchObject({ recency: ['none'], frequency: ['f0'], monetary: ['m0'] });
    const storeLabel = (await ResidentLabelsModel.findById(residentId).lean())!.labels.find((label) => label.key === 'store')!;
    expect(storeLabel.setAt).toEqual(communitySetAt);
  });
});

// ---- a generated chain: recompute, audiences, groups -----------------------------------------------

interface Generated extends Row {
  orders: { state: string; completedAt: Date; totalCents: number }[];
  categories: string[];
  wxid: string | null;
  groupIndex: number | null;
}
const generated: Generated[] = [];
const groupIds: Types.ObjectId[] = [];
const CATEGORIES = ['水果', '蔬菜', '乳品', '粮油', '日用'];

async function generateChain(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const registeredAt = new Date(NOW.getTime() - Math.floor(random() * 300 * DAY));
    const span = NOW.getTime() - registeredAt.getTime();
    const orders = Array.from({ length: Math.floor(random() * 5) }, () => ({
      state: random() < 0.8 ? 'completed' : 'refunded',
      completedAt: new Date(registeredAt.getTime() + Math.floor(random() * span)),
      totalCents: 500 + Math.floor(random() * 30_000),
    }));
    const categories = random() < 0.5 ? [...CATEGORIES].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3)) : [];
    const inGroup = random() < 0.4;
    generated.push({
      _id: new Types.ObjectId(), registeredAt, storeId: pick(stores)._id, communityId: pick(communities)._id,
      orders, categories, wxid: inGroup ? `wx-gen-${index}` : null, groupIndex: inGroup ? Math.floor(random() * 3) : null,
    });
  }
  await insertResidents(generated);
  await insertOrders(generated.flatMap((row) => row.orders.map((order) => ({ residentId: row._id, storeId: row.storeId, ...order }))));
  const events = generated.flatMap((row, index) =>
    Array.from({ length: index % 3 }, (_, n) => ({
      residentId: row._id, type: pick(['group_checkin', 'activity_viewed', 'store_visited']), idempotencyKey: `gen-${index}-${n}`,
      occurredAt: new Date(row.registeredAt.getTime() + Math.floor(random() * (NOW.getTime() - row.registeredAt.getTime()))), source: 'server', storeId: null, counts: [], recordedAt: NOW,
    })),
  );
  await TaskEventModel.collection.insertMany(events);
  const interests = generated.filter((row) => row.categories.length > 0);
  await ResidentInterestModel.insertMany(interests.map((row) => ({ _id: row._id, categories: row.categories.map((category, rank) => ({ category, score: 10 - rank })), products: [], modelId: 'test', builtAt: NOW })));
  for (let index = 0; index < 3; index += 1) {
    const store = stores[index % stores.length];
    groupIds.push((await GroupModel.create({ roomId: `gen-room-${index}`, topic: `生成群${index}`, storeId: store._id, cityId: store.cityId, boundAt: NOW }))._id);
  }
  const members = generated.filter((row) => row.wxid);
  await GroupIdentityModel.insertMany(members.map((row) => ({ _id: row.wxid, residentId: row._id, boundAt: NOW })));
  await GroupMemberModel.insertMany(members.map((row) => ({ _id: `${groupIds[row.groupIndex!]}:${row.wxid}`, groupId: groupIds[row.groupIndex!], wxid: row.wxid, joinedAt: NOW })));
  // One member left their group: not counted as in it.
  await GroupMemberModel.updateOne({ wxid: members[0].wxid }, { $set: { leftAt: NOW } });
  members[0].groupIndex = null;
}

/** Days since the latest completed order, computed here from the generated rows. */
function lastCompletedDays(row: Generated): number | null {
  const completed = row.orders.filter((order) => order.state === 'completed').map((order) => order.completedAt.getTime());
  return completed.length > 0 ? daysAgo(new Date(Math.max(...completed))) : null;
}

function expectedRecency(row: Generated): string {
  const days = lastCompletedDays(row);
  if (days === null) return 'none';
  if (days <= 7) return 'r1';
  if (days <= 30) return 'r2';
  if (days <= 90) return 'r3';
  return 'r4';
}

describe('nightly recompute', () => {
  beforeAll(async () => {
    await generateChain(300);
  });

  it('agrees with refreshing each resident one by one, and with a direct computation of recency and interest', async () => {
    const ghost = new Types.ObjectId();
    await ResidentLabelsModel.collection.insertOne({ _id: ghost, labels: [], computedAt: NOW, storeId: null, cityId: null, communityId: null });
    const result = await labels.recomputeAll(NOW);
    const residentTotal = await ResidentModel.countDocuments();
    expect(result).toMatchObject({ residents: residentTotal, written: residentTotal, removed: 1 });
    expect(await ResidentLabelsModel.findById(ghost).lean()).toBeNull();

    const nightly = new Map((await ResidentLabelsModel.find().lean()).map((doc) => [String(doc._id), doc.labels.map(({ key, values, reason }) => ({ key, values, reason }))]));
    for (const row of generated) {
      const values = Object.fromEntries(nightly.get(String(row._id))!.map((label) => [label.key, label.values]));
      expect([String(row._id), values.recency]).toEqual([String(row._id), [expectedRecency(row)]]);
      expect(values.interest_category).toEqual(row.categories.slice(0, 3));
      expect(values.store).toEqual([String(row.storeId)]);
      expect(values.group).toEqual(row.groupIndex === null ? ['none'] : [expect.stringMatching(/^(silent|active)$/)]);
    }

    for (let start = 0; start < generated.length; start += 20) {
      await Promise.all(generated.slice(start, start + 20).map((row) => labels.refreshResident(row._id, NOW)));
    }
    const single = new Map((await ResidentLabelsModel.find().lean()).map((doc) => [String(doc._id), doc.labels.map(({ key, values, reason }) => ({ key, values, reason }))]));
    for (const row of generated) expect([String(row._id), single.get(String(row._id))]).toEqual([String(row._id), nightly.get(String(row._id))]);

    // A rerun writes the same labels again.
    await labels.recomputeAll(NOW);
    const rerun = new Map((await ResidentLabelsModel.find().lean()).map((doc) => [String(doc._id), doc.labels.map(({ key, values, reason }) => ({ key, values, reason }))]));
    expect(rerun).toEqual(nightly);
  });
});

const condition = { any: [{ label: 'recency', op: 'in', values: ['r3', 'r4'] }, { label: 'interest_category', op: 'eq', value: '水果' }] };
/** The same audience written as a plain filter over the generated rows. */
const expectedMember = (row: Generated) => ['r3', 'r4'].includes(expectedRecency(row)) || row.categories.slice(0, 3).includes('水果');

describe('a refresh while the nightly recompute runs', () => {
  it('is queued again after the swap, so the recompute does not overwrite it with older facts; recomputes do not overlap', async () => {
    const queued: string[] = [];
    const service = new LabelService({ logger: services.logger, scheduleRefresh: (residentId) => queued.push(String(residentId)) });
    const row = generated[0];
    const running = service.recomputeAll(NOW);
    await expect(service.recomputeAll(NOW)).rejects.toMatchObject({ status: 409 });
    await service.refreshResident(row._id, NOW);
    expect(queued).toEqual([]);
    await running;
    expect(queued).toEqual([String(row._id)]);
    // Once it has finished, refreshes are not queued again.
    await service.refreshResident(row._id, NOW);
    expect(queued).toHaveLength(1);
  });
});

describe('audiences', () => {

  it('counts and lists the members of a city audience exactly as a direct filter of the data', async () => {
    const created = await request(app).post('/audiences').set(bearer(ops)).send({ name: '沉睡或爱水果', conditions: condition });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ cityId: String(stores[0].cityId), storeId: null });
    const expected = generated.filter(expectedMember).map((row) => String(row._id)).sort();
    expect(expected.length).toBeGreaterThan(20);

    const count = await request(app).get(`/audiences/${created.body.id}/count`).set(bearer(ops));
    expect(count.status).toBe(200);
    // Residents outside the generated chain (the hand-built ones, the order buyer) are checked on their own.
    const others = (await audiences.memberIds(created.body.id)).map(String).filter((id) => !generated.some((row) => String(row._id) === id));
    expect(count.body.count).toBe(expected.length + others.length);

    const listed: string[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await request(app).get(`/audiences/${created.body.id}/members?limit=50&offset=${offset}`).set(bearer(ops));
      expect(page.status).toBe(200);
      listed.push(...page.body.items.map((item: { residentId: string }) => item.residentId));
      if (page.body.items.length < 50) break;
    }
    expect(listed.filter((id) => !others.includes(id)).sort()).toEqual(expected);
    const first = await request(app).get(`/audiences/${created.body.id}/members?limit=1`).set(bearer(ops));
    const row = generated.find((item) => String(item._id) === first.body.items[0].residentId);
    if (row) {
      expect(first.body.items[0]).toMatchObject({ storeId: String(row.storeId), communityId: String(row.communityId), nickname: `居民${String(row._id).slice(-4)}` });
      expect(first.body.items[0].labels).toEqual([{ key: 'recency', values: [expectedRecency(row)] }, { key: 'interest_category', values: row.categories.slice(0, 3) }]);
    }
  });

  it('limits a store manager\'s audience to their store, and the preview counts the same', async () => {
    const storeA = stores.find((store) => String(store._id) === managerA.staff!.storeId)!;
    const created = await request(app).post('/audiences').set(bearer(managerA)).send({ name: '本店沉睡', conditions: condition });
    expect(created.body.storeId).toBe(String(storeA._id));
    const inStore = generated.filter((row) => row.storeId.equals(storeA._id) && expectedMember(row)).length;
    const extra = (await audiences.memberIds(created.body.id)).map(String).filter((id) => !generated.some((row) => String(row._id) === id)).length;
    const count = await request(app).get(`/audiences/${created.body.id}/count`).set(bearer(managerA));
    expect(count.body.count).toBe(inStore + extra);
    const preview = await request(app).post('/audiences/preview').set(bearer(managerA)).send({ conditions: condition });
    expect(preview.body.count).toBe(count.body.count);

    const otherStore = stores.find((store) => !store._id.equals(storeA._id))!;
    const forbidden = await request(app).post('/audiences').set(bearer(managerA)).send({ name: 'x', storeId: String(otherStore._id), conditions: condition });
    expect(forbidden.status).toBe(403);
    const cityAudience = (await request(app).get('/audiences').set(bearer(ops))).body.find((audience: { name: string }) => audience.name === '沉睡或爱水果');
    expect((await request(app).get(`/audiences/${cityAudience.id}`).set(bearer(managerA))).status).toBe(403);
    expect((await request(app).get('/audiences').set(bearer(managerA))).body.map((audience: { name: string }) => audience.name)).toEqual(['本店沉睡']);
    expect((await request(app).get('/audiences').set(bearer(advisorA))).status).toBe(403);
  });

  it('rejects unknown labels and values with the path of each, too deep trees, and unknown operators', async () => {
    const bad = await request(app).post('/audiences').set(bearer(ops)).send({
      name: '错误', conditions: { all: [{ label: 'lifecycle', op: 'eq', value: 'sleepy' }, { any: [{ label: 'no_such_label', op: 'exists' }, { label: 'store', op: 'in', values: ['abc'] }] }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { path: 'body.conditions.all.0.value', message: expect.stringContaining('has no value sleepy') },
      { path: 'body.conditions.all.1.any.0.label', message: 'unknown label no_such_label' },
      { path: 'body.conditions.all.1.any.1.values.0', message: 'label store takes a 24-character id' },
    ]);
    const deep = await request(app).post('/audiences/preview').set(bearer(ops)).send({ conditions: { all: [{ any: [{ all: [{ any: [{ label: 'store', op: 'exists' }] }] }] }] } });
    expect(deep.status).toBe(400);
    expect(deep.body.error.details[0]).toMatchObject({ path: 'body.conditions', message: '条件最多嵌套 4 层，这里至少有 5 层' });
    const op = await request(app).post('/audiences/preview').set(bearer(ops)).send({ conditions: { label: 'store', op: 'gt', value: '1' } });
    expect(op.status).toBe(400);
    expect(op.body.error.details[0].path).toMatch(/^body\.conditions/);
    expect(await audiences.describe(new Types.ObjectId().toHexString())).toBeNull();
  });

  it('lists the groups the members are in, counted directly from the data', async () => {
    const cityAudience = (await request(app).get('/audiences').set(bearer(ops))).body.find((audience: { name: string }) => audience.name === '沉睡或爱水果');
    const response = await request(app).get(`/audiences/${cityAudience.id}/groups`).set(bearer(ops));
    expect(response.status).toBe(200);
    const expected = new Map<string, number>();
    for (const row of generated) if (expectedMember(row) && row.groupIndex !== null) expected.set(String(groupIds[row.groupIndex]), (expected.get(String(groupIds[row.groupIndex])) ?? 0) + 1);
    const got = new Map(response.body.groups.filter((group: { groupId: string }) => expected.has(group.groupId) || groupIds.some((id) => String(id) === group.groupId)).map((group: { groupId: string; members: number }) => [group.groupId, group.members]));
    expect(got).toEqual(expected);
  });
});

describe('group broadcasts to an audience', () => {
  it('goes to exactly the groups holding at least minMembers of the audience, scoped like the audience', async () => {
    const cityAudience = (await request(app).get('/audiences').set(bearer(ops))).body.find((audience: { name: string }) => audience.name === '沉睡或爱水果');
    const perGroup = new Map<string, number>();
    for (const row of generated) if (expectedMember(row) && row.groupIndex !== null) perGroup.set(String(groupIds[row.groupIndex]), (perGroup.get(String(groupIds[row.groupIndex])) ?? 0) + 1);
    const generatedGroups = new Set(groupIds.map(String));
    const deliveredTo = async (broadcastId: string) =>
      (await GroupDeliveryModel.find({ broadcastId: new Types.ObjectId(broadcastId) }, { groupId: 1 }).lean()).map((delivery) => String(delivery.groupId)).filter((id) => generatedGroups.has(id)).sort();

    const all = await request(app).post('/groups/broadcasts').set(bearer(ops)).send({ audience: 'audience', audienceId: cityAudience.id, text: '本周水果特价' });
    expect(all.status).toBe(201);
    expect(all.body).toMatchObject({ audience: 'audience', audienceId: cityAudience.id, minMembers: 1, cityId: String(stores[0].cityId) });
    expect(await deliveredTo(all.body.id)).toEqual([...perGroup.keys()].sort());

    // Only groups with more members than the smallest count: the smallest drops out.
    const counts = [...perGroup.values()].sort((a, b) => a - b);
    expect(counts[0]).toBeLessThan(counts[counts.length - 1]);
    const bigger = await request(app).post('/groups/broadcasts').set(bearer(ops)).send({ audience: 'audience', audienceId: cityAudience.id, minMembers: counts[0] + 1, text: '大群专享' });
    expect(await deliveredTo(bigger.body.id)).toEqual([...perGroup].filter(([, count]) => count > counts[0]).map(([id]) => id).sort());

    expect((await request(app).post('/groups/broadcasts').set(bearer(managerA)).send({ audience: 'audience', audienceId: cityAudience.id, text: 'x' })).status).toBe(403);
    expect((await request(app).post('/groups/broadcasts').set(bearer(ops)).send({ audience: 'audience', audienceId: String(new Types.ObjectId()), text: 'x' })).status).toBe(404);
    const missing = await request(app).post('/groups/broadcasts').set(bearer(ops)).send({ audience: 'audience', text: 'x' });
    expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'body.audienceId' })]);
  });
});

describe('resident labels and manual labels over HTTP', () => {
  it('scopes reading to the advisor\'s residents, the manager\'s store and the city, and lets managers set manual labels with a reason', async () => {
    const storeA = new Types.ObjectId(managerA.staff!.storeId!);
    const advisorAId = new Types.ObjectId(advisorA.staff!.id);
    const own: Row = { _id: new Types.ObjectId(), registeredAt: new Date(NOW.getTime() - 40 * DAY), storeId: storeA, communityId: communities[1]._id, advisorId: advisorAId };
    await insertResidents([own]);
    const read = await request(app).get(`/residents/${own._id}/labels`).set(bearer(advisorA));
    expect(read.status).toBe(200);
    expect(read.body.labels.find((label: { key: string }) => label.key === 'lifecycle')).toMatchObject({ name: '生命周期', values: [{ value: 'dormant', name: '沉默' }] });
    expect(read.body.labels.find((label: { key: string }) => label.key === 'community').values).toEqual([{ value: String(communities[1]._id), name: communities[1].name }]);
    expect((await request(app).get(`/residents/${own._id}/labels`).set(bearer(advisorB))).status).toBe(403);
    expect((await request(app).get(`/residents/${own._id}/labels`).set(bearer(managerA))).status).toBe(200);
    expect((await request(app).get(`/residents/${new Types.ObjectId()}/labels`).set(bearer(admin))).status).toBe(404);

    const set = await request(app).put(`/residents/${own._id}/labels/service_note`).set(bearer(managerA)).send({ value: 'key_customer', reason: '每周固定采购' });
    expect(set.status).toBe(200);
    expect(set.body.labels.find((label: { key: string }) => label.key === 'service_note')).toMatchObject({ values: [{ value: 'key_customer', name: '重点客户' }], reason: '每周固定采购' });
    // The nightly recompute keeps it.
    await labels.recomputeAll(NOW);
    expect((await valuesOf(own._id)).service_note).toEqual(['key_customer']);
    expect((await request(app).put(`/residents/${own._id}/labels/service_note`).set(bearer(managerA)).send({ value: 'vip', reason: 'x' })).body.error.details).toEqual([{ path: 'body.value', message: expect.stringContaining('key_customer') }]);
    expect((await request(app).put(`/residents/${own._id}/labels/lifecycle`).set(bearer(managerA)).send({ value: 'active', reason: 'x' })).status).toBe(400);
    expect((await request(app).put(`/residents/${own._id}/labels/service_note`).set(bearer(advisorA)).send({ value: 'key_customer', reason: 'x' })).status).toBe(403);
    expect((await request(app).put(`/residents/${own._id}/labels/service_note`).set(bearer(managerA)).send({ value: 'key_customer' })).body.error.details).toEqual([expect.objectContaining({ path: 'body.reason' })]);
    const unset = await request(app).delete(`/residents/${own._id}/labels/service_note`).set(bearer(managerA));
    expect(unset.body.labels.some((label: { key: string }) => label.key === 'service_note')).toBe(false);
  });

  it('lets operations edit scenarios and definitions, validating them', async () => {
    const scenario = await request(app).put('/labels/scenarios/weekend_fresh').set(bearer(ops)).send({ name: '周末生鲜', description: '周末生鲜促销' });
    expect(scenario.status).toBe(200);
    const definition = await request(app).put('/labels/definitions/frequency_30d').set(bearer(ops)).send({
      name: '近 30 天频次', category: '消费行为', subcategory: 'RFM', kind: 'rule', scenarioKeys: ['weekend_fresh'], rule: { name: 'frequency', params: { windowDays: 30, thresholds: [1, 2, 4] } },
    });
    expect(definition.status).toBe(200);
    expect(definition.body).toMatchObject({ values: expect.arrayContaining([{ value: 'f0', name: '无购买' }]), valueFormat: 'enum' });
    const unknownScenario = await request(app).put('/labels/definitions/x_label').set(bearer(ops)).send({ name: 'x', category: 'c', kind: 'manual', scenarioKeys: ['nope'], values: [{ value: 'a', name: '甲' }] });
    expect(unknownScenario.body.error.details).toEqual([{ path: 'body.scenarioKeys.0', message: 'unknown scenario nope' }]);
    expect((await request(app).put('/labels/definitions/frequency_30d').set(bearer(managerA)).send({})).status).toBe(403);
    const list = await request(app).get('/labels/definitions').set(bearer(advisorA));
    expect(list.body.map((entry: { key: string }) => entry.key)).toEqual(expect.arrayContaining(['lifecycle', 'frequency_30d', 'interest_category', 'service_note']));
    const scenarios = await request(app).get('/labels/scenarios').set(bearer(managerA));
    expect(scenarios.body.map((entry: { key: string }) => entry.key)).toEqual(expect.arrayContaining(['new_first_order', 'lapsed_repurchase', 'slow_moving_promotion', 'group_activation', 'high_value_retention', 'weekend_fresh']));
    expect((await request(app).post('/labels/recompute').set(bearer(managerA))).status).toBe(403);
  });
});

describe('special tasks limited to an audience', () => {
  it('shows and counts the task only for members of the audience', async () => {
    const member = await login(app, 'dev:audience-member');
    const outsider = await login(app, 'dev:audience-outsider');
    const memberId = new Types.ObjectId(member.residentId!);
    const outsiderId = new Types.ObjectId(outsider.residentId!);
    await labels.setManual(adminPrincipal, memberId, 'service_note', { value: 'key_customer', reason: '测试' });
    await labels.refreshResident(outsiderId);
    const audience = await audiences.create(adminPrincipal, { name: '重点客户', description: '', storeId: null, cityId: null, conditions: { label: 'service_note', op: 'eq', value: 'key_customer' } });
    const task = await services.tasks.createDefinition(adminPrincipal, {
      kind: 'special', eventType: 'activity_viewed', target: 1, period: { kind: 'range', startsAt: new Date(NOW.getTime() - DAY).toISOString(), endsAt: new Date(NOW.getTime() + 10 * DAY).toISOString() },
      rewardPoints: 5, newbieWindowDays: null, storeId: null, cityId: null, audienceId: audience.id, active: true, displayOrder: 0, title: '重点客户专享', description: '', nextStep: '去看看',
    });
    expect(task.audienceId).toBe(audience.id);
    const listed = async (residentId: Types.ObjectId) => (await services.tasks.listForResident(residentId)).special.map((entry) => entry.taskId);
    expect(await listed(memberId)).toContain(task.id);
    expect(await listed(outsiderId)).not.toContain(task.id);
    const counted = async (residentId: Types.ObjectId) =>
      (await services.tasks.recordEvent({ residentId, type: 'activity_viewed', idempotencyKey: `aud-${residentId}`, occurredAt: new Date(), source: 'server' })).tasks.map((entry) => entry.taskId);
    expect(await counted(memberId)).toContain(task.id);
    expect(await counted(outsiderId)).not.toContain(task.id);
    await expect(services.tasks.createDefinition(adminPrincipal, {
      kind: 'special', eventType: 'activity_viewed', target: 1, period: { kind: 'once' }, rewardPoints: 0, newbieWindowDays: null, storeId: null, cityId: null,
      audienceId: new Types.ObjectId().toHexString(), active: true, displayOrder: 0, title: '无此人群', description: '', nextStep: '去看看',
    })).rejects.toMatchObject({ status: 404 });
    await refresher.idle();
  });
});

describe('openapi', () => {
  it('documents every label and audience route', async () => {
    const paths = (await request(app).get('/openapi.json')).body.paths as Record<string, Record<string, unknown>>;
    const operations = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(operations).toEqual(expect.arrayContaining([
      'get /labels/scenarios', 'put /labels/scenarios/{key}', 'get /labels/definitions', 'put /labels/definitions/{key}', 'post /labels/recompute',
      'get /residents/{residentId}/labels', 'put /residents/{residentId}/labels/{key}', 'delete /residents/{residentId}/labels/{key}',
      'get /audiences', 'post /audiences', 'post /audiences/preview', 'get /audiences/{audienceId}', 'patch /audiences/{audienceId}', 'delete /audiences/{audienceId}',
      'get /audiences/{audienceId}/count', 'get /audiences/{audienceId}/members', 'get /audiences/{audienceId}/groups',
    ]));
  });
});
