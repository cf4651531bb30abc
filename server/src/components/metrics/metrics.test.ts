import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskEventModel, TaskProgressMarkModel, TaskViewModel } from '../tasks/tasks.model';
import { metricsJobs } from './metrics.jobs';
import { MetricReviewModel, MetricRollupModel } from './metrics.model';
import { metricsRouter } from './metrics.router';
import { MetricsService } from './metrics.service';

useTestDatabase();
jest.setTimeout(300_000);

/*
 * The expected numbers below are computed independently, in this file, straight from the raw
 * rows the test inserted: day and month keys by shifting to UTC+8 and cutting the ISO string, and
 * plain loops over the arrays. None of the service's or the shared rules' functions are used.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const cnDay = (date: Date): string => new Date(date.getTime() + 8 * HOUR).toISOString().slice(0, 10);
const cnMonth = (date: Date): string => cnDay(date).slice(0, 7);
const cnStart = (day: string): Date => new Date(Date.parse(`${day}T00:00:00+08:00`));

/** Noon in Shanghai on 2026-03-05: "today". */
const NOW = new Date('2026-03-05T04:00:00Z');
const TODAY = '2026-03-05';

const env = { RATE_LIMIT_MAX: '100000' };
const services = testServices(env);
const metrics = new MetricsService({ now: () => NOW, liveCacheMs: 0 });
const app = createTestApp({ env, routers: [metricsRouter({ ...services, metrics })] });

interface TestResident {
  _id: Types.ObjectId;
  registeredAt: Date;
  storeId: Types.ObjectId;
  communityId: Types.ObjectId;
  advisorId: Types.ObjectId | null;
  channelId: Types.ObjectId | null;
  codeType: string | null;
}
interface TestOrder {
  _id: string;
  residentId: Types.ObjectId | null;
  storeId: Types.ObjectId;
  communityId: Types.ObjectId | null;
  state: 'paid' | 'completed' | 'cancelled' | 'refunded';
  completedAt: Date | null;
  refundedAt: Date | null;
  cancelledAt: Date | null;
  totalCents: number;
  /** When the order record last changed (a late delivery, a refund). */
  updatedAt?: Date;
}
interface TestEvent {
  residentId: Types.ObjectId;
  type: string;
  occurredAt: Date;
}

const residents: TestResident[] = [];
const orders: TestOrder[] = [];
const events: TestEvent[] = [];
let stores: { _id: Types.ObjectId; cityId: Types.ObjectId }[] = [];
let communities: { _id: Types.ObjectId; households: number; name: string }[] = [];
let advisors: { _id: Types.ObjectId; storeId: Types.ObjectId; goalConsumerUsers: number }[] = [];
const channels = [new Types.ObjectId(), new Types.ObjectId()];

/** A small deterministic generator, so the data set is the same every run. */
let seed = 20260305;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

async function insertResidents(rows: TestResident[]): Promise<void> {
  residents.push(...rows);
  await ResidentModel.insertMany(
    rows.map((row) => ({
      _id: row._id,
      openid: `o-${row._id}`,
      inviteCode: `i${String(row._id).slice(-12)}`,
      creationToken: 't',
      registeredAt: row.registeredAt,
      signedUpAt: row.registeredAt,
      storeId: row.storeId,
      communityId: row.communityId,
      attribution: { source: 'code', at: row.registeredAt, advisorId: row.advisorId, storeId: row.storeId, channelId: row.channelId, codeType: row.codeType },
    })),
  );
}

let orderNumber = 0;
function order(resident: TestResident | null, completedAt: Date | null, state: TestOrder['state'] = 'completed', extra: Partial<TestOrder> = {}): TestOrder {
  orderNumber += 1;
  return {
    _id: `order-${orderNumber}`,
    residentId: resident?._id ?? null,
    storeId: resident?.storeId ?? stores[0]._id,
    communityId: resident?.communityId ?? null,
    state,
    completedAt,
    refundedAt: state === 'refunded' && completedAt ? new Date(completedAt.getTime() + 2 * HOUR) : null,
    cancelledAt: null,
    totalCents: 1000 + Math.floor(random() * 9000),
    ...extra,
  };
}

async function insertOrders(rows: TestOrder[]): Promise<void> {
  orders.push(...rows);
  await mongoose.connection.collection('orders').insertMany(rows.map((row) => ({ ...row, placedAt: row.completedAt ?? NOW, lastEventAt: NOW, updatedAt: row.updatedAt ?? row.refundedAt ?? row.completedAt ?? NOW, derivedFrom: 'test', lines: [] })) as never[]);
}

async function insertEvents(rows: TestEvent[]): Promise<void> {
  events.push(...rows);
  await TaskEventModel.collection.insertMany(
    rows.map((row, index) => ({ ...row, idempotencyKey: `e-${events.length}-${index}-${row.residentId}-${row.occurredAt.getTime()}`, source: 'server', storeId: null, counts: [], recordedAt: row.occurredAt })),
  );
}

// ---- independent computations ----------------------------------------------------------------

type Filter = (resident: TestResident) => boolean;
const everyone: Filter = () => true;

function firstCompleted(residentId: Types.ObjectId, before?: Date): Date | null {
  let first: Date | null = null;
  for (const row of orders) {
    if (row.state !== 'completed' || !row.completedAt || !row.residentId?.equals(residentId)) continue;
    if (before && row.completedAt >= before) continue;
    if (!first || row.completedAt < first) first = row.completedAt;
  }
  return first;
}

function expectedConversion(from: string, to: string, windowDays: number, filter: Filter): { registrations: number; converted: number } {
  let registrations = 0;
  let converted = 0;
  for (const resident of residents) {
    const day = cnDay(resident.registeredAt);
    if (day < from || day > to || !filter(resident)) continue;
    registrations += 1;
    const first = firstCompleted(resident._id);
    if (first && first.getTime() - resident.registeredAt.getTime() < windowDays * DAY) converted += 1;
  }
  return { registrations, converted };
}

function expectedRepurchase(month: string, filter: Filter): { base: number; repurchased: number; newBase: number; newRepurchased: number } {
  const [year, m] = month.split('-').map(Number);
  const next = m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
  const result = { base: 0, repurchased: 0, newBase: 0, newRepurchased: 0 };
  for (const resident of residents) {
    if (!filter(resident)) continue;
    const months = new Set(orders.filter((row) => row.state === 'completed' && row.completedAt && row.residentId?.equals(resident._id)).map((row) => cnMonth(row.completedAt!)));
    if (!months.has(month)) continue;
    const isNew = [...months].every((other) => other >= month);
    result.base += 1;
    if (isNew) result.newBase += 1;
    if (months.has(next)) {
      result.repurchased += 1;
      if (isNew) result.newRepurchased += 1;
    }
  }
  return result;
}

function activeCountsOn(day: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) if (cnDay(event.occurredAt) === day) counts.set(String(event.residentId), (counts.get(String(event.residentId)) ?? 0) + 1);
  for (const row of orders) {
    if (row.state === 'completed' && row.completedAt && row.residentId && cnDay(row.completedAt) === day) counts.set(String(row.residentId), (counts.get(String(row.residentId)) ?? 0) + 1);
  }
  return counts;
}

function expectedActive(day: string, filter: Filter): { active: number; newActive: number } {
  let active = 0;
  let newActive = 0;
  for (const [id, count] of activeCountsOn(day)) {
    const resident = residents.find((row) => String(row._id) === id);
    if (!resident || !filter(resident) || count < 1) continue;
    active += 1;
    // New for 30 days, the registration day being day 1.
    if ((cnStart(day).getTime() - cnStart(cnDay(resident.registeredAt)).getTime()) / DAY < 30) newActive += 1;
  }
  return { active, newActive };
}

function expectedMonthlyActive(month: string, filter: Filter): number {
  const days = new Map<string, Set<string>>();
  const add = (residentId: Types.ObjectId, at: Date): void => {
    if (cnMonth(at) !== month) return;
    if (!days.has(String(residentId))) days.set(String(residentId), new Set());
    days.get(String(residentId))!.add(cnDay(at));
  };
  for (const event of events) add(event.residentId, event.occurredAt);
  for (const row of orders) if (row.state === 'completed' && row.completedAt && row.residentId) add(row.residentId, row.completedAt);
  return [...days.entries()].filter(([id, set]) => set.size >= 2 && filter(residents.find((row) => String(row._id) === id)!)).length;
}

function isConsumer(resident: TestResident): boolean {
  return orders.some((row) => row.state === 'completed' && row.completedAt !== null && row.residentId?.equals(resident._id));
}

// ---- the data set ----------------------------------------------------------------------------

let boundaryResident: TestResident;

beforeAll(async () => {
  await seedDemoData(new Date('2025-11-01T00:00:00Z'));
  stores = await StoreModel.find({}, { cityId: 1 }).lean();
  communities = await CommunityModel.find({}, { households: 1, name: 1 }).lean();
  advisors = (await StaffModel.find({ role: 'advisor' }).lean()).map((row) => ({ _id: row._id, storeId: row.storeId!, goalConsumerUsers: row.goalConsumerUsers }));

  // 360 residents registered between 2025-12-20 and 2026-03-04 (China time), many near midnight.
  const rows: TestResident[] = [];
  for (let index = 0; index < 360; index += 1) {
    const dayOffset = Math.floor(random() * 75);
    const hour = pick([15.5, 16.2, 2, 8, 12, 23.9]);
    const registeredAt = new Date(Date.parse('2025-12-20T00:00:00Z') + dayOffset * DAY + hour * HOUR);
    const advisor = random() < 0.6 ? pick(advisors) : null;
    const storeId = advisor?.storeId ?? pick(stores)._id;
    rows.push({
      _id: new Types.ObjectId(), registeredAt, storeId, communityId: pick(communities)._id, advisorId: advisor?._id ?? null,
      channelId: random() < 0.5 ? pick(channels) : null, codeType: advisor ? 'advisor' : 'brand',
    });
  }
  boundaryResident = { ...rows[0], _id: new Types.ObjectId(), registeredAt: new Date('2026-01-20T03:00:00Z'), advisorId: advisors[0]._id, storeId: advisors[0].storeId };
  rows.push(boundaryResident);
  await insertResidents(rows);

  // Orders: most residents order a few times within 60 days of registering, some refunded, some only paid.
  const orderRows: TestOrder[] = [];
  for (const resident of rows) {
    const count = random() < 0.3 ? 0 : 1 + Math.floor(random() * 4);
    for (let index = 0; index < count; index += 1) {
      const completedAt = new Date(resident.registeredAt.getTime() + random() * 60 * DAY);
      if (completedAt >= NOW) continue;
      const roll = random();
      orderRows.push(order(resident, roll < 0.1 ? null : completedAt, roll < 0.1 ? 'paid' : roll < 0.2 ? 'refunded' : 'completed'));
    }
  }
  // The month boundary: 2026-01-31T16:30Z is 2026-02-01 00:30 in Shanghai, so this order is February's.
  orderRows.push(order(boundaryResident, new Date('2026-01-21T04:00:00Z')));
  orderRows.push(order(boundaryResident, new Date('2026-01-31T16:30:00Z')));
  // An order with no matched resident is outside the growth metrics.
  orderRows.push(order(null, new Date('2026-02-10T04:00:00Z')));
  await insertOrders(orderRows);

  // Activity: task events (check-ins, store visits) on random days.
  const eventRows: TestEvent[] = [];
  for (let index = 0; index < 900; index += 1) {
    const resident = pick(rows);
    const occurredAt = new Date(resident.registeredAt.getTime() + random() * 40 * DAY);
    if (occurredAt < NOW) eventRows.push({ residentId: resident._id, type: pick(['group_checkin', 'store_visited', 'activity_viewed']), occurredAt });
  }
  await insertEvents(eventRows);

  // Everything up to yesterday rolled up, as the nightly job would have over time.
  await metrics.rollupRange('2025-12-15', '2026-03-04');
  for (const month of ['2025-12', '2026-01', '2026-02', '2026-03']) {
    await metrics.rollupRepurchase(month);
    await metrics.rollupActivePeriod('month', month);
  }
});

describe('daily rollups', () => {
  it('when a day is rolled up again, then its documents are identical', async () => {
    const day = '2026-02-01';
    const before = await MetricRollupModel.find({ period: day }).sort({ _id: 1 }).lean();
    expect(before.map((document) => document.metric).sort()).toEqual(['activity', 'cohort']);
    expect(Object.keys(before[0].rows).length).toBeGreaterThan(2);
    await metrics.rollupDay(day);
    await metrics.rollupDay(day);
    expect(await MetricRollupModel.find({ period: day }).sort({ _id: 1 }).lean()).toEqual(before);
  });

  it('counts completed orders and first orders per China-time day, without refunds', async () => {
    for (const day of ['2026-01-31', '2026-02-01', '2026-02-10']) {
      const doc = await MetricRollupModel.findById(`${day}|activity`).lean();
      const completed = orders.filter((row) => row.residentId && row.state === 'completed' && row.completedAt && cnDay(row.completedAt) === day);
      const firsts = new Set(completed.filter((row) => firstCompleted(row.residentId!)!.getTime() === row.completedAt!.getTime()).map((row) => String(row.residentId)));
      expect(doc!.rows['all|all']).toMatchObject({
        completedOrders: completed.length,
        orderingResidents: new Set(completed.map((row) => String(row.residentId))).size,
        firstOrders: firsts.size,
        revenueCents: completed.reduce((sum, row) => sum + row.totalCents, 0),
        activeResidents: expectedActive(day, everyone).active,
        activeNew: expectedActive(day, everyone).newActive,
      });
    }
  });
});

describe('first-order conversion', () => {
  it('matches an independent count for every dimension and both windows, today included', async () => {
    // Today's data is not rolled up: registrations and a first order this morning.
    const late: TestResident = { ...residents[1], _id: new Types.ObjectId(), registeredAt: new Date('2026-03-05T01:00:00Z') };
    await insertResidents([late]);
    await insertOrders([order(late, new Date('2026-03-05T03:00:00Z'))]);

    const cases: [string, string | undefined, Filter][] = [
      ['all', undefined, everyone],
      ['store', String(stores[1]._id), (r) => r.storeId.equals(stores[1]._id)],
      ['advisor', String(advisors[0]._id), (r) => Boolean(r.advisorId?.equals(advisors[0]._id))],
      ['channel', String(channels[0]), (r) => Boolean(r.channelId?.equals(channels[0]))],
      ['codeType', 'brand', (r) => r.codeType === 'brand'],
      ['community', String(communities[2]._id), (r) => r.communityId.equals(communities[2]._id)],
    ];
    const admin = await metrics.conversion({ id: new Types.ObjectId(), name: 'a', role: 'admin', storeId: null, cityId: null }, { from: '2026-01-01', to: TODAY, dimension: 'all', windowDays: 7 });
    expect(admin.days.find((day) => day.day === TODAY)!.registrations).toBeGreaterThanOrEqual(1);
    for (const [dimension, value, filter] of cases) {
      for (const windowDays of [7, 30]) {
        for (const [from, to] of [['2025-12-20', '2026-01-31'], ['2026-02-01', TODAY], ['2026-01-31', '2026-01-31']]) {
          const got = await metrics.conversion({ id: new Types.ObjectId(), name: 'a', role: 'admin', storeId: null, cityId: null }, { from, to, dimension: dimension as never, value, windowDays });
          const want = expectedConversion(from, to, windowDays, filter);
          expect({ dimension, windowDays, from, registrations: got.registrations, converted: got.converted }).toEqual({ dimension, windowDays, from, ...want });
        }
      }
    }
  });
});

describe('next-month repurchase', () => {
  it('puts an order at 2026-01-31T16:30Z in February and matches an independent count', async () => {
    const admin = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    for (const month of ['2025-12', '2026-01', '2026-02']) {
      for (const [dimension, value, filter] of [['all', undefined, everyone], ['store', String(stores[0]._id), (r: TestResident) => r.storeId.equals(stores[0]._id)]] as [string, string | undefined, Filter][]) {
        const got = await metrics.repurchase(admin, { month, dimension: dimension as never, value });
        const want = expectedRepurchase(month, filter);
        expect({ month, dimension, all: got.all, newResidents: got.newResidents }).toEqual({
          month, dimension,
          all: { base: want.base, count: want.repurchased, rate: want.base ? want.repurchased / want.base : null },
          newResidents: { base: want.newBase, count: want.newRepurchased, rate: want.newBase ? want.newRepurchased / want.newBase : null },
        });
      }
    }
    // The boundary resident ordered on 2026-01-21 and 2026-02-01 (Shanghai): a January repurchaser.
    const advisorView = await metrics.repurchase(admin, { month: '2026-01', dimension: 'advisor', value: String(advisors[0]._id) });
    expect(advisorView.all.count).toBe(expectedRepurchase('2026-01', (r) => Boolean(r.advisorId?.equals(advisors[0]._id))).repurchased);
    expect(advisorView.complete).toBe(true);
  });
});

describe('active residents', () => {
  it('counts daily active (new and old) and monthly active residents as defined', async () => {
    const admin = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const filter: Filter = (r) => r.storeId.equals(stores[2]._id);
    const got = await metrics.active(admin, { from: '2026-01-25', to: '2026-02-05', dimension: 'store', value: String(stores[2]._id) });
    for (const day of got.days) {
      const want = expectedActive(day.day, filter);
      expect({ day: day.day, active: day.active, newActive: day.newActive }).toEqual({ day: day.day, ...want });
    }
    expect(got.months).toEqual([
      { month: '2026-01', active: expectedMonthlyActive('2026-01', filter) },
      { month: '2026-02', active: expectedMonthlyActive('2026-02', filter) },
    ]);
  });
});

// ---- the drill-down: who is behind each count --------------------------------------------------

/** Independently, the residents behind each count (sets of ids), from the rows this file inserted. */
const ids = (rows: TestResident[]): string[] => rows.map((row) => String(row._id)).sort();
const completedMonths = (resident: TestResident): Set<string> =>
  new Set(orders.filter((row) => row.state === 'completed' && row.completedAt && row.residentId?.equals(resident._id)).map((row) => cnMonth(row.completedAt!)));

function expectedMembers(metric: string, params: Record<string, string>, filter: Filter): string[] {
  const nextMonth = (month: string): string => cnMonth(new Date(cnStart(`${month}-01`).getTime() + 40 * DAY));
  switch (metric) {
    case 'registered':
    case 'converted':
      return ids(residents.filter((resident) => {
        const day = cnDay(resident.registeredAt);
        if (day < params.from || day > params.to || !filter(resident)) return false;
        if (metric === 'registered') return true;
        const first = firstCompleted(resident._id);
        return first !== null && first.getTime() - resident.registeredAt.getTime() < Number(params.windowDays) * DAY;
      }));
    case 'repurchase_base':
    case 'repurchased':
    case 'new_repurchase_base':
    case 'new_repurchased':
      return ids(residents.filter((resident) => {
        const months = completedMonths(resident);
        if (!filter(resident) || !months.has(params.month)) return false;
        const isNew = [...months].every((other) => other >= params.month);
        const again = months.has(nextMonth(params.month));
        return metric === 'repurchase_base' || (metric === 'repurchased' && again) || (metric === 'new_repurchase_base' && isNew) || (metric === 'new_repurchased' && isNew && again);
      }));
    case 'active': {
      const counts = activeCountsOn(params.day);
      return ids(residents.filter((resident) => {
        if (!filter(resident) || !counts.get(String(resident._id))) return false;
        const isNew = (cnStart(params.day).getTime() - cnStart(cnDay(resident.registeredAt)).getTime()) / DAY < 30;
        return params.segment === 'new' ? isNew : params.segment === 'old' ? !isNew : true;
      }));
    }
    case 'weekly_active': {
      const days = Array.from({ length: 7 }, (_, index) => cnDay(new Date(cnStart(params.week).getTime() + index * DAY)));
      const active = new Set(days.flatMap((day) => [...activeCountsOn(day).keys()]));
      return ids(residents.filter((resident) => filter(resident) && active.has(String(resident._id))));
    }
    case 'monthly_active': {
      const activeDays = new Map<string, Set<string>>();
      const add = (residentId: Types.ObjectId, at: Date): void => {
        if (cnMonth(at) !== params.month) return;
        if (!activeDays.has(String(residentId))) activeDays.set(String(residentId), new Set());
        activeDays.get(String(residentId))!.add(cnDay(at));
      };
      for (const event of events) add(event.residentId, event.occurredAt);
      for (const row of orders) if (row.state === 'completed' && row.completedAt && row.residentId) add(row.residentId, row.completedAt);
      return ids(residents.filter((resident) => filter(resident) && (activeDays.get(String(resident._id))?.size ?? 0) >= 2));
    }
    case 'registered_total':
      return ids(residents.filter(filter));
    case 'consumers':
      return ids(residents.filter((resident) => filter(resident) && isConsumer(resident)));
    default:
      throw new Error(metric);
  }
}

describe('the drill-down', () => {
  /** Every page of a drill-down list, through HTTP; checks the pages add up to the total without repeats. */
  async function listAll(session: { token: string }, query: Record<string, string>, pageSize = 200): Promise<{ total: number; ids: string[] }> {
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; total < 0 || offset < total; offset += pageSize) {
      const page = await request(app).get('/metrics/residents').query({ ...query, limit: String(pageSize), offset: String(offset) }).set(bearer(session));
      expect(page.status).toBe(200);
      total = page.body.total;
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    return { total, ids: [...seen].sort() };
  }

  it('lists exactly the residents behind every count, for every metric and dimension', async () => {
    const adminSession = await login(app, DEMO_LOGINS.admin);
    const admin = { id: new Types.ObjectId(adminSession.staff!.id), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const dimensions: [string, string | undefined, Filter][] = [
      ['all', undefined, everyone],
      ['store', String(stores[1]._id), (r) => r.storeId.equals(stores[1]._id)],
      ['advisor', String(advisors[0]._id), (r) => Boolean(r.advisorId?.equals(advisors[0]._id))],
      ['channel', String(channels[1]), (r) => Boolean(r.channelId?.equals(channels[1]))],
      ['community', String(communities[3]._id), (r) => r.communityId.equals(communities[3]._id)],
    ];
    /*
     * The 'all' dimension goes through HTTP (lists page by page, counts from the endpoints); the
     * other dimensions call the same service methods the routes call, which keeps this test's
     * hundred-odd comparisons within minutes on the embedded database.
     */
    const answers = new Map<string, Promise<any>>();
    const get = (path: string, query: Record<string, string>): Promise<any> => {
      const key = JSON.stringify([path, query]);
      if (!answers.has(key)) {
        const value = query.value;
        const dimension = { dimension: (query.dimension ?? 'all') as never, value };
        const direct: Record<string, () => Promise<unknown>> = {
          '/metrics/conversion': () => metrics.conversion(admin, { from: query.from, to: query.to, windowDays: Number(query.windowDays ?? 7), ...dimension }),
          '/metrics/repurchase': () => metrics.repurchase(admin, { month: query.month, ...dimension }),
          '/metrics/active': () => metrics.active(admin, { from: query.from, to: query.to, ...dimension }),
        };
        answers.set(key, !query.dimension || query.dimension === 'all' || !direct[path]
          ? request(app).get(path).query(query).set(bearer(adminSession)).then((response) => {
            expect(response.status).toBe(200);
            return response.body;
          })
          : direct[path]());
      }
      return answers.get(key)!;
    };
    const list = async (query: Record<string, string>): Promise<{ total: number; ids: string[] }> => {
      if (!query.dimension || query.dimension === 'all') return listAll(adminSession, query);
      const { metric, dimension, value, windowDays, segment, ...rest } = query;
      const answer = await metrics.drillDown(admin, { metric, dimension, value, windowDays: Number(windowDays ?? 7), segment: segment ?? 'all', limit: 1_000_000, offset: 0, ...rest } as never);
      return { total: answer.total, ids: answer.items.map((item) => item.id).sort() };
    };
    const range = { from: '2026-01-20', to: '2026-02-20' };
    const day = '2026-02-01';
    const penetrationOf = async (d: Record<string, string>) => (await get('/metrics/penetration', { cityId: String(stores[0].cityId) })).communities.find((row: { id: string }) => row.id === d.value);
    // Each case: the drill-down metric, its parameters, and how the matching count endpoint reports it.
    const cases: { metric: string; params: Record<string, string>; count: (dimension: Record<string, string>) => Promise<number | null> }[] = [
      { metric: 'registered', params: range, count: async (d) => (await get('/metrics/conversion', { ...range, ...d })).registrations },
      ...['7', '30'].map((windowDays) => ({ metric: 'converted', params: { ...range, windowDays }, count: async (d: Record<string, string>) => (await get('/metrics/conversion', { ...range, windowDays, ...d })).converted })),
      { metric: 'repurchase_base', params: { month: '2026-01' }, count: async (d) => (await get('/metrics/repurchase', { month: '2026-01', ...d })).all.base },
      { metric: 'repurchased', params: { month: '2026-01' }, count: async (d) => (await get('/metrics/repurchase', { month: '2026-01', ...d })).all.count },
      { metric: 'new_repurchase_base', params: { month: '2026-01' }, count: async (d) => (await get('/metrics/repurchase', { month: '2026-01', ...d })).newResidents.base },
      { metric: 'new_repurchased', params: { month: '2026-01' }, count: async (d) => (await get('/metrics/repurchase', { month: '2026-01', ...d })).newResidents.count },
      ...(['all', 'new', 'old'] as const).map((segment) => ({
        metric: 'active', params: { day, segment },
        count: async (d: Record<string, string>) => (await get('/metrics/active', { from: day, to: day, ...d })).days[0][{ all: 'active', new: 'newActive', old: 'oldActive' }[segment]],
      })),
      { metric: 'weekly_active', params: { week: '2026-01-26' }, count: async (d) => (await get('/metrics/active', { from: day, to: day, ...d })).weeks[0].active },
      { metric: 'monthly_active', params: { month: '2026-02' }, count: async (d) => (await get('/metrics/active', { from: day, to: day, ...d })).months[0].active },
      // Cumulative counts are answered per community (penetration) and per advisor (progress).
      { metric: 'registered_total', params: {}, count: async (d) => (d.dimension === 'community' ? (await penetrationOf(d)).registered : null) },
      {
        metric: 'consumers', params: {},
        count: async (d) =>
          d.dimension === 'community'
            ? (await penetrationOf(d)).consumers
            : d.dimension === 'advisor'
              ? (await get('/metrics/advisors/progress', { storeId: String(advisors[0].storeId) })).find((row: { advisorId: string }) => row.advisorId === d.value).consumers
              : null,
      },
    ];
    expect(new Set(cases.map((entry) => entry.metric))).toEqual(new Set(['registered', 'converted', 'repurchase_base', 'repurchased', 'new_repurchase_base', 'new_repurchased', 'active', 'weekly_active', 'monthly_active', 'registered_total', 'consumers']));
    let compared = 0;
    for (const entry of cases) {
      for (const [dimension, value, filter] of dimensions) {
        const dimensionQuery: Record<string, string> = value ? { dimension, value } : { dimension };
        const members = await list({ metric: entry.metric, ...entry.params, ...dimensionQuery });
        const want = expectedMembers(entry.metric, entry.params, filter);
        expect({ metric: entry.metric, ...entry.params, dimension, ids: members.ids }).toEqual({ metric: entry.metric, ...entry.params, dimension, ids: want });
        const count = await entry.count(dimensionQuery);
        if (count !== null) {
          expect({ metric: entry.metric, ...entry.params, dimension, count }).toEqual({ metric: entry.metric, ...entry.params, dimension, count: members.total });
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(60);
    // Today's counts are live: the same holds for today's registrations and active residents.
    for (const metric of ['registered', 'active']) {
      const today = await listAll(adminSession, metric === 'registered' ? { metric, from: TODAY, to: TODAY } : { metric, day: TODAY });
      expect(today.ids).toEqual(expectedMembers(metric, { from: TODAY, to: TODAY, day: TODAY, segment: 'all' }, everyone));
      const answer = metric === 'registered' ? (await get('/metrics/conversion', { from: TODAY, to: TODAY })).registrations : (await get('/metrics/active', { from: TODAY, to: TODAY })).days[0].active;
      expect(today.total).toBe(answer);
    }
  });

  it('pages a long list without gaps or repeats, newest registration first', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const query = { metric: 'registered', from: '2025-12-20', to: '2026-03-04' };
    const paged = await listAll(admin, query, 37);
    expect(paged.ids).toEqual(expectedMembers('registered', query, everyone));
    expect(paged.total).toBeGreaterThan(37 * 5);
    const first = (await request(app).get('/metrics/residents').query({ ...query, limit: '37' }).set(bearer(admin))).body.items;
    const times = first.map((item: { registeredAt: string }) => item.registeredAt);
    expect(times).toEqual([...times].sort().reverse());
    const sample = residents.find((resident) => String(resident._id) === first[0].id)!;
    expect(first[0]).toMatchObject({ storeId: String(sample.storeId), communityId: String(sample.communityId), advisorId: sample.advisorId ? String(sample.advisorId) : null, codeType: sample.codeType });
  });

  it('scopes a list like its count: a manager sees their store, an advisor themselves, nobody beyond', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const advisor = await login(app, DEMO_LOGINS.advisors[0]);
    const storeId = manager.staff!.storeId!;
    const query = { metric: 'registered', from: '2026-01-01', to: '2026-02-28' };
    const managed = await listAll(manager, query);
    expect(managed.ids).toEqual(expectedMembers('registered', query, (r) => String(r.storeId) === storeId));
    const count = (await request(app).get('/metrics/conversion').query({ from: query.from, to: query.to }).set(bearer(manager))).body.registrations;
    expect(managed.total).toBe(count);
    const own = await listAll(advisor, { metric: 'consumers' });
    expect(own.ids).toEqual(expectedMembers('consumers', {}, (r) => String(r.advisorId) === advisor.staff!.id));
    expect((await request(app).get('/metrics/advisors/me/progress').set(bearer(advisor))).body.consumers).toBe(own.total);

    const otherStore = stores.find((store) => String(store._id) !== storeId)!;
    const refused = await request(app).get('/metrics/residents').query({ ...query, dimension: 'store', value: String(otherStore._id) }).set(bearer(manager));
    expect(refused.status).toBe(403);
    expect((await request(app).get('/metrics/residents').query({ ...query, dimension: 'channel', value: String(channels[0]) }).set(bearer(advisor))).status).toBe(403);
    const resident = await login(app, 'dev:drill-down-resident');
    expect((await request(app).get('/metrics/residents').query(query).set(bearer(resident))).status).toBe(403);
  });

  it('asks for what each metric needs, in Chinese', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const missing = await request(app).get('/metrics/residents').query({ metric: 'converted', from: '2026-01-01' }).set(bearer(admin));
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'query.to', message: expect.stringMatching(/[\u4e00-\u9fff]/) })]));
    const notMonday = await request(app).get('/metrics/residents').query({ metric: 'weekly_active', week: '2026-01-27' }).set(bearer(admin));
    expect(notMonday.status).toBe(400);
    expect(notMonday.body.error.details[0].message).toMatch(/星期一/);
  });
});

describe('late and reversed orders', () => {
  it('when an order arrives late or is refunded, then the nightly job brings the numbers back in line', async () => {
    const victim = residents.find((resident) => {
      const own = orders.filter((row) => row.residentId?.equals(resident._id) && row.state === 'completed');
      return own.length === 1;
    })!;
    const only = orders.find((row) => row.residentId?.equals(victim._id) && row.state === 'completed')!;
    const consumersIn = async (resident: TestResident): Promise<number> => {
      const community = communities.find((row) => row._id.equals(resident.communityId))!;
      return (await metrics.penetrationOf([{ ...community, cityId: stores[0].cityId } as never]))[0].consumers;
    };
    const expectedConsumersIn = (resident: TestResident): number => residents.filter((row) => row.communityId.equals(resident.communityId)).filter(isConsumer).length;
    expect(await consumersIn(victim)).toBe(expectedConsumersIn(victim));
    // Refunded yesterday: the resident is no consumer any more, and the day it was completed on loses it.
    only.state = 'refunded';
    only.refundedAt = new Date('2026-03-04T02:00:00Z');
    await mongoose.connection.collection('orders').updateOne({ _id: only._id } as never, { $set: { state: 'refunded', refundedAt: only.refundedAt, updatedAt: only.refundedAt } });

    // An order completed on 2026-02-20 that arrived only yesterday, for a resident who never ordered.
    const newcomer = residents.find((resident) => !isConsumer(resident) && cnDay(resident.registeredAt) <= '2026-02-15')!;
    await insertOrders([order(newcomer, new Date('2026-02-20T05:00:00Z'), 'completed', { updatedAt: new Date('2026-03-04T09:00:00Z') })]);

    const [rollup] = metricsJobs(metrics);
    expect(rollup.name).toBe('metrics-rollup');
    await rollup.run(NOW);

    // The victim's community lost a consumer and the newcomer's gained one (independently counted from the changed rows).
    expect(await consumersIn(victim)).toBe(expectedConsumersIn(victim));
    expect(await consumersIn(newcomer)).toBe(expectedConsumersIn(newcomer));
    for (const day of ['2026-02-20', cnDay(only.completedAt!)]) {
      const doc = await MetricRollupModel.findById(`${day}|activity`).lean();
      expect(doc!.rows['all|all'].completedOrders).toBe(orders.filter((row) => row.residentId && row.state === 'completed' && row.completedAt && cnDay(row.completedAt) === day).length);
    }
    const admin0 = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const all = await metrics.conversion(admin0, { from: '2025-12-20', to: TODAY, dimension: 'all', windowDays: 30 });
    expect({ registrations: all.registrations, converted: all.converted }).toEqual(expectedConversion('2025-12-20', TODAY, 30, everyone));
    const admin = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const conversion = await metrics.conversion(admin, { from: '2026-02-01', to: '2026-03-04', dimension: 'all', windowDays: 30 });
    expect({ registrations: conversion.registrations, converted: conversion.converted }).toEqual(expectedConversion('2026-02-01', '2026-03-04', 30, everyone));
  });
});

describe('penetration and advisor progress', () => {
  it('counts registered and consumer residents per community, hardest first', async () => {
    const admin = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const got = await metrics.penetration(admin, { cityId: String(stores[0].cityId), order: 'hardest', limit: 100 });
    expect(got.communities).toHaveLength(communities.length);
    for (const row of got.communities) {
      const own = residents.filter((resident) => String(resident.communityId) === row.id);
      const households = communities.find((community) => String(community._id) === row.id)!.households;
      expect(row).toMatchObject({ registered: own.length, consumers: own.filter(isConsumer).length, households });
      expect(row.consumerRate).toBeCloseTo(own.filter(isConsumer).length / households, 10);
    }
    const rates = got.communities.map((row) => row.consumerRate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
  });

  it('credits consumers to the first-touch advisor against the goal', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const response = await request(app).get('/metrics/advisors/progress').query({ from: '2026-02-01', to: '2026-02-28' }).set(bearer(manager));
    expect(response.status).toBe(200);
    const ownAdvisors = advisors.filter((advisor) => String(advisor.storeId) === manager.staff!.storeId);
    expect(response.body).toHaveLength(ownAdvisors.length);
    for (const advisor of ownAdvisors) {
      const row = response.body.find((entry: { advisorId: string }) => entry.advisorId === String(advisor._id));
      const mine: Filter = (r) => Boolean(r.advisorId?.equals(advisor._id));
      const consumers = residents.filter(mine).filter(isConsumer).length;
      const conversion = expectedConversion('2026-02-01', '2026-02-28', 7, mine);
      expect(row).toMatchObject({ goal: advisor.goalConsumerUsers, consumers, remaining: advisor.goalConsumerUsers - consumers, newSignups: conversion.registrations, conversion7: { base: conversion.registrations, count: conversion.converted } });
    }
  });
});

describe('role scoping over HTTP', () => {
  it('shows an advisor only their own numbers, a manager only their store, city ops their city', async () => {
    const [advisor, managerA, managerB, ops] = await Promise.all([DEMO_LOGINS.advisors[0], DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.cityOps].map((code) => login(app, code)));
    const range = { from: '2026-01-01', to: '2026-02-28', windowDays: '30' };

    const own = await request(app).get('/metrics/conversion').query(range).set(bearer(advisor));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ dimension: 'advisor', value: advisor.staff!.id });
    const mine = expectedConversion(range.from, range.to, 30, (r) => String(r.advisorId) === advisor.staff!.id);
    expect({ registrations: own.body.registrations, converted: own.body.converted }).toEqual(mine);
    expect((await request(app).get('/metrics/conversion').query({ ...range, dimension: 'store', value: advisor.staff!.storeId }).set(bearer(advisor))).status).toBe(403);
    const otherAdvisor = advisors.find((row) => String(row._id) !== advisor.staff!.id)!;
    expect((await request(app).get('/metrics/conversion').query({ ...range, dimension: 'advisor', value: String(otherAdvisor._id) }).set(bearer(advisor))).status).toBe(403);
    const me = await request(app).get('/metrics/advisors/me/progress').set(bearer(advisor));
    expect(me.status).toBe(200);
    expect(me.body.consumers).toBe(residents.filter((r) => String(r.advisorId) === advisor.staff!.id).filter(isConsumer).length);
    expect((await request(app).get('/metrics/advisors/me/progress').set(bearer(managerA))).status).toBe(403);

    const storeA = managerA.staff!.storeId!;
    const managed = await request(app).get('/metrics/repurchase').query({ month: '2026-01' }).set(bearer(managerA));
    expect(managed.status).toBe(200);
    expect(managed.body).toMatchObject({ dimension: 'store', value: storeA });
    expect(managed.body.all.base).toBe(expectedRepurchase('2026-01', (r) => String(r.storeId) === storeA).base);
    expect((await request(app).get('/metrics/repurchase').query({ month: '2026-01', dimension: 'store', value: storeA }).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get('/metrics/penetration').query({ storeId: storeA }).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get('/metrics/advisors/progress').query({ storeId: storeA }).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get('/metrics/conversion').query({ ...range, dimension: 'channel', value: String(channels[0]) }).set(bearer(managerA))).status).toBe(403);
    expect((await request(app).get('/metrics/penetration').query({ order: 'hardest' }).set(bearer(managerA))).status).toBe(200);

    const city = await request(app).get('/metrics/conversion').query(range).set(bearer(ops));
    expect(city.status).toBe(200);
    expect({ registrations: city.body.registrations, converted: city.body.converted }).toEqual(expectedConversion(range.from, range.to, 30, everyone));
    expect((await request(app).get('/metrics/reviews').set(bearer(managerA))).status).toBe(403);
    expect((await request(app).get('/metrics/conversion').query({ from: '2026-02-01', to: '2026-01-01' }).set(bearer(ops))).status).toBe(400);
  });
});

describe('the biweekly review', () => {
  it('is built once the 14-day period has ended, with the newbie-task funnel, and is readable by city ops', async () => {
    const newbie = await TaskDefinitionModel.create({
      kind: 'newbie', eventType: 'signup_completed', target: 1, period: { kind: 'once' }, rewardPoints: 0, active: true, title: '完成注册', nextStep: '去注册',
    });
    const daily = await TaskDefinitionModel.create({
      kind: 'daily', eventType: 'group_checkin', target: 1, period: { kind: 'daily' }, rewardPoints: 0, active: true, title: '签到', nextStep: '去签到',
    });
    // Period 2026-02-02 .. 2026-02-15. 20 residents saw the newbie task inside it, 12 started, 7 completed; noise outside it and on a daily task.
    const inside = new Date('2026-02-10T04:00:00Z');
    const outside = new Date('2026-02-15T16:30:00Z'); // 2026-02-16 in Shanghai: the next period
    const sample = residents.slice(0, 24);
    await TaskViewModel.insertMany(sample.slice(0, 20).map((r) => ({ taskId: newbie._id, residentId: r._id, periodKey: 'once', seenAt: inside })));
    await TaskViewModel.insertMany(sample.slice(20).map((r) => ({ taskId: newbie._id, residentId: r._id, periodKey: 'once', seenAt: outside })));
    await TaskViewModel.insertMany(sample.map((r) => ({ taskId: daily._id, residentId: r._id, periodKey: '2026-02-10', seenAt: inside })));
    await TaskProgressMarkModel.insertMany(sample.slice(0, 12).map((r) => ({ taskId: newbie._id, residentId: r._id, periodKey: 'once', eventId: new Types.ObjectId(), occurredAt: inside })));
    await TaskCompletionModel.insertMany(sample.slice(0, 7).map((r) => ({ taskId: newbie._id, residentId: r._id, periodKey: 'once', rewardPoints: 0, completedAt: inside })));

    const review = metricsJobs(metrics).find((job) => job.name === 'metrics-review')!;
    // 06:00 on 2026-02-16 in Shanghai: the period 02-02..02-15 has ended.
    expect(await review.run(new Date('2026-02-15T22:00:00Z'))).toEqual({ built: true, period: '2026-02-02_2026-02-15' });
    expect(await review.run(new Date('2026-02-16T22:00:00Z'))).toEqual({ built: false, period: '2026-02-02_2026-02-15' });

    const ops = await login(app, DEMO_LOGINS.cityOps);
    const list = await request(app).get('/metrics/reviews').set(bearer(ops));
    expect(list.status).toBe(200);
    expect(list.body.map((row: { id: string }) => row.id)).toEqual(['2026-02-02_2026-02-15']);
    const body = (await request(app).get('/metrics/reviews/2026-02-02_2026-02-15').set(bearer(ops))).body;
    expect(body.newbieTasks).toMatchObject({ saw: 20, started: 12, completed: 7, openRate: 12 / 20, completionRate: 7 / 20 });
    expect(body.conversionTrend).toHaveLength(4);
    expect(body.conversionTrend[3]).toMatchObject({ from: '2026-02-02', to: '2026-02-15', ...(({ registrations, converted }) => ({ registrations, converted7: converted }))(expectedConversion('2026-02-02', '2026-02-15', 7, everyone)) });
    expect(body.repurchaseTrend.map((row: { month: string }) => row.month)).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(body.repurchaseTrend[2].all.base).toBe(expectedRepurchase('2026-01', everyone).base);
    expect(body.hardestCommunities.length).toBeGreaterThan(0);
    expect(body.advisorsBehind[0].remaining).toBeGreaterThanOrEqual(body.advisorsBehind.at(-1).remaining);
    expect((await request(app).get('/metrics/reviews/2026-01-01_2026-01-14').set(bearer(ops))).status).toBe(404);
  });
});

describe("today's numbers", () => {
  it('are read from the metrics-today rollup while it is fresh, and from raw data once it is stale', async () => {
    const admin = { id: new Types.ObjectId(), name: 'a', role: 'admin' as const, storeId: null, cityId: null };
    const query = { from: TODAY, to: TODAY, dimension: 'all' as const, windowDays: 7 };
    const todayJob = metricsJobs(metrics).find((job) => job.name === 'metrics-today')!;
    expect(await todayJob.run(NOW)).toMatchObject({ day: TODAY, registrations: expectedConversion(TODAY, TODAY, 7, everyone).registrations });
    const before = expectedConversion(TODAY, TODAY, 7, everyone);

    const another: TestResident = { ...residents[2], _id: new Types.ObjectId(), registeredAt: new Date('2026-03-05T02:00:00Z') };
    await insertResidents([another]);
    const fresh = new MetricsService({ now: () => NOW, liveCacheMs: 0 });
    const stale = new MetricsService({ now: () => NOW, liveCacheMs: 0, todayMaxAgeMs: 0 });
    const fromRollup = await fresh.conversion(admin, query);
    const fromRaw = await stale.conversion(admin, query);
    expect(fromRollup.registrations).toBe(before.registrations);
    expect(fromRaw.registrations).toBe(expectedConversion(TODAY, TODAY, 7, everyone).registrations);
    expect(fromRaw.registrations).toBe(before.registrations + 1);
    await MetricRollupModel.deleteMany({ period: TODAY });
  });
});

describe('late task events', () => {
  it('when a store visit is entered days later, then the nightly job re-rolls the day it happened on', async () => {
    const advisor = await login(app, DEMO_LOGINS.advisors[0]);
    const day = '2026-02-20';
    const visitor = residents.find((resident) => String(resident.advisorId) === advisor.staff!.id && !activeCountsOn(day).has(String(resident._id)))!;
    const at = new Date('2026-02-20T03:00:00Z');
    const visit = await request(app).post(`/residents/${visitor._id}/touchpoints`).set(bearer(advisor)).send({ kind: 'store_visit', at: at.toISOString() });
    expect(visit.status).toBe(201);
    events.push({ residentId: visitor._id, type: 'store_visited', occurredAt: at });
    const admin = await login(app, DEMO_LOGINS.admin);
    const activeOn = async () => (await request(app).get('/metrics/active').query({ from: day, to: day }).set(bearer(admin))).body.days[0].active;
    expect(await activeOn()).toBe(expectedActive(day, everyone).active - 1);
    // The nightly run after the visit was entered (the events' `recordedAt` is the real clock's).
    const [rollup] = metricsJobs(metrics);
    const counts = await rollup.run(new Date(Date.now() + 60_000));
    expect(counts.lateDays).toEqual(expect.arrayContaining([day]));
    expect(await activeOn()).toBe(expectedActive(day, everyone).active);
  });
});

describe('repurchase completeness', () => {
  it("says December is complete on 1 February by the calendar, and counts January's last orders before the nightly run", async () => {
    // December's rollup was stored at 20:00 on 31 January (Shanghai)...
    const storedAt = new Date('2026-01-31T12:00:00Z');
    await new MetricsService({ now: () => storedAt, liveCacheMs: 0 }).rollupRepurchase('2025-12');
    // ...and a December customer who had not ordered in January ordered at 23:30 that night.
    const monthsOf = (resident: TestResident) => new Set(orders.filter((row) => row.state === 'completed' && row.completedAt && row.residentId?.equals(resident._id)).map((row) => cnMonth(row.completedAt!)));
    const customer = residents.find((resident) => monthsOf(resident).has('2025-12') && !monthsOf(resident).has('2026-01'))!;
    await insertOrders([order(customer, new Date('2026-01-31T15:30:00Z'), 'completed', { updatedAt: new Date('2026-01-31T15:31:00Z') })]);

    // 00:30 on 1 February: the nightly job has not run yet.
    const firstOfFebruary = new MetricsService({ now: () => new Date('2026-01-31T16:30:00Z'), liveCacheMs: 0 });
    const februaryApp = createTestApp({ env, routers: [metricsRouter({ ...services, metrics: firstOfFebruary })] });
    const admin = await login(februaryApp, DEMO_LOGINS.admin);
    const december = await request(februaryApp).get('/metrics/repurchase').query({ month: '2025-12' }).set(bearer(admin));
    expect(december.status).toBe(200);
    const want = expectedRepurchase('2025-12', everyone);
    expect(december.body).toMatchObject({
      month: '2025-12', complete: true,
      all: { base: want.base, count: want.repurchased },
      newResidents: { base: want.newBase, count: want.newRepurchased },
    });
    // The stored rollup is the nightly job's: read, found stale, not rewritten.
    expect((await MetricRollupModel.findById('2025-12|repurchase').lean())!.computedAt).toEqual(storedAt);
    const january = await request(februaryApp).get('/metrics/repurchase').query({ month: '2026-01' }).set(bearer(admin));
    expect(january.body.complete).toBe(false);
    const future = await request(februaryApp).get('/metrics/repurchase').query({ month: '2026-03' }).set(bearer(admin));
    expect(future.status).toBe(400);
    expect(future.body.error.message).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('rollups written by more than one run at once', () => {
  it('when four writers store the same new rollup documents at once, then every write succeeds and each document is stored once', async () => {
    const repository = metrics.repository;
    for (let round = 0; round < 5; round += 1) {
      const documents = Array.from({ length: 4 }, (_, index) => ({
        _id: `collision-${round}-${index}|cohort`, period: `collision-${round}-${index}`, metric: 'cohort', rows: { 'all|all': { registrations: index } }, computedAt: NOW, partial: false,
      }));
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => repository.writeRollups(documents)));
      expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    }
    expect(await MetricRollupModel.countDocuments({ period: /^collision-/ })).toBe(20);
    await MetricRollupModel.deleteMany({ period: /^collision-/ });
  });

  it('when a rollup is missing, then a request computes the answer without writing what the nightly job owns', async () => {
    const yesterday = '2026-03-04';
    await MetricRollupModel.deleteMany({ _id: { $in: ['2026-01|repurchase', `${yesterday}|consumers`] } });
    const admin = await login(app, DEMO_LOGINS.admin);
    const january = await request(app).get('/metrics/repurchase').query({ month: '2026-01' }).set(bearer(admin));
    const want = expectedRepurchase('2026-01', everyone);
    expect(january.body).toMatchObject({ complete: true, all: { base: want.base, count: want.repurchased }, newResidents: { base: want.newBase, count: want.newRepurchased } });
    const penetration = await request(app).get('/metrics/penetration').query({ cityId: String(stores[0].cityId), order: 'name' }).set(bearer(admin));
    for (const row of penetration.body.communities) {
      expect({ id: row.id, consumers: row.consumers }).toEqual({ id: row.id, consumers: residents.filter((resident) => String(resident.communityId) === row.id).filter(isConsumer).length });
    }
    expect(await MetricRollupModel.exists({ _id: '2026-01|repurchase' })).toBeNull();
    expect(await MetricRollupModel.exists({ _id: `${yesterday}|consumers` })).toBeNull();
    // The nightly job writes them.
    const [rollup] = metricsJobs(metrics);
    await rollup.run(NOW);
    expect(await MetricRollupModel.exists({ _id: `${yesterday}|consumers` })).not.toBeNull();
  });
});
