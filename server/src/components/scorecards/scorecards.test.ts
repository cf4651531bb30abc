import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CampaignModel, ChannelModel, PlacementModel, QrCodeModel } from '../acquisition/acquisition.model';
import { OrderCreditModel } from '../credits/credits.model';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { ScorecardRollupModel } from './scorecards.model';
import { scorecardsRouter } from './scorecards.router';
import { ScorecardsService } from './scorecards.service';

useTestDatabase();
jest.setTimeout(300_000);

/*
 * The expected scorecards below are computed independently, in this file, from the raw documents
 * read back from the database: month keys by shifting to UTC+8 and cutting the ISO string, the
 * Wilson interval by its textbook formula, and plain loops. None of the component's or the shared
 * rules' functions are used.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const cnDay = (date: Date): string => new Date(date.getTime() + 8 * HOUR).toISOString().slice(0, 10);
const cnMonth = (date: Date): string => cnDay(date).slice(0, 7);
const nextMonth = (month: string): string => {
  const [year, number] = month.split('-').map(Number);
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
};

/** Noon in Shanghai on 2026-03-20: "now". */
const NOW = new Date('2026-03-20T04:00:00Z');
const DIMENSIONS = ['code', 'placement', 'campaign', 'channel', 'advisor', 'inviter', 'group', 'broadcast'] as const;
type Dimension = (typeof DIMENSIONS)[number];

const env = { RATE_LIMIT_MAX: '100000', DEV_LOGIN: 'true' };
const services = testServices(env);
const scorecards = new ScorecardsService({ now: () => NOW });
const app = createTestApp({ env, routers: [scorecardsRouter({ ...services, scorecards })] });

let seed = 20260320;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const maybe = <T>(items: readonly T[], chance: number): T | null => (random() < chance ? pick(items) : null);

const groupIds = [new Types.ObjectId(), new Types.ObjectId()];
const broadcastIds = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
let orderNumber = 0;

/**
 * The chain: residents signed up through the demo's codes from December to March (some invited
 * by an earlier resident), their orders (most completed, some refunded, some only paid), and one
 * credit per order that completed, last-touched by a broadcast card, a share, a push or nothing.
 */
async function generateChain(): Promise<void> {
  const codes = await QrCodeModel.find({}).lean();
  const placements = await PlacementModel.find({}).lean();
  const campaigns = await CampaignModel.find({}).lean();
  const channels = await ChannelModel.find({}).lean();
  const start = new Date('2025-12-01T00:00:00+08:00').getTime();
  const residents: { _id: Types.ObjectId; registeredAt: Date; storeId: Types.ObjectId; attribution: Record<string, unknown> }[] = [];
  for (let index = 0; index < 160; index += 1) {
    const code = pick(codes);
    const registeredAt = new Date(start + random() * (NOW.getTime() - start - DAY));
    const inviter = residents.length > 5 ? maybe(residents, 0.25) : null;
    residents.push({
      _id: new Types.ObjectId(),
      registeredAt,
      storeId: code.storeId,
      attribution: {
        source: inviter ? 'invite' : 'code', at: registeredAt, codeId: code._id, codeType: code.type ?? null, storeId: code.storeId, advisorId: code.advisorId ?? null,
        channelId: maybe(channels, 0.8)?._id ?? null, campaignId: maybe(campaigns, 0.5)?._id ?? null, placementId: maybe(placements, 0.7)?._id ?? null,
        inviterResidentId: inviter?._id ?? null,
      },
    });
  }
  await ResidentModel.collection.insertMany(residents.map((resident, index) => ({ ...resident, openid: `sc-${index}`, inviteCode: `sc${index}`, creationToken: 't', nickname: `居民${index}`, signedUpAt: resident.registeredAt })));

  const orders: Record<string, unknown>[] = [];
  const credits: Record<string, unknown>[] = [];
  for (const resident of residents) {
    const count = Math.floor(random() * 4);
    for (let index = 0; index < count; index += 1) {
      const completedAt = new Date(resident.registeredAt.getTime() + random() * 45 * DAY);
      if (completedAt >= NOW) continue;
      const roll = random();
      const state = roll < 0.12 ? 'refunded' : roll < 0.2 ? 'paid' : 'completed';
      orderNumber += 1;
      const id = `sc-order-${orderNumber}`;
      const totalCents = 1000 + Math.floor(random() * 9000);
      const orderStore = random() < 0.9 ? resident.storeId : pick(residents).storeId;
      orders.push({
        _id: id, residentId: resident._id, storeId: orderStore, communityId: null, lines: [], totalCents, state, placedAt: completedAt, paidAt: completedAt,
        completedAt: state === 'paid' ? null : completedAt, refundedAt: state === 'refunded' ? completedAt : null, cancelledAt: null, lastEventAt: completedAt, derivedFrom: 'test', updatedAt: completedAt,
      });
      if (state === 'paid') continue;
      const touch = random();
      const kind = touch < 0.35 ? 'broadcast' : touch < 0.6 ? 'share' : touch < 0.7 ? 'push' : null;
      credits.push({
        _id: id, residentId: resident._id, storeId: orderStore, state, totalCents, placedAt: completedAt, completedAt, day: cnDay(completedAt), first: resident.attribution,
        touchId: kind ? `touch-${id}` : null, touchKind: kind, touchedAt: kind ? completedAt : null,
        refId: kind === 'broadcast' || kind === 'push' ? (kind === 'broadcast' ? pick(broadcastIds) : new Types.ObjectId()) : null,
        groupId: kind === 'broadcast' || (kind === 'share' && random() < 0.5) ? pick(groupIds) : null,
        sharerId: kind === 'share' ? pick(residents.filter((other) => other !== resident))._id : null,
        windowHours: 72, createdAt: completedAt,
      });
    }
  }
  await mongoose.connection.collection('orders').insertMany(orders as never[]);
  await OrderCreditModel.collection.insertMany(credits as never[]);
  const store = (await StoreModel.findOne({}).lean())!._id;
  await mongoose.connection.collection('groups').insertMany(groupIds.map((_id, index) => ({ _id, topic: `汇翠花园${index + 1}群`, storeId: store })) as never[]);
  await mongoose.connection.collection('group_broadcasts').insertMany(broadcastIds.map((_id, index) => ({ _id, text: `本周特价第${index + 1}期：鸡蛋、牛奶、时令水果，下单满 59 元包邮` })) as never[]);
}

// ---- the independent computation -----------------------------------------------------------

interface Expected {
  registrations: number | null;
  conversion7: { count: number; base: number; rate: number | null; low: number | null; high: number | null } | null;
  conversion30: Expected['conversion7'];
  repurchase: Expected['conversion7'];
  ordersCredited: number;
  revenueCreditedCents: number;
}

function wilson(count: number, base: number): { count: number; base: number; rate: number | null; low: number | null; high: number | null } {
  if (base === 0) return { count, base, rate: null, low: null, high: null };
  const z = 1.959963984540054;
  const p = count / base;
  const centre = (p + (z * z) / (2 * base)) / (1 + (z * z) / base);
  const half = ((z / (1 + (z * z) / base)) * Math.sqrt((p * (1 - p)) / base + (z * z) / (4 * base * base)));
  // 0 of n and n of n end exactly at 0 and 1.
  return { count, base, rate: p, low: count === 0 ? 0 : centre - half, high: count === base ? 1 : centre + half };
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function firstTouchOf(attribution: Record<string, unknown> | undefined, dimension: Dimension): string | null {
  const field = { code: 'codeId', placement: 'placementId', campaign: 'campaignId', channel: 'channelId', advisor: 'advisorId', inviter: 'inviterResidentId' }[dimension as string];
  return field ? text(attribution?.[field]) : null;
}

/** Every value's figures for the months, counting only residents (first touch) or orders (last touch) of the stores allowed. */
async function expectedFigures(dimension: Dimension, months: string[], storeAllowed: (store: string) => boolean): Promise<Map<string, Expected>> {
  const residents = await ResidentModel.collection.find({}).toArray();
  const orders = await mongoose.connection.collection('orders').find({}).toArray();
  const credits = await OrderCreditModel.collection.find({}).toArray();
  const lastTouch = dimension === 'group' || dimension === 'broadcast';
  const counts = new Map<string, number[]>();
  const add = (value: string | null, field: number, amount = 1): void => {
    if (value === null) return;
    const row = counts.get(value) ?? [0, 0, 0, 0, 0, 0, 0];
    row[field] += amount;
    counts.set(value, row);
  };
  const completedOf = (residentId: unknown) => orders.filter((order) => order.state === 'completed' && String(order.residentId) === String(residentId));
  if (!lastTouch) {
    for (const resident of residents) {
      if (!storeAllowed(String(resident.storeId))) continue;
      const value = firstTouchOf(resident.attribution, dimension);
      const completed = completedOf(resident._id);
      if (months.includes(cnMonth(resident.registeredAt))) {
        const first = Math.min(...completed.map((order) => order.completedAt.getTime()));
        add(value, 0);
        if (first - resident.registeredAt.getTime() < 7 * DAY) add(value, 1);
        if (first - resident.registeredAt.getTime() < 30 * DAY) add(value, 2);
      }
      for (const month of months) {
        if (!completed.some((order) => cnMonth(order.completedAt) === month)) continue;
        add(value, 3);
        if (completed.some((order) => cnMonth(order.completedAt) === nextMonth(month))) add(value, 4);
      }
    }
  }
  for (const credit of credits) {
    if (credit.state !== 'completed' || !months.includes(credit.day.slice(0, 7))) continue;
    let value: string | null;
    let store: string;
    if (dimension === 'group') value = text(credit.groupId);
    else if (dimension === 'broadcast') value = credit.touchKind === 'broadcast' ? text(credit.refId) : null;
    else if (dimension === 'inviter') value = credit.touchKind === 'share' ? text(credit.sharerId) : null;
    else value = firstTouchOf(credit.first, dimension);
    if (lastTouch || dimension === 'inviter') store = String(credit.storeId);
    else store = String(residents.find((resident) => String(resident._id) === String(credit.residentId))!.storeId);
    if (!storeAllowed(store)) continue;
    add(value, 5);
    add(value, 6, credit.totalCents);
  }
  return new Map(
    [...counts].map(([value, row]) => [value, {
      registrations: lastTouch ? null : row[0],
      conversion7: lastTouch ? null : wilson(row[1], row[0]),
      conversion30: lastTouch ? null : wilson(row[2], row[0]),
      repurchase: lastTouch ? null : wilson(row[4], row[3]),
      ordersCredited: row[5],
      revenueCreditedCents: row[6],
    }]),
  );
}

function rank(figures: Map<string, Expected>, lastTouch: boolean): string[] {
  const key = (value: string): number => (lastTouch ? figures.get(value)!.ordersCredited : (figures.get(value)!.conversion7!.low ?? -1));
  return [...figures.keys()].sort((a, b) => key(b) - key(a) || (a < b ? -1 : 1));
}

const empty = (dimension: Dimension): Expected => {
  const lastTouch = dimension === 'group' || dimension === 'broadcast';
  return { registrations: lastTouch ? null : 0, conversion7: lastTouch ? null : wilson(0, 0), conversion30: lastTouch ? null : wilson(0, 0), repurchase: lastTouch ? null : wilson(0, 0), ordersCredited: 0, revenueCreditedCents: 0 };
};

/** The expected rows of the scorecard for February-March 2026 (previous: December-January). */
async function expectedRows(dimension: Dimension, storeAllowed: (store: string) => boolean = () => true, valueAllowed: (value: string) => boolean = () => true) {
  const lastTouch = dimension === 'group' || dimension === 'broadcast';
  const only = (figures: Map<string, Expected>) => new Map([...figures].filter(([value]) => valueAllowed(value)));
  const current = only(await expectedFigures(dimension, ['2026-02', '2026-03'], storeAllowed));
  const previous = only(await expectedFigures(dimension, ['2025-12', '2026-01'], storeAllowed));
  const previousRanks = rank(previous, lastTouch);
  const all = new Map([...previous].map(([value]) => [value, empty(dimension)]));
  for (const [value, figures] of current) all.set(value, figures);
  return rank(all, lastTouch).map((value, index) => {
    const figures = current.get(value) ?? empty(dimension);
    return {
      rank: index + 1,
      value,
      ...figures,
      smallSample: (lastTouch ? figures.ordersCredited : figures.registrations!) < 30,
      previous: { ...(previous.get(value) ?? empty(dimension)), rank: previousRanks.includes(value) ? previousRanks.indexOf(value) + 1 : null },
    };
  });
}

/** Floats to 9 decimals and labels left out, so the answer compares with the expectation. */
function comparable(rows: Record<string, unknown>[]): unknown {
  const round = (value: unknown): unknown => {
    if (typeof value === 'number') return Math.round(value * 1e9) / 1e9;
    if (Array.isArray(value)) return value.map(round);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'label').map(([key, inner]) => [key, round(inner)]));
    return value;
  };
  return round(rows);
}

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let cityOps: Session;
let manager: Session;
let advisor: Session;

beforeAll(async () => {
  await seedDemoData(new Date('2025-11-01T00:00:00Z'));
  await generateChain();
  admin = await login(app, DEMO_LOGINS.admin);
  cityOps = await login(app, DEMO_LOGINS.cityOps);
  manager = await login(app, DEMO_LOGINS.managers[0]);
  advisor = await login(app, DEMO_LOGINS.advisors[0]);
});

const period = { from: '2026-02', to: '2026-03' };
const scorecardOf = (session: Session, dimension: string, extra: Record<string, string> = {}) =>
  request(app).get('/metrics/scorecards').query({ dimension, ...period, ...extra }).set(bearer(session));

describe('scorecards', () => {
  it('every dimension: each row equals the independent computation, from raw data before any rollup and from the rollups after', async () => {
    for (const dimension of DIMENSIONS) {
      await ScorecardRollupModel.deleteMany({});
      const expected = await expectedRows(dimension);
      expect(expected.length).toBeGreaterThan(1);
      const raw = await scorecardOf(admin, dimension);
      expect(raw.status).toBe(200);
      expect(comparable(raw.body.rows)).toEqual(comparable(expected));
      expect(raw.body).toMatchObject({ dimension, previousFrom: '2025-12', previousTo: '2026-01', rankedBy: dimension === 'group' || dimension === 'broadcast' ? 'orders_credited' : 'conversion7_low' });
    }
    // A request that found no rollup stored the months it computed, every dimension of them.
    expect(await ScorecardRollupModel.countDocuments()).toBe(4 * DIMENSIONS.length);

    await ScorecardRollupModel.deleteMany({});
    const summary = await scorecards.rollupMonths(['2025-12', '2026-01', '2026-02', '2026-03']);
    expect(summary.documents).toBe(4 * DIMENSIONS.length);
    for (const dimension of DIMENSIONS) {
      const fromRollups = await scorecardOf(admin, dimension);
      expect(comparable(fromRollups.body.rows)).toEqual(comparable(await expectedRows(dimension)));
      expect(fromRollups.body.asOf).toBe(NOW.toISOString());
    }
  });

  it('names each value: code, advisor, inviter, group topic and the opening of a broadcast', async () => {
    const codes = (await scorecardOf(admin, 'code')).body.rows as { value: string; label: string }[];
    for (const row of codes) expect(row.label).toBe((await QrCodeModel.findById(row.value).lean())!.name);
    const advisors = (await scorecardOf(admin, 'advisor')).body.rows as { value: string; label: string }[];
    for (const row of advisors) expect(row.label).toBe((await StaffModel.findById(row.value).lean())!.name);
    const inviters = (await scorecardOf(admin, 'inviter')).body.rows as { label: string }[];
    for (const row of inviters) expect(row.label).toMatch(/^居民\d+$/);
    const groups = (await scorecardOf(admin, 'group')).body.rows as { label: string }[];
    expect(groups.map((row) => row.label).sort()).toEqual(['汇翠花园1群', '汇翠花园2群']);
    const broadcasts = (await scorecardOf(admin, 'broadcast')).body.rows as { label: string }[];
    for (const row of broadcasts) expect(row.label).toMatch(/^本周特价第\d期：.{12,}…$/);
  });

  it('ranks by the Wilson lower bound of 7-day conversion, so a small perfect sample does not lead', async () => {
    const rows = (await scorecardOf(admin, 'code')).body.rows as { rank: number; conversion7: { low: number | null; count: number; base: number } }[];
    for (let index = 1; index < rows.length; index += 1) expect(rows[index - 1].conversion7.low ?? -1).toBeGreaterThanOrEqual(rows[index].conversion7.low ?? -1);
    expect(rows.map((row) => row.rank)).toEqual(rows.map((_, index) => index + 1));
    const top = await scorecardOf(admin, 'code', { limit: '3' });
    expect(top.body.total).toBe(rows.length);
    expect(top.body.rows).toEqual(rows.slice(0, 3));
  });

  it('reads the rollups once written: a credit added later shows only after the nightly job rolls its month up again, and a rerun writes the same documents', async () => {
    const before = (await scorecardOf(admin, 'group')).body.rows as { value: string; ordersCredited: number }[];
    const resident = (await ResidentModel.collection.findOne({ openid: 'sc-3' }))!;
    const at = new Date(NOW.getTime() - 2 * DAY);
    await mongoose.connection.collection('orders').insertOne({ _id: 'sc-late', residentId: resident._id, storeId: resident.storeId, state: 'completed', totalCents: 5000, completedAt: at, placedAt: at, updatedAt: at, lastEventAt: at, lines: [], derivedFrom: 'test' } as never);
    await OrderCreditModel.collection.insertOne({ _id: 'sc-late', residentId: resident._id, storeId: resident.storeId, state: 'completed', totalCents: 5000, placedAt: at, completedAt: at, day: cnDay(at), first: resident.attribution, touchId: 't-late', touchKind: 'broadcast', touchedAt: at, refId: broadcastIds[0], groupId: groupIds[0], sharerId: null, windowHours: 72, createdAt: at } as never);
    const stale = (await scorecardOf(admin, 'group')).body.rows;
    expect(stale).toEqual(before);

    const nightly = await scorecards.nightly(NOW);
    // Yesterday's month and the two before it, plus the registration months of residents whose orders changed in the last 4 days (and the month before).
    expect(nightly.months).toEqual(expect.arrayContaining(['2026-01', '2026-02', '2026-03']));
    expect(nightly.months).not.toContain('2026-04');
    const after = (await scorecardOf(admin, 'group')).body.rows as { value: string; ordersCredited: number }[];
    const ordersOf = (rows: typeof before, id: string) => rows.find((row) => row.value === id)?.ordersCredited ?? 0;
    expect(ordersOf(after, String(groupIds[0]))).toBe(ordersOf(before, String(groupIds[0])) + 1);
    expect(comparable(after)).toEqual(comparable(await expectedRows('group')));

    const stored = await ScorecardRollupModel.find({}).sort({ _id: 1 }).lean();
    await scorecards.nightly(NOW);
    expect(await ScorecardRollupModel.find({}).sort({ _id: 1 }).lean()).toEqual(stored);
  });

  it('a manager sees their store, city ops their city, an advisor only their own codes and row', async () => {
    const own = manager.staff!.storeId!;
    for (const dimension of ['code', 'advisor', 'group', 'inviter'] as const) {
      const answer = await scorecardOf(manager, dimension);
      expect(answer.status).toBe(200);
      expect(comparable(answer.body.rows)).toEqual(comparable(await expectedRows(dimension, (store) => store === own)));
    }
    const city = new Set((await StoreModel.find({ cityId: cityOps.staff!.cityId }).lean()).map((store) => String(store._id)));
    const cityAnswer = await scorecardOf(cityOps, 'placement');
    expect(comparable(cityAnswer.body.rows)).toEqual(comparable(await expectedRows('placement', (store) => city.has(store))));

    const mine = new Set((await QrCodeModel.find({ advisorId: advisor.staff!.id }).lean()).map((code) => String(code._id)));
    expect(mine.size).toBeGreaterThan(0);
    const codes = await scorecardOf(advisor, 'code');
    expect(codes.status).toBe(200);
    expect(comparable(codes.body.rows)).toEqual(comparable(await expectedRows('code', () => true, (value) => mine.has(value))));
    const self = await scorecardOf(advisor, 'advisor');
    expect(self.body.rows.map((row: { value: string }) => row.value)).toEqual([advisor.staff!.id]);
    const groups = await scorecardOf(advisor, 'group');
    expect(groups.status).toBe(403);
    expect(groups.body.error.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('exports CSV for Excel: UTF-8 with BOM, a Chinese header, one line per row in rank order', async () => {
    const json = (await scorecardOf(admin, 'code')).body.rows as { rank: number; label: string; value: string; registrations: number; ordersCredited: number; revenueCreditedCents: number; conversion7: { rate: number | null } }[];
    const csv = await scorecardOf(admin, 'code', { format: 'csv' }).buffer(true).parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const bytes = csv.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0].split(',').slice(0, 5)).toEqual(['排名', '二维码', '编号', '注册人数', '7日首单转化率']);
    expect(lines).toHaveLength(json.length + 1);
    json.forEach((row, index) => {
      const cells = lines[index + 1].split(',');
      expect(cells.slice(0, 4)).toEqual([String(row.rank), row.label, row.value, String(row.registrations)]);
      expect(cells[4]).toBe(row.conversion7.rate === null ? '' : `${(row.conversion7.rate * 100).toFixed(1)}%`);
      expect(cells[13]).toBe(String(row.ordersCredited));
      expect(cells[14]).toBe((row.revenueCreditedCents / 100).toFixed(2));
    });
  });

  it('answers a bad query with a Chinese 400', async () => {
    for (const query of [{ dimension: 'store', ...period }, { dimension: 'code', from: '2026-03', to: '2026-02' }, { dimension: 'code', from: '2026-13', to: '2026-14' }, { dimension: 'code', from: '2025-01', to: '2026-03' }, { dimension: 'code' }, { dimension: 'code', ...period, limit: '0' }]) {
      const answer = await request(app).get('/metrics/scorecards').query(query).set(bearer(admin));
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    expect((await request(app).get('/metrics/scorecards').query({ dimension: 'code', ...period })).status).toBe(401);
  });
});
