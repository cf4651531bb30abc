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
  periodDays,
  REVIEW_PERIOD_DAYS,
  rollupId,
  rollupRowKey,
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
  DrillDown,
  DrillDownQuery,
  Repurchase,
  Review,
} from '@o2o/shared/schemas/metrics';
import { AppError } from '../../lib/app-error';
import { idString, isoString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { communitiesServedBy } from '../organisation/organisation.service';
import { CommunityModel, StoreModel, type CommunityRecord, type StoreRecord } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { StaffModel } from '../staff/staff.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskProgressMarkModel, TaskViewModel } from '../tasks/tasks.model';
import { resolveMetricScope, type MetricScope } from './metrics-scope';
import { MetricReviewModel, type MetricRollupRecord } from './metrics.model';
import { BATCH_SIZE, dimensionsOf, MetricsRepository, type MetricsSnapshot, type ResidentFact } from './metrics.repository';

type Counts = Record<string, number>;

export const COHORT_FIELDS = ['registrations', 'converted7', 'converted30'] as const;
export const ACTIVITY_FIELDS = ['firstOrders', 'completedOrders', 'orderingResidents', 'revenueCents', 'activeResidents', 'activeNew', 'activeOld'] as const;
export const REPURCHASE_FIELDS = ['base', 'repurchased', 'newBase', 'newRepurchased'] as const;
export const CONSUMER_FIELDS = ['registered', 'consumers'] as const;

/** Counts by dimension value: a table computed from raw data, or a stored rollup document. */
interface CountsView {
  get(dimension: MetricDimension, value: string): Counts;
}

function storedView(document: MetricRollupRecord, fields: readonly string[]): CountsView {
  return { get: (dimension, value) => document.rows[rollupRowKey(dimension, value)] ?? Object.fromEntries(fields.map((field) => [field, 0])) };
}

/** Where a metric's definition puts each resident it counts (see the `fill…` functions of `MetricsService`). */
interface CountSink {
  add(resident: ResidentFact | null | undefined, field: string, amount?: number): void;
}

function filled<T extends CountSink>(sink: T, fill: (sink: T) => void): T {
  fill(sink);
  return sink;
}

/**
 * The residents one count adds up: the residents a `fill…` function counts in one field, under the
 * values of one scope, exactly as a `CountTable` would sum them (a resident is counted at most once).
 */
class MemberList implements CountSink {
  readonly members = new Map<string, ResidentFact>();
  private readonly values: Set<string>;

  constructor(
    private readonly field: string,
    private readonly scope: MetricScope,
  ) {
    this.values = new Set(scope.values);
  }

  add(resident: ResidentFact | null | undefined, field: string, amount = 1): void {
    if (field !== this.field || !resident || amount === 0) return;
    if (dimensionsOf(resident).some(([dimension, value]) => dimension === this.scope.dimension && this.values.has(value))) this.members.set(String(resident._id), resident);
  }
}

/** Counts per dimension value of one period and metric, built in memory from raw data. */
class CountTable implements CountsView, CountSink {
  private readonly rows = new Map<string, Counts>();

  constructor(private readonly fields: readonly string[]) {
    this.row('all', 'all');
  }

  add(resident: ResidentFact | null | undefined, field: string, amount = 1): void {
    if (amount === 0) return;
    for (const [dimension, value] of dimensionsOf(resident)) this.row(dimension, value)[field] += amount;
  }

  get(dimension: MetricDimension, value: string): Counts {
    return this.rows.get(rollupRowKey(dimension, value)) ?? this.zero();
  }

  /** The table as its rollup document: `all` is always there, other rows only with a count; keys in a stable order. */
  document(period: string, metric: string, computedAt: Date, partial = false): MetricRollupRecord {
    const keys = [...this.rows.keys()].filter((key) => key === 'all|all' || Object.values(this.rows.get(key)!).some((count) => count !== 0)).sort();
    return { _id: rollupId(period, metric), period, metric, rows: Object.fromEntries(keys.map((key) => [key, this.rows.get(key)!])), computedAt, partial };
  }

  private zero(): Counts {
    return Object.fromEntries(this.fields.map((field) => [field, 0]));
  }

  private row(dimension: MetricDimension, value: string): Counts {
    const key = rollupRowKey(dimension, value);
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = this.zero()));
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
  /** How long today's numbers computed from raw data are reused (default 60 s; 0 recomputes every time). */
  liveCacheMs?: number;
  /** How old the `metrics-today` job's rollup of today may be to answer instead of raw data (default 15 min). */
  todayMaxAgeMs?: number;
  /** How long a result computed on demand for a missing or stale rollup is reused (default 10 min). */
  onDemandCacheMs?: number;
  /** How long the raw data read for a drill-down is kept for paging and other dimensions (default 5 min). */
  drillDownCacheMs?: number;
}

/** What one rollup pass writes: daily documents, cohort refreshes, monthly repurchase, active periods, the consumer totals. */
export interface RollupPlan {
  days: readonly string[];
  cohortDays?: readonly string[];
  /** Residents whose registration-day cohorts are recomputed too (their orders changed). */
  cohortsOf?: readonly Types.ObjectId[];
  repurchaseMonths?: readonly string[];
  weeks?: readonly string[];
  activeMonths?: readonly string[];
  consumersDay?: string | null;
}

export interface RollupDayResult {
  day: string;
  registrations: number;
  completedOrders: number;
  firstOrders: number;
  activeResidents: number;
}

export interface RollupSummary {
  days: RollupDayResult[];
  cohortDays: string[];
  repurchaseMonths: string[];
  weeks: string[];
  activeMonths: string[];
  consumersDay: string | null;
  documents: number;
  residentsRead: number;
}

const unique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** The raw data a drill-down reads (shared by every dimension and field asked of it), and when it was read. */
interface DrillDownData {
  snapshot: MetricsSnapshot;
  asOf: Date;
}

/** Keeps at most this many drill-down snapshots in memory (each can hold every resident). */
const DRILL_DOWN_SNAPSHOTS = 4;

/**
 * Growth metrics: rollups from raw data (residents, orders, task events), range answers from the
 * rollups plus raw data for today, and the biweekly review.
 *
 * What is counted under a dimension is the resident's: their store, their community and their
 * first touch (advisor, code type, channel, campaign, placement), so every metric of a dimension
 * describes the same residents. Orders with no matched resident are outside the growth metrics.
 *
 * Rollups are computed in the process from one pass over the raw collections (`loadFull`), since
 * the embedded database scans a collection for every filtered query: the nightly job reads
 * residents, completed orders and the window's events once and writes every document it owns.
 * Repurchase and weekly/monthly active residents need resident sets, which daily counts cannot
 * give, so they get their own documents per month or week.
 */
export class MetricsService {
  readonly repository = new MetricsRepository();
  readonly activeDefinition: ActiveDefinition;
  private readonly now: () => Date;
  private readonly liveCacheMs: number;
  private readonly todayMaxAgeMs: number;
  private readonly onDemandCacheMs: number;
  private readonly drillDownCacheMs: number;
  private readonly live = new Map<string, { at: number; tables: Promise<{ cohort: CountTable; activity: CountTable }> }>();
  private readonly onDemandResults = new Map<string, { at: number; result: Promise<unknown> }>();
  private readonly drillDownData = new Map<string, { at: number; data: Promise<DrillDownData> }>();

  constructor(options: MetricsOptions = {}) {
    this.activeDefinition = options.active ?? DEFAULT_ACTIVE_DEFINITION;
    this.now = options.now ?? (() => new Date());
    this.liveCacheMs = options.liveCacheMs ?? 60_000;
    this.todayMaxAgeMs = options.todayMaxAgeMs ?? 15 * 60_000;
    this.onDemandCacheMs = options.onDemandCacheMs ?? 10 * 60_000;
    this.drillDownCacheMs = options.drillDownCacheMs ?? 5 * 60_000;
  }

  today(): string {
    return chinaDateKey(this.now());
  }

  // ---- tables from a snapshot of raw data -----------------------------------------------------
  //
  // Each `fill…` function is the one definition of a metric's counts: it hands every resident it
  // counts, field by field, to a sink. A `CountTable` sink gives the counts (rollups, live numbers),
  // a `MemberList` sink the residents behind one count (the drill-down), so the two cannot disagree.

  /** The registration cohort of a day: its size and how many converted within 7 and 30 days (as of the snapshot). */
  private fillCohort(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    for (const resident of snapshot.registered.get(day) ?? []) {
      const firstAt = snapshot.firstCompleted.get(String(resident._id)) ?? null;
      sink.add(resident, 'registrations');
      if (convertedWithin(resident.registeredAt, firstAt, 7)) sink.add(resident, 'converted7');
      if (convertedWithin(resident.registeredAt, firstAt, 30)) sink.add(resident, 'converted30');
    }
  }

  private cohortTable(day: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(COHORT_FIELDS), (table) => this.fillCohort(day, snapshot, table));
  }

  /** Each resident's active-event count on a day: task events of the definition's types, plus completed orders if they count. */
  private eventCounts(day: string, snapshot: MetricsSnapshot): Map<string, number> {
    const facts = snapshot.days.get(day);
    const counts = new Map<string, number>();
    if (!facts) return counts;
    for (const [key, entry] of facts.events) counts.set(key, entry.count);
    if (this.activeDefinition.countOrders) for (const [key, entry] of facts.orders) counts.set(key, (counts.get(key) ?? 0) + entry.orders);
    return counts;
  }

  /** Completed orders, first orders, revenue and active residents (new and old) of a day. */
  private fillActivity(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const { start } = dayRangeInstants(day, day);
    for (const [key, entry] of snapshot.days.get(day)?.orders ?? []) {
      const resident = snapshot.residents.get(key) ?? null;
      sink.add(resident, 'completedOrders', entry.orders);
      sink.add(resident, 'revenueCents', entry.cents);
      sink.add(resident, 'orderingResidents');
      // Their earliest completed order is on or after this day's start, and they ordered today: today's is the first.
      if (snapshot.firstCompleted.get(key)! >= start) sink.add(resident, 'firstOrders');
    }
    for (const [key, count] of this.eventCounts(day, snapshot)) {
      if (!isActiveDay(count, this.activeDefinition)) continue;
      const resident = snapshot.residents.get(key) ?? null;
      sink.add(resident, 'activeResidents');
      sink.add(resident, resident && isNewResidentOn(resident.registeredAt, day, this.activeDefinition) ? 'activeNew' : 'activeOld');
    }
  }

  private activityTable(day: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(ACTIVITY_FIELDS), (table) => this.fillActivity(day, snapshot, table));
  }

  /** Of the residents who completed an order in `month`, who did again in the next month; "new" ones had none before it. */
  private fillRepurchase(month: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const start = chinaDayStart(`${month}-01`);
    const next = snapshot.months.get(addMonths(month, 1)) ?? new Set<string>();
    for (const key of snapshot.months.get(month) ?? []) {
      const resident = snapshot.residents.get(key) ?? null;
      const isNew = snapshot.firstCompleted.get(key)! >= start;
      const repurchased = next.has(key);
      sink.add(resident, 'base');
      if (repurchased) sink.add(resident, 'repurchased');
      if (isNew) sink.add(resident, 'newBase');
      if (isNew && repurchased) sink.add(resident, 'newRepurchased');
    }
  }

  private repurchaseTable(month: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(REPURCHASE_FIELDS), (table) => this.fillRepurchase(month, snapshot, table));
  }

  /** Residents with at least the definition's active days in a week (Monday-Sunday) or month. */
  private fillActivePeriod(kind: 'week' | 'month', key: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const activeDays = new Map<string, number>();
    for (const day of periodDays(kind, key)) {
      for (const [resident, count] of this.eventCounts(day, snapshot)) {
        if (isActiveDay(count, this.activeDefinition)) activeDays.set(resident, (activeDays.get(resident) ?? 0) + 1);
      }
    }
    for (const [resident, days] of activeDays) if (isActiveInPeriod(days, kind, this.activeDefinition)) sink.add(snapshot.residents.get(resident) ?? null, 'active');
  }

  private activePeriodTable(kind: 'week' | 'month', key: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(['active']), (table) => this.fillActivePeriod(kind, key, snapshot, table));
  }

  /** Registered and consumer residents (a completed order that still stands) at the end of a day, cumulative. */
  private fillConsumers(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const { end } = dayRangeInstants(day, day);
    for (const [key, resident] of snapshot.residents) {
      if (resident.registeredAt < end) sink.add(resident, 'registered');
      const first = snapshot.firstCompleted.get(key);
      if (first && first < end) sink.add(resident, 'consumers');
    }
  }

  private consumersTable(day: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(CONSUMER_FIELDS), (table) => this.fillConsumers(day, snapshot, table));
  }

  // ---- rollups ---------------------------------------------------------------------------

  /**
   * Reads the raw data once and rewrites every document of the plan from it; rerunning a plan on
   * the same data writes the same documents. `cohortDays` may name days whose registrations only
   * are recomputed (conversion of a registration day keeps rising for 30 days).
   */
  async rollup(plan: RollupPlan): Promise<RollupSummary> {
    const weeks = unique(plan.weeks ?? []);
    const activeMonths = unique(plan.activeMonths ?? []);
    const repurchaseMonths = unique(plan.repurchaseMonths ?? []);
    const factDays = unique([...plan.days, ...weeks.flatMap((week) => periodDays('week', week)), ...activeMonths.flatMap((month) => periodDays('month', month))]);
    const orderMonths = unique(repurchaseMonths.flatMap((month) => [month, addMonths(month, 1)]));
    const snapshot = await this.repository.loadFull(factDays, orderMonths, this.activeDefinition.eventTypes);
    const computedAt = this.now();
    const documents: MetricRollupRecord[] = [];
    const days: RollupDayResult[] = [];
    for (const day of unique(plan.days)) {
      const cohort = this.cohortTable(day, snapshot);
      const activity = this.activityTable(day, snapshot);
      documents.push(cohort.document(day, 'cohort', computedAt), activity.document(day, 'activity', computedAt));
      const all = activity.get('all', 'all');
      days.push({ day, registrations: cohort.get('all', 'all').registrations, completedOrders: all.completedOrders, firstOrders: all.firstOrders, activeResidents: all.activeResidents });
    }
    const registrationDays = (plan.cohortsOf ?? []).flatMap((id) => {
      const resident = snapshot.residents.get(String(id));
      const day = resident ? chinaDateKey(resident.registeredAt) : null;
      // Today's cohort is not final yet: it stays with the live path and the metrics-today job.
      return day && day < this.today() ? [day] : [];
    });
    const cohortDays = unique([...(plan.cohortDays ?? []), ...registrationDays]).filter((day) => !plan.days.includes(day));
    for (const day of cohortDays) documents.push(this.cohortTable(day, snapshot).document(day, 'cohort', computedAt));
    for (const month of repurchaseMonths) documents.push(this.repurchaseTable(month, snapshot).document(month, 'repurchase', computedAt));
    for (const week of weeks) documents.push(this.activePeriodTable('week', week, snapshot).document(week, 'active_week', computedAt));
    for (const month of activeMonths) documents.push(this.activePeriodTable('month', month, snapshot).document(month, 'active_month', computedAt));
    if (plan.consumersDay) documents.push(this.consumersTable(plan.consumersDay, snapshot).document(plan.consumersDay, 'consumers', computedAt));
    await this.repository.writeRollups(documents);
    return { days, cohortDays, repurchaseMonths, weeks, activeMonths, consumersDay: plan.consumersDay ?? null, documents: documents.length, residentsRead: snapshot.residents.size };
  }

  /** Recomputes one China-time day (cohort and activity) from raw data. */
  async rollupDay(day: string): Promise<RollupDayResult> {
    return (await this.rollup({ days: [day] })).days[0];
  }

  /**
   * Rolls up every day from `from` to `to` (both included) in one pass, with the repurchase
   * months, weeks and months those days touch and the consumer totals at the end of `to`: a backfill.
   */
  async rollupRange(from: string, to: string): Promise<RollupSummary> {
    const days = dayRange(from, to);
    const months = unique(days.map((day) => day.slice(0, 7)));
    return this.rollup({ days, repurchaseMonths: months, weeks: unique(days.map(weekStart)), activeMonths: months, consumersDay: to });
  }

  async rollupRepurchase(month: string): Promise<RollupSummary> {
    return this.rollup({ days: [], repurchaseMonths: [month] });
  }

  async rollupActivePeriod(kind: 'week' | 'month', key: string): Promise<RollupSummary> {
    return this.rollup(kind === 'week' ? { days: [], weeks: [key] } : { days: [], activeMonths: [key] });
  }

  /**
   * The nightly job, one pass over the raw data: yesterday and the 3 days before it (late
   * orders); any older day an order changed since then was completed on (late deliveries,
   * refunds) or a task event recorded since then happened on (a store visit entered late, a bot
   * check-in delivered late); the cohorts of the 31 days before the window (conversion keeps rising for 30 days)
   * and of the changed orders' residents; the repurchase months, weeks and months those days
   * touch; and the consumer totals at the end of yesterday.
   */
  async nightly(now: Date): Promise<Record<string, unknown>> {
    const yesterday = chinaDateKey(new Date(now.getTime() - DAY_MS));
    const from = addDays(yesterday, -3);
    const windowStart = chinaDayStart(from);
    const changed = await this.repository.ordersChanged(windowStart, now);
    const lateEventDays = await this.repository.lateEventDays(windowStart, now, windowStart, this.activeDefinition.eventTypes);
    const lateDays = unique([...changed.completedAt.map(chinaDateKey), ...lateEventDays]).filter((day) => day < from);
    const touchedDays = [...lateDays, ...dayRange(from, yesterday)];
    const touchedMonths = unique(touchedDays.map((day) => day.slice(0, 7)));
    const summary = await this.rollup({
      days: touchedDays,
      cohortDays: dayRange(addDays(from, -31), addDays(from, -1)),
      cohortsOf: changed.residentIds,
      repurchaseMonths: touchedMonths.flatMap((month) => [addMonths(month, -1), month]),
      weeks: touchedDays.map(weekStart),
      activeMonths: touchedMonths,
      consumersDay: yesterday,
    });
    return {
      days: summary.days.map((day) => day.day),
      completedOrders: summary.days.reduce((sum, day) => sum + day.completedOrders, 0),
      registrations: summary.days.reduce((sum, day) => sum + day.registrations, 0),
      lateDays,
      cohortDaysRefreshed: summary.cohortDays.length,
      changedResidents: changed.residentIds.length,
      repurchaseMonths: summary.repurchaseMonths,
      weeks: summary.weeks,
      months: summary.activeMonths,
      documents: summary.documents,
    };
  }

  // ---- reading: rollups plus raw data for today --------------------------------------------

  /**
   * The `metrics-today` job: today's cohort and activity from raw data, stored as partial rollups
   * so requests read them instead of scanning raw data (the embedded database scans whole
   * collections for the day's filtered queries). The nightly job replaces them once the day is over.
   */
  async rollupToday(now: Date): Promise<Record<string, unknown>> {
    const day = chinaDateKey(now);
    const snapshot = await this.repository.loadLive(day, this.activeDefinition.eventTypes);
    const cohort = this.cohortTable(day, snapshot);
    const activity = this.activityTable(day, snapshot);
    await this.repository.writeRollups([cohort.document(day, 'cohort', now, true), activity.document(day, 'activity', now, true)]);
    return { day, registrations: cohort.get('all', 'all').registrations, completedOrders: activity.get('all', 'all').completedOrders };
  }

  /**
   * A day not rolled up yet (today, or yesterday before the nightly run): the `metrics-today`
   * job's partial rollup while it is recent enough, otherwise raw data.
   */
  private async dayViews(day: string, stored?: Map<string, MetricRollupRecord>): Promise<{ cohort: CountsView; activity: CountsView }> {
    const ids = [rollupId(day, 'cohort'), rollupId(day, 'activity')];
    const documents = stored ?? (await this.repository.rollupsByIds(ids));
    const [cohort, activity] = ids.map((id) => documents.get(id));
    const fresh = (document?: MetricRollupRecord): document is MetricRollupRecord =>
      Boolean(document?.partial) && day === this.today() && this.now().getTime() - document!.computedAt.getTime() < this.todayMaxAgeMs;
    if (fresh(cohort) && fresh(activity)) return { cohort: storedView(cohort, COHORT_FIELDS), activity: storedView(activity, ACTIVITY_FIELDS) };
    return this.liveTables(day);
  }

  /** Today's (or a not yet rolled-up day's) tables from raw data, shared by concurrent requests and reused for `liveCacheMs`. */
  private liveTables(day: string): Promise<{ cohort: CountTable; activity: CountTable }> {
    const cached = this.live.get(day);
    if (cached && Date.now() - cached.at < this.liveCacheMs) return cached.tables;
    const tables = this.repository.loadLive(day, this.activeDefinition.eventTypes).then((snapshot) => ({
      cohort: this.cohortTable(day, snapshot),
      activity: this.activityTable(day, snapshot),
    }));
    this.live.set(day, { at: Date.now(), tables });
    tables.catch(() => this.live.delete(day));
    return tables;
  }

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
    const stored = await this.repository.rollupsByIds(days.flatMap((day) => (day === today ? [rollupId(day, 'cohort'), rollupId(day, 'activity')] : [rollupId(day, metric)])));
    for (const day of days) {
      const document = stored.get(rollupId(day, metric));
      const live = day === today || (day === addDays(today, -1) && (!document || document.partial)) ? (await this.dayViews(day, stored))[metric] : null;
      result.set(day, new Map(scope.values.map((value) => [value, live ? live.get(scope.dimension, value) : document?.rows[rollupRowKey(scope.dimension, value)]])));
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

  /**
   * From the monthly rollup. `complete` is the calendar's: true once `nextMonth` has ended (China
   * time). A month the nightly job has not stored, or stored before its next month ended (it misses
   * the last days' orders), is computed from raw data here, kept in memory for a few minutes and
   * never written: the rollup documents belong to the nightly job.
   */
  async repurchaseFor(scope: MetricScope, month: string): Promise<Repurchase> {
    const nextMonth = addMonths(month, 1);
    const today = this.today();
    if (monthDays(month).from > today) throw AppError.badRequest('该月份还没有开始，没有复购数据', [{ path: 'query.month', message: '不能是未来的月份' }]);
    const complete = today > monthDays(nextMonth).to;
    const id = rollupId(month, 'repurchase');
    const stored = (await this.repository.rollupsByIds([id])).get(id);
    const current = stored && (!complete || chinaDateKey(stored.computedAt) > monthDays(nextMonth).to);
    const source = current
      ? { view: storedView(stored, REPURCHASE_FIELDS), computedAt: stored.computedAt }
      : await this.onDemand(`repurchase|${month}`, async () => {
          const snapshot = await this.repository.loadRange(monthDays(month).from, monthDays(nextMonth).to, [], { orders: true });
          return { view: this.repurchaseTable(month, snapshot), computedAt: this.now() };
        });
    const total = sumCounts(scope.values.map((value) => source.view.get(scope.dimension, value)), REPURCHASE_FIELDS);
    return {
      month, nextMonth, dimension: scope.dimension, value: scope.label,
      all: share(total.repurchased, total.base),
      newResidents: share(total.newRepurchased, total.newBase),
      complete,
      computedAt: source.computedAt.toISOString(),
    };
  }

  /**
   * A result computed from raw data on demand because its rollup is missing or stale: shared by
   * concurrent callers and kept for `onDemandCacheMs`, in this process only (nothing is written).
   */
  private onDemand<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const cached = this.onDemandResults.get(key);
    if (cached && Date.now() - cached.at < this.onDemandCacheMs) return cached.result as Promise<T>;
    const result = compute();
    this.onDemandResults.set(key, { at: Date.now(), result });
    result.catch(() => this.onDemandResults.delete(key));
    return result;
  }

  async active(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string }): Promise<ActiveResidents> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    const counts = await this.dailyCounts('activity', scope, query.from, query.to);
    const days = [...counts.entries()].map(([day, row]) => ({ day, active: row.activeResidents, newActive: row.activeNew, oldActive: row.activeOld }));
    const weeks = unique(dayRange(query.from, query.to).map(weekStart));
    const months = unique(dayRange(query.from, query.to).map((day) => day.slice(0, 7)));
    const stored = await this.repository.rollupsByIds([...weeks.map((week) => rollupId(week, 'active_week')), ...months.map((month) => rollupId(month, 'active_month'))]);
    const activeOf = (period: string, metric: string): number =>
      sumCounts(scope.values.map((value) => stored.get(rollupId(period, metric))?.rows[rollupRowKey(scope.dimension, value)]), ['active']).active;
    return {
      from: query.from, to: query.to, dimension: scope.dimension, value: scope.label,
      definition: { ...this.activeDefinition, eventTypes: [...this.activeDefinition.eventTypes] },
      days,
      averageDaily: days.length > 0 ? days.reduce((sum, day) => sum + day.active, 0) / days.length : 0,
      weeks: weeks.map((week) => ({ week, active: activeOf(week, 'active_week') })),
      months: months.map((month) => ({ month, active: activeOf(month, 'active_month') })),
    };
  }

  // ---- drill-down: the residents behind a count ---------------------------------------------

  /**
   * The residents one count adds up, scoped like the count (the same `resolveMetricScope`), one
   * page at a time, newest registration first. The list comes from raw data through the same
   * `fill…` definition as the count, so it has exactly as many residents as the count whenever
   * nothing changed since the count's rollup. The raw data read is kept for `drillDownCacheMs`,
   * so paging, and asking the same period by another dimension or segment, reads nothing again.
   */
  async drillDown(staff: StaffPrincipal, query: DrillDownQuery): Promise<DrillDown> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    const source = this.drillDownSource(query);
    const { snapshot, asOf } = await this.cachedDrillDownData(source.key, source.load);
    const list = new MemberList(source.field, scope);
    source.fill(snapshot, list);
    const members = [...list.members.values()].sort(
      (a, b) => b.registeredAt.getTime() - a.registeredAt.getTime() || (String(a._id) < String(b._id) ? 1 : String(a._id) > String(b._id) ? -1 : 0),
    );
    const page = members.slice(query.offset, query.offset + query.limit);
    const nicknames = await this.repository.nicknames(page.map((resident) => resident._id));
    return {
      metric: query.metric, dimension: scope.dimension, value: scope.label,
      total: members.length, offset: query.offset, limit: query.limit, asOf: asOf.toISOString(),
      items: page.map((resident) => ({
        id: String(resident._id),
        nickname: nicknames.get(String(resident._id)) ?? null,
        registeredAt: resident.registeredAt.toISOString(),
        storeId: idString(resident.storeId),
        communityId: idString(resident.communityId),
        advisorId: idString(resident.attribution?.advisorId),
        codeType: resident.attribution?.codeType ?? null,
        channelId: idString(resident.attribution?.channelId),
        campaignId: idString(resident.attribution?.campaignId),
        placementId: idString(resident.attribution?.placementId),
        firstCompletedAt: isoString(snapshot.firstCompleted.get(String(resident._id))),
      })),
    };
  }

  private cachedDrillDownData(key: string, load: () => Promise<MetricsSnapshot>): Promise<DrillDownData> {
    const cached = this.drillDownData.get(key);
    if (cached && Date.now() - cached.at < this.drillDownCacheMs) return cached.data;
    const data = load().then((snapshot) => ({ snapshot, asOf: this.now() }));
    this.drillDownData.delete(key);
    this.drillDownData.set(key, { at: Date.now(), data });
    data.catch(() => this.drillDownData.delete(key));
    // Oldest first: drop what does not fit.
    for (const oldest of this.drillDownData.keys()) {
      if (this.drillDownData.size <= DRILL_DOWN_SNAPSHOTS) break;
      this.drillDownData.delete(oldest);
    }
    return data;
  }

  /** What a drill-down metric reads (its key and loader), the count's field and its `fill…` definition. */
  private drillDownSource(query: DrillDownQuery): { key: string; load: () => Promise<MetricsSnapshot>; field: string; fill: (snapshot: MetricsSnapshot, sink: CountSink) => void } {
    const types = this.activeDefinition.eventTypes;
    const activity = { orders: true, events: true };
    const REPURCHASE_FIELD = { repurchase_base: 'base', repurchased: 'repurchased', new_repurchase_base: 'newBase', new_repurchased: 'newRepurchased' } as const;
    const ACTIVE_FIELD = { all: 'activeResidents', new: 'activeNew', old: 'activeOld' } as const;
    switch (query.metric) {
      case 'registered':
      case 'converted': {
        const [from, to] = [query.from!, query.to!];
        return {
          key: `cohorts|${from}|${to}`,
          load: () => this.repository.loadRange(from, to, types, { registrations: true }),
          field: query.metric === 'registered' ? 'registrations' : query.windowDays === 30 ? 'converted30' : 'converted7',
          fill: (snapshot, sink) => dayRange(from, to).forEach((day) => this.fillCohort(day, snapshot, sink)),
        };
      }
      case 'repurchase_base':
      case 'repurchased':
      case 'new_repurchase_base':
      case 'new_repurchased': {
        const month = query.month!;
        return {
          key: `repurchase|${month}`,
          load: () => this.repository.loadRange(monthDays(month).from, monthDays(addMonths(month, 1)).to, types, { orders: true }),
          field: REPURCHASE_FIELD[query.metric],
          fill: (snapshot, sink) => this.fillRepurchase(month, snapshot, sink),
        };
      }
      case 'active': {
        const day = query.day!;
        return {
          key: `activity|${day}|${day}`,
          load: () => this.repository.loadRange(day, day, types, activity),
          field: ACTIVE_FIELD[query.segment],
          fill: (snapshot, sink) => this.fillActivity(day, snapshot, sink),
        };
      }
      case 'weekly_active':
      case 'monthly_active': {
        const [kind, key] = query.metric === 'weekly_active' ? (['week', query.week!] as const) : (['month', query.month!] as const);
        const days = periodDays(kind, key);
        return {
          key: `activity|${days[0]}|${days[days.length - 1]}`,
          load: () => this.repository.loadRange(days[0], days[days.length - 1], types, activity),
          field: 'active',
          fill: (snapshot, sink) => this.fillActivePeriod(kind, key, snapshot, sink),
        };
      }
      case 'registered_total':
      case 'consumers':
        // Cumulative up to now: every resident, and those with a completed order that still stands.
        return {
          key: 'everyone',
          load: () => this.repository.loadFull([], [], []),
          field: query.metric === 'consumers' ? 'consumers' : 'registered',
          fill: (snapshot, sink) => this.fillConsumers(this.today(), snapshot, sink),
        };
    }
  }

  // ---- penetration and advisor progress ------------------------------------------------------

  async penetration(staff: StaffPrincipal, query: { storeId?: string; cityId?: string; order: 'hardest' | 'name'; limit: number }): Promise<{ storeId: string | null; cityId: string | null; communities: CommunityPenetration[] }> {
    let communities: CommunityRecord[];
    let storeId: string | null = null;
    let cityId: string | null = null;
    const ownStore = staff.role === 'advisor' || staff.role === 'store_manager';
    if (query.storeId || (ownStore && !query.cityId)) {
      const id = query.storeId ? toObjectId(query.storeId) : staff.storeId;
      if (!id) throw AppError.forbidden('你还没有归属门店，请联系店长或城市运营');
      await assertStoreAccess(staff, id);
      const store = (await StoreModel.findById(id).lean<StoreRecord>())!;
      communities = (await communitiesServedBy(store)).map((entry) => entry.community);
      storeId = String(id);
    } else if (query.cityId || staff.role === 'city_ops') {
      const id = query.cityId ? toObjectId(query.cityId) : staff.cityId;
      if (!id || ownStore || !canAccessCity(staff, id)) throw AppError.forbidden('这个城市不在你的负责范围内');
      communities = await CommunityModel.find({ cityId: id }).lean<CommunityRecord[]>();
      cityId = String(id);
    } else {
      communities = await CommunityModel.find({}).lean<CommunityRecord[]>();
    }
    const rows = await this.penetrationOf(communities);
    const ordered = query.order === 'hardest' ? hardestFirst(rows) : [...rows].sort((a, b) => a.name.localeCompare(b.name, 'zh-Hans-CN'));
    return { storeId, cityId, communities: ordered.slice(0, query.limit) };
  }

  /** Registered and consumer residents per community: the totals at the end of yesterday plus today's from raw data. */
  async penetrationOf(communities: readonly CommunityRecord[]): Promise<CommunityPenetration[]> {
    const totals = await this.consumerTotals('community', communities.map((community) => community._id));
    return communities.map((community) => {
      const row = totals.get(String(community._id))!;
      return { id: String(community._id), name: community.name, ...penetration(community.households, row.registered, row.consumers) };
    });
  }

  /**
   * Registered and consumer residents per community or advisor: the consumer rollup at the end of
   * yesterday (computed from raw data and kept in memory, not written, if the nightly job has not
   * written it yet) plus today's
   * registrations and first completed orders from raw data.
   */
  private async consumerTotals(dimension: 'community' | 'advisor', ids: readonly Types.ObjectId[]): Promise<Map<string, { registered: number; consumers: number }>> {
    const today = this.today();
    const yesterday = addDays(today, -1);
    const id = rollupId(yesterday, 'consumers');
    const stored = (await this.repository.rollupsByIds([id])).get(id);
    const totals: CountsView = stored
      ? storedView(stored, CONSUMER_FIELDS)
      : await this.onDemand(`consumers|${yesterday}`, async () => this.consumersTable(yesterday, await this.repository.loadFull([], [], [])));
    const live = await this.dayViews(today);
    return new Map(
      ids.map((value) => {
        const key = String(value);
        const row = totals.get(dimension, key);
        return [key, {
          registered: row.registered + live.cohort.get(dimension, key).registrations,
          consumers: row.consumers + live.activity.get(dimension, key).firstOrders,
        }];
      }),
    );
  }

  private async consumersBy(dimension: 'community' | 'advisor', ids: readonly Types.ObjectId[]): Promise<Map<string, number>> {
    const totals = await this.consumerTotals(dimension, ids);
    return new Map([...totals].map(([key, row]) => [key, row.consumers]));
  }

  async advisorsProgress(staff: StaffPrincipal, query: { storeId?: string; from?: string; to?: string }): Promise<AdvisorProgressView[]> {
    let filter: Record<string, unknown>;
    if (staff.role === 'advisor') {
      if (query.storeId && query.storeId !== String(staff.storeId)) throw AppError.forbidden('这个门店不在你的负责范围内');
      filter = { _id: staff.id };
    } else if (query.storeId) {
      await assertStoreAccess(staff, toObjectId(query.storeId));
      filter = { storeId: toObjectId(query.storeId) };
    } else if (staff.role === 'store_manager') {
      if (!staff.storeId) throw AppError.forbidden('你还没有归属门店，请联系店长或城市运营');
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
    if (!advisor || advisor.role !== 'advisor') throw AppError.forbidden('只有顾问有消费用户目标');
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
    if (rangeFrom > rangeTo) throw AppError.badRequest('开始日期不能晚于结束日期', [{ path: 'query.from', message: 'after to' }]);
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
    if (!review) throw AppError.notFound('复盘报告');
    return review.body as Review;
  }
}
