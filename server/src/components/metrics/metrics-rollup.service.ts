import type { Types } from 'mongoose';
import { chinaDateKey, chinaDayStart, DAY_MS } from '@o2o/shared/rules/china-time';
import { addDays, addMonths, dayRange, periodDays, weekStart } from '@o2o/shared/rules/metrics';
import { unique } from './metric-tables';
import { todayOf, type MetricsContext } from './metrics-context';
import type { MetricRollupRecord } from './metrics.model';

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

/**
 * The rollups: the documents of `metric_rollups`, written only here (the nightly job, the
 * `metrics-today` job and backfills). Computed in the process from one pass over the raw
 * collections (`loadFull`), since the embedded database scans a collection for every filtered
 * query: the nightly job reads residents, completed orders and the window's events once and
 * writes every document it owns. Repurchase and weekly/monthly active residents need resident
 * sets, which daily counts cannot give, so they get their own documents per month or week.
 */
export class MetricsRollups {
  constructor(private readonly context: MetricsContext) {}

  /**
   * Reads the raw data once and rewrites every document of the plan from it; rerunning a plan on
   * the same data writes the same documents. `cohortDays` may name days whose registrations only
   * are recomputed (conversion of a registration day keeps rising for 30 days).
   */
  async rollup(plan: RollupPlan): Promise<RollupSummary> {
    const { repository, tables } = this.context;
    const weeks = unique(plan.weeks ?? []);
    const activeMonths = unique(plan.activeMonths ?? []);
    const repurchaseMonths = unique(plan.repurchaseMonths ?? []);
    const factDays = unique([...plan.days, ...weeks.flatMap((week) => periodDays('week', week)), ...activeMonths.flatMap((month) => periodDays('month', month))]);
    const orderMonths = unique(repurchaseMonths.flatMap((month) => [month, addMonths(month, 1)]));
    const snapshot = await repository.loadFull(factDays, orderMonths, tables.activeDefinition.eventTypes);
    const computedAt = this.context.now();
    const documents: MetricRollupRecord[] = [];
    const days: RollupDayResult[] = [];
    for (const day of unique(plan.days)) {
      const cohort = tables.cohortTable(day, snapshot);
      const activity = tables.activityTable(day, snapshot);
      documents.push(cohort.document(day, 'cohort', computedAt), activity.document(day, 'activity', computedAt));
      const all = activity.get('all', 'all');
      days.push({ day, registrations: cohort.get('all', 'all').registrations, completedOrders: all.completedOrders, firstOrders: all.firstOrders, activeResidents: all.activeResidents });
    }
    const today = todayOf(this.context);
    const registrationDays = (plan.cohortsOf ?? []).flatMap((id) => {
      const resident = snapshot.residents.get(String(id));
      const day = resident ? chinaDateKey(resident.registeredAt) : null;
      // Today's cohort is not final yet: it stays with the live path and the metrics-today job.
      return day && day < today ? [day] : [];
    });
    const cohortDays = unique([...(plan.cohortDays ?? []), ...registrationDays]).filter((day) => !plan.days.includes(day));
    for (const day of cohortDays) documents.push(tables.cohortTable(day, snapshot).document(day, 'cohort', computedAt));
    for (const month of repurchaseMonths) documents.push(tables.repurchaseTable(month, snapshot).document(month, 'repurchase', computedAt));
    for (const week of weeks) documents.push(tables.activePeriodTable('week', week, snapshot).document(week, 'active_week', computedAt));
    for (const month of activeMonths) documents.push(tables.activePeriodTable('month', month, snapshot).document(month, 'active_month', computedAt));
    if (plan.consumersDay) documents.push(tables.consumersTable(plan.consumersDay, snapshot).document(plan.consumersDay, 'consumers', computedAt));
    await repository.writeRollups(documents);
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
    const { repository, tables } = this.context;
    const yesterday = chinaDateKey(new Date(now.getTime() - DAY_MS));
    const from = addDays(yesterday, -3);
    const windowStart = chinaDayStart(from);
    const changed = await repository.ordersChanged(windowStart, now);
    const lateEventDays = await repository.lateEventDays(windowStart, now, windowStart, tables.activeDefinition.eventTypes);
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

  /**
   * The `metrics-today` job: today's cohort and activity from raw data, stored as partial rollups
   * so requests read them instead of scanning raw data (the embedded database scans whole
   * collections for the day's filtered queries). The nightly job replaces them once the day is over.
   */
  async rollupToday(now: Date): Promise<Record<string, unknown>> {
    const { repository, tables } = this.context;
    const day = chinaDateKey(now);
    const snapshot = await repository.loadLive(day, tables.activeDefinition.eventTypes);
    const cohort = tables.cohortTable(day, snapshot);
    const activity = tables.activityTable(day, snapshot);
    await repository.writeRollups([cohort.document(day, 'cohort', now, true), activity.document(day, 'activity', now, true)]);
    return { day, registrations: cohort.get('all', 'all').registrations, completedOrders: activity.get('all', 'all').completedOrders };
  }
}
