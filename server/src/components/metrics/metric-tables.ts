import { chinaMonthKey } from '@o2o/shared/rules/china-time';
import {
  addMonths,
  convertedWithin,
  dayRangeInstants,
  isActiveDay,
  isActiveInPeriod,
  isNewResidentOn,
  nextMonthRepurchase,
  periodDays,
  rollupId,
  rollupRowKey,
  type ActiveDefinition,
  type MetricDimension,
} from '@o2o/shared/rules/metrics';
import type { MetricScope } from './metrics-scope';
import type { MetricRollupRecord } from './metrics.model';
import { dimensionsOf, type MetricsSnapshot, type ResidentFact } from './metrics.repository';

export type Counts = Record<string, number>;

export const COHORT_FIELDS = ['registrations', 'converted7', 'converted30'] as const;
export const ACTIVITY_FIELDS = ['firstOrders', 'completedOrders', 'orderingResidents', 'revenueCents', 'activeResidents', 'activeNew', 'activeOld'] as const;
export const REPURCHASE_FIELDS = ['base', 'repurchased', 'newBase', 'newRepurchased'] as const;
export const CONSUMER_FIELDS = ['registered', 'consumers'] as const;

/** Counts by dimension value: a table computed from raw data, or a stored rollup document. */
export interface CountsView {
  get(dimension: MetricDimension, value: string): Counts;
}

export function storedView(document: MetricRollupRecord, fields: readonly string[]): CountsView {
  return { get: (dimension, value) => document.rows[rollupRowKey(dimension, value)] ?? Object.fromEntries(fields.map((field) => [field, 0])) };
}

/** Where a metric's definition puts each resident it counts (see the `fill…` methods of `MetricTables`). */
export interface CountSink {
  add(resident: ResidentFact | null | undefined, field: string, amount?: number): void;
}

function filled<T extends CountSink>(sink: T, fill: (sink: T) => void): T {
  fill(sink);
  return sink;
}

/**
 * The residents one count adds up: the residents a `fill…` method counts in one field, under the
 * values of one scope, exactly as a `CountTable` would sum them (a resident is counted at most once).
 */
export class MemberList implements CountSink {
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
export class CountTable implements CountsView, CountSink {
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

export function sumCounts(rows: Iterable<Counts | undefined>, fields: readonly string[]): Counts {
  const total: Counts = Object.fromEntries(fields.map((field) => [field, 0]));
  for (const row of rows) if (row) for (const field of fields) total[field] += row[field] ?? 0;
  return total;
}

export const unique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * The metrics' counts from a snapshot of raw data, under one definition of "active".
 *
 * Each `fill…` method is the one definition of a metric's counts: it hands every resident it
 * counts, field by field, to a sink. A `CountTable` sink gives the counts (rollups, live numbers),
 * a `MemberList` sink the residents behind one count (the drill-down), so the two cannot disagree.
 * The formulas themselves are the shared rules of `@o2o/shared/rules/metrics`.
 */
export class MetricTables {
  constructor(readonly activeDefinition: ActiveDefinition) {}

  /** The registration cohort of a day: its size and how many converted within 7 and 30 days (as of the snapshot). */
  fillCohort(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    for (const resident of snapshot.registered.get(day) ?? []) {
      const firstAt = snapshot.firstCompleted.get(String(resident._id)) ?? null;
      sink.add(resident, 'registrations');
      if (convertedWithin(resident.registeredAt, firstAt, 7)) sink.add(resident, 'converted7');
      if (convertedWithin(resident.registeredAt, firstAt, 30)) sink.add(resident, 'converted30');
    }
  }

  cohortTable(day: string, snapshot: MetricsSnapshot): CountTable {
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
  fillActivity(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
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

  activityTable(day: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(ACTIVITY_FIELDS), (table) => this.fillActivity(day, snapshot, table));
  }

  /**
   * Next-month repurchase of `month`, by the shared `nextMonthRepurchase`: every resident with a
   * completed order in the month is one resident's share (base 1, count 1 if they ordered in the
   * next month), added under each of their dimensions; the share is additive, so the table's sums
   * are the rule's answer for every dimension value, and the drill-down lists the same residents.
   */
  fillRepurchase(month: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const next = snapshot.months.get(addMonths(month, 1)) ?? new Set<string>();
    for (const key of snapshot.months.get(month) ?? []) {
      const resident = snapshot.residents.get(key) ?? null;
      const fact = [{ orderedInMonth: true, orderedNextMonth: next.has(key), firstOrderMonth: chinaMonthKey(snapshot.firstCompleted.get(key)!) }];
      const all = nextMonthRepurchase(fact, month);
      const newOnly = nextMonthRepurchase(fact, month, { newOnly: true });
      sink.add(resident, 'base', all.base);
      sink.add(resident, 'repurchased', all.count);
      sink.add(resident, 'newBase', newOnly.base);
      sink.add(resident, 'newRepurchased', newOnly.count);
    }
  }

  repurchaseTable(month: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(REPURCHASE_FIELDS), (table) => this.fillRepurchase(month, snapshot, table));
  }

  /** Residents with at least the definition's active days in a week (Monday-Sunday) or month. */
  fillActivePeriod(kind: 'week' | 'month', key: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const activeDays = new Map<string, number>();
    for (const day of periodDays(kind, key)) {
      for (const [resident, count] of this.eventCounts(day, snapshot)) {
        if (isActiveDay(count, this.activeDefinition)) activeDays.set(resident, (activeDays.get(resident) ?? 0) + 1);
      }
    }
    for (const [resident, days] of activeDays) if (isActiveInPeriod(days, kind, this.activeDefinition)) sink.add(snapshot.residents.get(resident) ?? null, 'active');
  }

  activePeriodTable(kind: 'week' | 'month', key: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(['active']), (table) => this.fillActivePeriod(kind, key, snapshot, table));
  }

  /** Registered and consumer residents (a completed order that still stands) at the end of a day, cumulative. */
  fillConsumers(day: string, snapshot: MetricsSnapshot, sink: CountSink): void {
    const { end } = dayRangeInstants(day, day);
    for (const [key, resident] of snapshot.residents) {
      if (resident.registeredAt < end) sink.add(resident, 'registered');
      const first = snapshot.firstCompleted.get(key);
      if (first && first < end) sink.add(resident, 'consumers');
    }
  }

  consumersTable(day: string, snapshot: MetricsSnapshot): CountTable {
    return filled(new CountTable(CONSUMER_FIELDS), (table) => this.fillConsumers(day, snapshot, table));
  }
}
