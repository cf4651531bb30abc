import type { Types } from 'mongoose';
import { chinaDateKey, chinaDayStart, DAY_MS } from '@o2o/shared/rules/china-time';
import {
  addDays,
  addMonths,
  advisorProgress,
  conversionWindowClosed,
  convertedWithin,
  dayRange,
  dayRangeInstants,
  DEFAULT_ACTIVE_DEFINITION,
  hardestFirst,
  isActiveDay,
  isActiveInPeriod,
  isNewResidentOn,
  lastEndedReviewPeriod,
  monthDays,
  penetration,
  REVIEW_PERIOD_DAYS,
  rollupId,
  share,
  weekStart,
  type ActiveDefinition,
  type MetricDimension,
} from '@o2o/shared/rules/metrics';
import type {
  ActiveResidents,
  AdvisorProgressView,
  CommunityPenetration,
  Conversion,
  Repurchase,
  Review,
} from '@o2o/shared/schemas/metrics';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { communitiesServedBy } from '../organisation/organisation.service';
import { CommunityModel, StoreModel, type CommunityRecord, type StoreRecord } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { StaffModel } from '../staff/staff.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskProgressMarkModel, TaskViewModel } from '../tasks/tasks.model';
import { resolveMetricScope, type MetricScope } from './metrics-scope';
import { MetricConsumerModel, MetricReviewModel, MetricRollupRunModel, type MetricRollupRecord } from './metrics.model';
import { BATCH_SIZE, dimensionsOf, MetricsRepository, type ResidentFact } from './metrics.repository';

type Counts = Record<string, number>;

export const COHORT_FIELDS = ['registrations', 'converted7', 'converted30'] as const;
export const ACTIVITY_FIELDS = ['firstOrders', 'completedOrders', 'orderingResidents', 'revenueCents', 'activeResidents', 'activeNew', 'activeOld'] as const;
export const REPURCHASE_FIELDS = ['base', 'repurchased', 'newBase', 'newRepurchased'] as const;

/** Counts per dimension value of one period and metric, built in memory while streaming raw data. */
class CountTable {
  private readonly rows = new Map<string, { dimension: MetricDimension; value: string; counts: Counts }>();

  constructor(private readonly fields: readonly string[]) {
    this.row('all', 'all');
  }

  add(resident: ResidentFact | null | undefined, field: string, amount = 1): void {
    if (amount === 0) return;
    for (const [dimension, value] of dimensionsOf(resident)) this.row(dimension, value).counts[field] += amount;
  }

  get(dimension: MetricDimension, value: string): Counts {
    return this.rows.get(`${dimension}|${value}`)?.counts ?? Object.fromEntries(this.fields.map((field) => [field, 0]));
  }

  /** The rows as rollup documents, in a stable order; `all` is always there, other rows only with a count. */
  documents(period: string, metric: string): MetricRollupRecord[] {
    return [...this.rows.values()]
      .filter((row) => row.dimension === 'all' || Object.values(row.counts).some((count) => count !== 0))
      .map((row) => ({ _id: rollupId(period, metric, row.dimension, row.value), period, metric, dimension: row.dimension, value: row.value, counts: row.counts }))
      .sort((a, b) => (a._id < b._id ? -1 : 1));
  }

  private row(dimension: MetricDimension, value: string) {
    const key = `${dimension}|${value}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { dimension, value, counts: Object.fromEntries(this.fields.map((field) => [field, 0])) };
      this.rows.set(key, row);
    }
    return row;
  }
}

function sumCounts(rows: Iterable<Counts | undefined>, fields: readonly string[]): Counts {
  const total: Counts = Object.fromEntries(fields.map((field) => [field, 0]));
  for (const row of rows) if (row) for (const field of fields) total[field] += row[field] ?? 0;
  return total;
}

export interface MetricsOptions {
  active?: ActiveDefinition;
  /** The clock, for tests. */
  now?: () => Date;
}

export interface RollupDayResult {
  day: string;
  registrations: number;
  completedOrders: number;
  firstOrders: number;
  activeResidents: number;
  documents: number;
  consumersChecked: number;
}

/**
 * Growth metrics: daily rollups from raw data (residents, orders, task events), range answers
 * from the rollups plus raw data for today, and the biweekly review.
 *
 * What is counted under a dimension is the resident's: their store, their community and their
 * first touch (advisor, code type, channel, campaign, placement), so every metric of a dimension
 * describes the same residents. Orders with no matched resident are outside the growth metrics.
 *
 * Repurchase needs resident sets of two months, which daily counts cannot give; it is computed
 * in-process from the orders of months M and M+1 (streamed, one entry per ordering resident) and
 * stored as a monthly rollup by the nightly job. Weekly and monthly active residents likewise.
 */
export class MetricsService {
  readonly repository = new MetricsRepository();
  readonly activeDefinition: ActiveDefinition;
  private readonly now: () => Date;

  constructor(options: MetricsOptions = {}) {
    this.activeDefinition = options.active ?? DEFAULT_ACTIVE_DEFINITION;
    this.now = options.now ?? (() => new Date());
  }

  today(): string {
    return chinaDateKey(this.now());
  }

  // ---- computing from raw data ---------------------------------------------------------------

  /** The registration cohort of a day: its size and how many converted within 7 and 30 days (as of now). */
  async computeCohortDay(day: string): Promise<CountTable> {
    const { start, end } = dayRangeInstants(day, day);
    const table = new CountTable(COHORT_FIELDS);
    let batch: ResidentFact[] = [];
    const flush = async (): Promise<void> => {
      const first = await this.repository.firstCompletedAt(batch.map((resident) => resident._id));
      for (const resident of batch) {
        const firstAt = first.get(String(resident._id)) ?? null;
        table.add(resident, 'registrations');
        if (convertedWithin(resident.registeredAt, firstAt, 7)) table.add(resident, 'converted7');
        if (convertedWithin(resident.registeredAt, firstAt, 30)) table.add(resident, 'converted30');
      }
      batch = [];
    };
    for await (const resident of this.repository.residentsRegistered(start, end)) {
      batch.push(resident);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
    return table;
  }

  /** Orders, first orders and active residents of a day; also returns the residents whose consumer status may have changed. */
  async computeActivityDay(day: string): Promise<{ table: CountTable; ordering: Types.ObjectId[] }> {
    const { start, end } = dayRangeInstants(day, day);
    const table = new CountTable(ACTIVITY_FIELDS);
    const orders = new Map<string, { id: Types.ObjectId; orders: number; cents: number }>();
    for await (const order of this.repository.completedOrders(start, end)) {
      if (!order.residentId) continue;
      const key = String(order.residentId);
      const entry = orders.get(key) ?? { id: order.residentId, orders: 0, cents: 0 };
      entry.orders += 1;
      entry.cents += order.totalCents ?? 0;
      orders.set(key, entry);
    }
    const ordering = [...orders.values()].map((entry) => entry.id);
    const earlier = await this.repository.firstCompletedAt(ordering, start);

    const definition = this.activeDefinition;
    const events = new Map<string, { id: Types.ObjectId; count: number }>();
    for await (const event of this.repository.taskEvents(start, end, definition.eventTypes)) {
      const key = String(event.residentId);
      const entry = events.get(key) ?? { id: event.residentId, count: 0 };
      entry.count += 1;
      events.set(key, entry);
    }
    if (definition.countOrders) {
      for (const [key, entry] of orders) {
        const known = events.get(key) ?? { id: entry.id, count: 0 };
        known.count += entry.orders;
        events.set(key, known);
      }
    }
    const active = [...events.values()].filter((entry) => isActiveDay(entry.count, definition));
    const residents = await this.repository.residentsByIds([...new Map([...ordering, ...active.map((entry) => entry.id)].map((id) => [String(id), id])).values()]);

    for (const [key, entry] of orders) {
      const resident = residents.get(key) ?? null;
      table.add(resident, 'completedOrders', entry.orders);
      table.add(resident, 'revenueCents', entry.cents);
      table.add(resident, 'orderingResidents');
      if (!earlier.has(key)) table.add(resident, 'firstOrders');
    }
    for (const entry of active) {
      const resident = residents.get(String(entry.id)) ?? null;
      table.add(resident, 'activeResidents');
      table.add(resident, resident && isNewResidentOn(resident.registeredAt, day, definition) ? 'activeNew' : 'activeOld');
    }
    return { table, ordering };
  }

  /** Rewrites the consumer record of each resident: kept with their first completed order, deleted without one. */
  async refreshConsumers(residentIds: readonly Types.ObjectId[]): Promise<number> {
    const unique = [...new Map(residentIds.map((id) => [String(id), id])).values()];
    for (let index = 0; index < unique.length; index += BATCH_SIZE) {
      const batch = unique.slice(index, index + BATCH_SIZE);
      const [first, residents] = await Promise.all([this.repository.firstCompletedAt(batch), this.repository.residentsByIds(batch)]);
      const writes = batch.map((id) => {
        const firstAt = first.get(String(id));
        if (!firstAt) return { deleteOne: { filter: { _id: id } } };
        const resident = residents.get(String(id));
        return {
          updateOne: {
            filter: { _id: id },
            update: {
              $set: {
                firstCompletedAt: firstAt,
                firstDay: chinaDateKey(firstAt),
                storeId: resident?.storeId ?? null,
                communityId: resident?.communityId ?? null,
                advisorId: resident?.attribution?.advisorId ?? null,
              },
            },
            upsert: true,
          },
        };
      });
      if (writes.length > 0) await MetricConsumerModel.collection.bulkWrite(writes as never, { ordered: false });
    }
    return unique.length;
  }

  // ---- rollups ---------------------------------------------------------------------------

  /** Recomputes one China-time day from raw data and rewrites its rollups; rerunning gives the same documents. */
  async rollupDay(day: string): Promise<RollupDayResult> {
    const cohort = await this.computeCohortDay(day);
    const { table: activity, ordering } = await this.computeActivityDay(day);
    const cohortDocuments = cohort.documents(day, 'cohort');
    const activityDocuments = activity.documents(day, 'activity');
    await this.repository.replaceRollups(day, 'cohort', cohortDocuments);
    await this.repository.replaceRollups(day, 'activity', activityDocuments);
    const { start, end } = dayRangeInstants(day, day);
    const consumersChecked = await this.refreshConsumers([...ordering, ...(await this.repository.residentsWithReversedOrders(start, end))]);
    const all = activity.get('all', 'all');
    return {
      day,
      registrations: cohort.get('all', 'all').registrations,
      completedOrders: all.completedOrders,
      firstOrders: all.firstOrders,
      activeResidents: all.activeResidents,
      documents: cohortDocuments.length + activityDocuments.length,
      consumersChecked,
    };
  }

  /** Rewrites only the cohort rollups of a day: conversion of a registration day keeps rising for 30 days. */
  async rollupCohortDay(day: string): Promise<number> {
    const documents = (await this.computeCohortDay(day)).documents(day, 'cohort');
    await this.repository.replaceRollups(day, 'cohort', documents);
    return documents.length;
  }

  /** Rolls up every day from `from` to `to` (both included), oldest first. */
  async rollupRange(from: string, to: string): Promise<RollupDayResult[]> {
    const results: RollupDayResult[] = [];
    for (const day of dayRange(from, to)) results.push(await this.rollupDay(day));
    return results;
  }

  /**
   * Next-month repurchase for base month M, per dimension: streams the completed orders of M and
   * M+1 once (memory: one entry per ordering resident), checks which residents of M ordered
   * before M (not new), and stores `<M>|repurchase|<dimension>|<value>`.
   */
  async rollupRepurchase(month: string): Promise<number> {
    const start = chinaDayStart(`${month}-01`);
    const nextStart = chinaDayStart(`${addMonths(month, 1)}-01`);
    const end = chinaDayStart(`${addMonths(month, 2)}-01`);
    const months = new Map<string, { id: Types.ObjectId; bits: number }>();
    for await (const order of this.repository.completedOrders(start, end)) {
      if (!order.residentId || !order.completedAt) continue;
      const key = String(order.residentId);
      const entry = months.get(key) ?? { id: order.residentId, bits: 0 };
      entry.bits |= order.completedAt < nextStart ? 1 : 2;
      months.set(key, entry);
    }
    const base = [...months.values()].filter((entry) => entry.bits & 1);
    const table = new CountTable(REPURCHASE_FIELDS);
    for (let index = 0; index < base.length; index += BATCH_SIZE) {
      const batch = base.slice(index, index + BATCH_SIZE);
      const ids = batch.map((entry) => entry.id);
      const [earlier, residents] = await Promise.all([this.repository.firstCompletedAt(ids, start), this.repository.residentsByIds(ids)]);
      for (const entry of batch) {
        const resident = residents.get(String(entry.id)) ?? null;
        const isNew = !earlier.has(String(entry.id));
        const repurchased = (entry.bits & 2) !== 0;
        table.add(resident, 'base');
        if (repurchased) table.add(resident, 'repurchased');
        if (isNew) table.add(resident, 'newBase');
        if (isNew && repurchased) table.add(resident, 'newRepurchased');
      }
    }
    const documents = table.documents(month, 'repurchase');
    await this.repository.replaceRollups(month, 'repurchase', documents);
    await MetricRollupRunModel.updateOne({ _id: `${month}|repurchase` }, { $set: { computedAt: this.now() } }, { upsert: true });
    return documents.length;
  }

  /**
   * Weekly (Monday-Sunday, keyed by its Monday) or monthly active residents: residents with at
   * least the definition's active days in the period. Streams the period's events once, keeping
   * a small per-resident array of daily event counts.
   */
  async rollupActivePeriod(kind: 'week' | 'month', key: string): Promise<number> {
    const from = kind === 'week' ? key : monthDays(key).from;
    const to = kind === 'week' ? addDays(key, 6) : monthDays(key).to;
    const { start, end } = dayRangeInstants(from, to);
    const length = dayRange(from, to).length;
    const definition = this.activeDefinition;
    const perResident = new Map<string, { id: Types.ObjectId; days: Uint16Array }>();
    const count = (residentId: Types.ObjectId, at: Date): void => {
      const index = Math.floor((at.getTime() - start.getTime()) / DAY_MS);
      if (index < 0 || index >= length) return;
      const key = String(residentId);
      let entry = perResident.get(key);
      if (!entry) perResident.set(key, (entry = { id: residentId, days: new Uint16Array(length) }));
      entry.days[index] = Math.min(65_535, entry.days[index] + 1);
    };
    for await (const event of this.repository.taskEvents(start, end, definition.eventTypes)) count(event.residentId, event.occurredAt);
    if (definition.countOrders) {
      for await (const order of this.repository.completedOrders(start, end)) if (order.residentId && order.completedAt) count(order.residentId, order.completedAt);
    }
    const active = [...perResident.values()].filter((entry) => isActiveInPeriod(entry.days.filter((events) => isActiveDay(events, definition)).length, kind, definition));
    const table = new CountTable(['active']);
    for (let index = 0; index < active.length; index += BATCH_SIZE) {
      const batch = active.slice(index, index + BATCH_SIZE);
      const residents = await this.repository.residentsByIds(batch.map((entry) => entry.id));
      for (const entry of batch) table.add(residents.get(String(entry.id)) ?? null, 'active');
    }
    const metric = kind === 'week' ? 'active_week' : 'active_month';
    const documents = table.documents(key, metric);
    await this.repository.replaceRollups(key, metric, documents);
    return documents.length;
  }

  /**
   * The nightly job: rolls up yesterday and re-rolls the 3 days before it (late orders); re-rolls
   * any older day an order changed since then was completed on (late deliveries, refunds) and
   * refreshes those residents' consumer records and registration cohorts; refreshes the cohort
   * counts of the 31 days before the window (conversion keeps rising for 30 days); recomputes the
   * repurchase months and weekly/monthly active periods those days touch.
   */
  async nightly(now: Date): Promise<Record<string, unknown>> {
    const yesterday = chinaDateKey(new Date(now.getTime() - DAY_MS));
    const from = addDays(yesterday, -3);
    // Orders changed since the window's start (late deliveries, refunds): their completion days and their residents' cohorts.
    const changed = await this.repository.ordersChanged(chinaDayStart(from), now);
    const lateDays = [...new Set(changed.completedAt.map(chinaDateKey))].filter((day) => day < from).sort();
    const days = await this.rollupRange(from, yesterday);
    for (const day of lateDays) days.push(await this.rollupDay(day));
    await this.refreshConsumers(changed.residentIds);
    const changedResidents = await this.repository.residentsByIds(changed.residentIds);
    const cohortDays = new Set(dayRange(addDays(from, -31), addDays(from, -1)));
    for (const resident of changedResidents.values()) {
      const day = chinaDateKey(resident.registeredAt);
      if (day < from && !lateDays.includes(day)) cohortDays.add(day);
    }
    for (const day of [...cohortDays].sort()) await this.rollupCohortDay(day);
    const touchedDays = [...lateDays, ...dayRange(from, yesterday)];
    const touchedMonths = [...new Set(touchedDays.map((day) => day.slice(0, 7)))].sort();
    const repurchaseMonths = [...new Set(touchedMonths.flatMap((month) => [addMonths(month, -1), month]))].sort();
    for (const month of repurchaseMonths) await this.rollupRepurchase(month);
    const weeks = [...new Set(touchedDays.map(weekStart))].sort();
    for (const week of weeks) await this.rollupActivePeriod('week', week);
    for (const month of touchedMonths) await this.rollupActivePeriod('month', month);
    return {
      days: days.map((day) => day.day),
      completedOrders: days.reduce((sum, day) => sum + day.completedOrders, 0),
      registrations: days.reduce((sum, day) => sum + day.registrations, 0),
      cohortDaysRefreshed: cohortDays.size,
      consumersChecked: changed.residentIds.length,
      repurchaseMonths,
      weeks,
      months: touchedMonths,
    };
  }

  // ---- reading: rollups plus raw data for today --------------------------------------------

  /**
   * Counts of a metric per day and per value of the scope: stored rollups for past days, computed
   * from raw data (once per day, whatever the number of values) for today and for yesterday if its
   * rollup has not run yet.
   */
  private async dailyCountsByValue(metric: 'cohort' | 'activity', scope: MetricScope, from: string, to: string): Promise<Map<string, Map<string, Counts | undefined>>> {
    const today = this.today();
    const result = new Map<string, Map<string, Counts | undefined>>();
    if (from > today) return result;
    const days = dayRange(from, to > today ? today : to);
    const ids = days.flatMap((day) => [rollupId(day, metric, 'all', 'all'), ...scope.values.map((value) => rollupId(day, metric, scope.dimension, value))]);
    const stored = await this.repository.rollupsByIds(ids);
    for (const day of days) {
      const live = day === today || (day === addDays(today, -1) && !stored.has(rollupId(day, metric, 'all', 'all')));
      const table = live ? (metric === 'cohort' ? await this.computeCohortDay(day) : (await this.computeActivityDay(day)).table) : null;
      result.set(day, new Map(scope.values.map((value) => [value, table ? table.get(scope.dimension, value) : stored.get(rollupId(day, metric, scope.dimension, value))])));
    }
    return result;
  }

  /** Counts of a metric per day, summed over the scope's values. */
  private async dailyCounts(metric: 'cohort' | 'activity', scope: MetricScope, from: string, to: string): Promise<Map<string, Counts>> {
    const fields = metric === 'cohort' ? COHORT_FIELDS : ACTIVITY_FIELDS;
    const byValue = await this.dailyCountsByValue(metric, scope, from, to);
    return new Map([...byValue.entries()].map(([day, values]) => [day, sumCounts(values.values(), fields)]));
  }

  async conversion(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string; windowDays: number }): Promise<Conversion> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    return this.conversionFor(scope, query.from, query.to, query.windowDays);
  }

  async conversionFor(scope: MetricScope, from: string, to: string, windowDays: number): Promise<Conversion> {
    const field = windowDays === 30 ? 'converted30' : 'converted7';
    const counts = await this.dailyCounts('cohort', scope, from, to);
    const today = this.today();
    const days = [...counts.entries()].map(([day, row]) => ({ day, registrations: row.registrations, converted: row[field] }));
    const registrations = days.reduce((sum, day) => sum + day.registrations, 0);
    const converted = days.reduce((sum, day) => sum + day.converted, 0);
    return {
      from, to, dimension: scope.dimension, value: scope.label, windowDays,
      registrations, converted, rate: share(converted, registrations).rate,
      openCohortDays: days.filter((day) => !conversionWindowClosed(day.day, windowDays, today)).length,
      days,
    };
  }

  async repurchase(staff: StaffPrincipal, query: { month: string; dimension: MetricDimension; value?: string }): Promise<Repurchase> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    return this.repurchaseFor(scope, query.month);
  }

  /** From the monthly rollup; a month never rolled up (the job had not reached it) is computed and stored on demand. */
  async repurchaseFor(scope: MetricScope, month: string): Promise<Repurchase> {
    const nextMonth = addMonths(month, 1);
    if (monthDays(month).from > this.today()) throw AppError.badRequest('That month has not started', [{ path: 'query.month', message: 'in the future' }]);
    let run = await MetricRollupRunModel.findById(`${month}|repurchase`).lean();
    if (!run) {
      await this.rollupRepurchase(month);
      run = await MetricRollupRunModel.findById(`${month}|repurchase`).lean();
    }
    const stored = await this.repository.rollupsByIds(scope.values.map((value) => rollupId(month, 'repurchase', scope.dimension, value)));
    const total = sumCounts(stored.values(), REPURCHASE_FIELDS);
    return {
      month, nextMonth, dimension: scope.dimension, value: scope.label,
      all: share(total.repurchased, total.base),
      newResidents: share(total.newRepurchased, total.newBase),
      complete: chinaDateKey(run!.computedAt) > monthDays(nextMonth).to,
      computedAt: run!.computedAt.toISOString(),
    };
  }

  async active(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string }): Promise<ActiveResidents> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    const counts = await this.dailyCounts('activity', scope, query.from, query.to);
    const days = [...counts.entries()].map(([day, row]) => ({ day, active: row.activeResidents, newActive: row.activeNew, oldActive: row.activeOld }));
    const weeks = [...new Set(dayRange(query.from, query.to).map(weekStart))];
    const months = [...new Set(dayRange(query.from, query.to).map((day) => day.slice(0, 7)))];
    const periodIds = [
      ...weeks.flatMap((week) => scope.values.map((value) => rollupId(week, 'active_week', scope.dimension, value))),
      ...months.flatMap((month) => scope.values.map((value) => rollupId(month, 'active_month', scope.dimension, value))),
    ];
    const stored = await this.repository.rollupsByIds(periodIds);
    const activeOf = (period: string, metric: string): number =>
      sumCounts(scope.values.map((value) => stored.get(rollupId(period, metric, scope.dimension, value))), ['active']).active;
    return {
      from: query.from, to: query.to, dimension: scope.dimension, value: scope.label,
      definition: { ...this.activeDefinition, eventTypes: [...this.activeDefinition.eventTypes] },
      days,
      averageDaily: days.length > 0 ? days.reduce((sum, day) => sum + day.active, 0) / days.length : 0,
      weeks: weeks.map((week) => ({ week, active: activeOf(week, 'active_week') })),
      months: months.map((month) => ({ month, active: activeOf(month, 'active_month') })),
    };
  }

  // ---- penetration and advisor progress ------------------------------------------------------

  async penetration(staff: StaffPrincipal, query: { storeId?: string; cityId?: string; order: 'hardest' | 'name'; limit: number }): Promise<{ storeId: string | null; cityId: string | null; communities: CommunityPenetration[] }> {
    let communities: CommunityRecord[];
    let storeId: string | null = null;
    let cityId: string | null = null;
    const ownStore = staff.role === 'advisor' || staff.role === 'store_manager';
    if (query.storeId || (ownStore && !query.cityId)) {
      const id = query.storeId ? toObjectId(query.storeId) : staff.storeId;
      if (!id) throw AppError.forbidden('You belong to no store');
      await assertStoreAccess(staff, id);
      const store = (await StoreModel.findById(id).lean<StoreRecord>())!;
      communities = (await communitiesServedBy(store)).map((entry) => entry.community);
      storeId = String(id);
    } else if (query.cityId || staff.role === 'city_ops') {
      const id = query.cityId ? toObjectId(query.cityId) : staff.cityId;
      if (!id || ownStore || !canAccessCity(staff, id)) throw AppError.forbidden('This city is outside your scope');
      communities = await CommunityModel.find({ cityId: id }).lean<CommunityRecord[]>();
      cityId = String(id);
    } else {
      communities = await CommunityModel.find({}).lean<CommunityRecord[]>();
    }
    const rows = await this.penetrationOf(communities);
    const ordered = query.order === 'hardest' ? hardestFirst(rows) : [...rows].sort((a, b) => a.name.localeCompare(b.name, 'zh-Hans-CN'));
    return { storeId, cityId, communities: ordered.slice(0, query.limit) };
  }

  /** Registered residents (from residents) and consumers (from the consumer records the rollup keeps) per community. */
  async penetrationOf(communities: readonly CommunityRecord[]): Promise<CommunityPenetration[]> {
    const ids = communities.map((community) => community._id);
    const [registered, consumers] = await Promise.all([
      this.countBy(ResidentModel.collection, 'communityId', ids),
      this.consumersBy('community', ids),
    ]);
    return communities.map((community) => ({
      id: String(community._id),
      name: community.name,
      ...penetration(community.households, registered.get(String(community._id)) ?? 0, consumers.get(String(community._id)) ?? 0),
    }));
  }

  /**
   * Consumer residents per community or advisor: the consumer records up to yesterday (kept by the
   * rollup) plus today's first completed orders from raw data.
   */
  private async consumersBy(dimension: 'community' | 'advisor', ids: readonly Types.ObjectId[]): Promise<Map<string, number>> {
    const today = this.today();
    const [stored, { table }] = await Promise.all([
      this.countBy(MetricConsumerModel.collection, `${dimension}Id`, ids, { firstDay: { $lt: today } }),
      this.computeActivityDay(today),
    ]);
    for (const id of ids) {
      const live = table.get(dimension, String(id)).firstOrders;
      if (live > 0) stored.set(String(id), (stored.get(String(id)) ?? 0) + live);
    }
    return stored;
  }

  private async countBy(collection: typeof ResidentModel.collection, field: string, ids: readonly Types.ObjectId[], extra: Record<string, unknown> = {}): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let index = 0; index < ids.length; index += BATCH_SIZE) {
      const rows = await collection
        .aggregate<{ _id: Types.ObjectId; n: number }>([{ $match: { ...extra, [field]: { $in: ids.slice(index, index + BATCH_SIZE) } } }, { $group: { _id: `$${field}`, n: { $sum: 1 } } }])
        .toArray();
      for (const row of rows) counts.set(String(row._id), row.n);
    }
    return counts;
  }

  async advisorsProgress(staff: StaffPrincipal, query: { storeId?: string; from?: string; to?: string }): Promise<AdvisorProgressView[]> {
    let filter: Record<string, unknown>;
    if (staff.role === 'advisor') {
      if (query.storeId && query.storeId !== String(staff.storeId)) throw AppError.forbidden('This store is outside your scope');
      filter = { _id: staff.id };
    } else if (query.storeId) {
      await assertStoreAccess(staff, toObjectId(query.storeId));
      filter = { storeId: toObjectId(query.storeId) };
    } else if (staff.role === 'store_manager') {
      if (!staff.storeId) throw AppError.forbidden('You belong to no store');
      filter = { storeId: staff.storeId };
    } else if (staff.role === 'city_ops') {
      const stores = staff.cityId ? await StoreModel.find({ cityId: staff.cityId }, { _id: 1 }).lean() : [];
      filter = { storeId: { $in: stores.map((store) => store._id) } };
    } else {
      filter = {};
    }
    const advisors = await StaffModel.find({ ...filter, role: 'advisor', active: true }).lean();
    return this.progressOf(advisors, query.from, query.to);
  }

  async myProgress(staff: StaffPrincipal, query: { from?: string; to?: string }): Promise<AdvisorProgressView> {
    const advisor = await StaffModel.findById(staff.id).lean();
    if (!advisor || advisor.role !== 'advisor') throw AppError.forbidden('Only advisors have a consumer-user goal');
    return (await this.progressOf([advisor], query.from, query.to))[0];
  }

  /**
   * Consumers credited by first touch against each advisor's goal, and their new sign-ups in the
   * range (default: the last 30 days up to today) with 7-day first-order conversion of those.
   */
  async progressOf(
    advisors: readonly { _id: Types.ObjectId; name: string; storeId?: Types.ObjectId | null; goalConsumerUsers: number }[],
    from?: string,
    to?: string,
  ): Promise<AdvisorProgressView[]> {
    const rangeTo = to ?? this.today();
    const rangeFrom = from ?? addDays(rangeTo, -29);
    if (rangeFrom > rangeTo) throw AppError.badRequest('from must not be after to', [{ path: 'query.from', message: 'after to' }]);
    const consumers = await this.consumersBy('advisor', advisors.map((advisor) => advisor._id));
    const scope: MetricScope = { dimension: 'advisor', values: advisors.map((advisor) => String(advisor._id)), label: '' };
    const perAdvisor = await this.dailyCountsPerValue('cohort', scope, rangeFrom, rangeTo);
    return advisors
      .map((advisor) => {
        const id = String(advisor._id);
        const cohort = perAdvisor.get(id) ?? { registrations: 0, converted7: 0 };
        return {
          advisorId: id,
          name: advisor.name,
          storeId: advisor.storeId ? String(advisor.storeId) : null,
          ...advisorProgress(consumers.get(id) ?? 0, advisor.goalConsumerUsers),
          from: rangeFrom,
          to: rangeTo,
          newSignups: cohort.registrations,
          conversion7: share(cohort.converted7, cohort.registrations),
        };
      })
      .sort((a, b) => b.remaining - a.remaining || (a.advisorId < b.advisorId ? -1 : 1));
  }

  /** Range totals per value of a scope (not summed across values), with today live. */
  private async dailyCountsPerValue(metric: 'cohort', scope: MetricScope, from: string, to: string): Promise<Map<string, Counts>> {
    const byValue = await this.dailyCountsByValue(metric, scope, from, to);
    return new Map(scope.values.map((value) => [value, sumCounts([...byValue.values()].map((values) => values.get(value)), COHORT_FIELDS)]));
  }

  // ---- the biweekly review ---------------------------------------------------------------------

  /**
   * Builds the review of the 14 days ending on `endDay` and stores it in `metric_reviews` under
   * `<from>_<to>` (rebuilding replaces it): the newbie-task funnel, 7-day conversion of the last
   * four 14-day cohorts, repurchase of the last three complete month pairs, the ten hardest
   * communities and the ten advisors furthest from their goal.
   */
  async buildReview(endDay: string): Promise<Review> {
    const from = addDays(endDay, -(REVIEW_PERIOD_DAYS - 1));
    const id = `${from}_${endDay}`;
    const { start, end } = dayRangeInstants(from, endDay);
    const everything: MetricScope = { dimension: 'all', values: ['all'], label: 'all' };

    const newbie = await TaskDefinitionModel.find({ kind: 'newbie' }, { title: 1 }).lean();
    const taskIds = newbie.map((task) => task._id);
    const stage = async (cursor: AsyncIterable<{ taskId: Types.ObjectId; residentId: Types.ObjectId }>) => {
      const perTask = new Map<string, Set<string>>();
      const overall = new Set<string>();
      for await (const row of cursor) {
        const task = String(row.taskId);
        if (!perTask.has(task)) perTask.set(task, new Set());
        perTask.get(task)!.add(String(row.residentId));
        overall.add(String(row.residentId));
      }
      return { perTask, overall };
    };
    const projection = { projection: { taskId: 1, residentId: 1 }, batchSize: BATCH_SIZE };
    type Row = { taskId: Types.ObjectId; residentId: Types.ObjectId };
    const [saw, started, completed] = await Promise.all([
      stage(TaskViewModel.collection.find<Row>({ taskId: { $in: taskIds }, seenAt: { $gte: start, $lt: end } }, projection)),
      stage(TaskProgressMarkModel.collection.find<Row>({ taskId: { $in: taskIds }, occurredAt: { $gte: start, $lt: end } }, projection)),
      stage(TaskCompletionModel.collection.find<Row>({ taskId: { $in: taskIds }, completedAt: { $gte: start, $lt: end } }, projection)),
    ]);
    const rates = (s: number, st: number, c: number) => ({ saw: s, started: st, completed: c, openRate: s > 0 ? st / s : null, completionRate: s > 0 ? c / s : null });

    const conversionTrend = [];
    for (let back = 3; back >= 0; back -= 1) {
      const periodTo = addDays(endDay, -back * REVIEW_PERIOD_DAYS);
      const periodFrom = addDays(periodTo, -(REVIEW_PERIOD_DAYS - 1));
      const conversion = await this.conversionFor(everything, periodFrom, periodTo, 7);
      conversionTrend.push({ from: periodFrom, to: periodTo, registrations: conversion.registrations, converted7: conversion.converted, rate: conversion.rate });
    }
    const lastCompleteBase = addMonths(endDay.slice(0, 7), -1);
    const repurchaseTrend = [];
    for (let back = 3; back >= 1; back -= 1) {
      const month = addMonths(lastCompleteBase, -back + 1);
      const repurchase = await this.repurchaseFor(everything, month);
      repurchaseTrend.push({ month, all: repurchase.all, newResidents: repurchase.newResidents });
    }
    const hardestCommunities = hardestFirst(await this.penetrationOf(await CommunityModel.find({}).lean<CommunityRecord[]>())).slice(0, 10);
    const advisors = await StaffModel.find({ role: 'advisor', active: true }).lean();
    const consumers = await this.consumersBy('advisor', advisors.map((advisor) => advisor._id));
    const advisorsBehind = advisors
      .map((advisor) => {
        const progress = advisorProgress(consumers.get(String(advisor._id)) ?? 0, advisor.goalConsumerUsers);
        return { advisorId: String(advisor._id), name: advisor.name, storeId: advisor.storeId ? String(advisor.storeId) : null, goal: progress.goal, consumers: progress.consumers, remaining: progress.remaining };
      })
      .sort((a, b) => b.remaining - a.remaining || (a.advisorId < b.advisorId ? -1 : 1))
      .slice(0, 10);

    const createdAt = this.now();
    const review: Review = {
      id, from, to: endDay, createdAt: createdAt.toISOString(),
      newbieTasks: {
        ...rates(saw.overall.size, started.overall.size, completed.overall.size),
        tasks: newbie.map((task) => {
          const key = String(task._id);
          return { taskId: key, title: task.title, ...rates(saw.perTask.get(key)?.size ?? 0, started.perTask.get(key)?.size ?? 0, completed.perTask.get(key)?.size ?? 0) };
        }),
      },
      conversionTrend,
      repurchaseTrend,
      hardestCommunities,
      advisorsBehind,
    };
    await MetricReviewModel.updateOne({ _id: id }, { $set: { from, to: endDay, createdAt, body: review } }, { upsert: true });
    return review;
  }

  /** Builds the review of the last 14-day period that ended before `now`'s day, unless it exists (so a missed day is caught up). */
  async reviewIfDue(now: Date): Promise<Record<string, unknown>> {
    const period = lastEndedReviewPeriod(chinaDateKey(new Date(now.getTime() - DAY_MS)));
    if (await MetricReviewModel.exists({ _id: period.key })) return { built: false, period: period.key };
    await this.buildReview(period.to);
    return { built: true, period: period.key };
  }

  async listReviews(limit: number): Promise<{ id: string; from: string; to: string; createdAt: string }[]> {
    const reviews = await MetricReviewModel.find({}, { from: 1, to: 1, createdAt: 1 }).sort({ to: -1 }).limit(limit).lean();
    return reviews.map((review) => ({ id: String(review._id), from: review.from, to: review.to, createdAt: review.createdAt.toISOString() }));
  }

  async getReview(id: string): Promise<Review> {
    const review = await MetricReviewModel.findById(id).lean();
    if (!review) throw AppError.notFound('Review');
    return review.body as Review;
  }
}
