import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { addDays, addMonths, conversionWindowClosed, dayRange, monthDays, rollupId, rollupRowKey, share, weekStart, type MetricDimension } from '@o2o/shared/rules/metrics';
import type { ActiveResidents, Conversion, Repurchase } from '@o2o/shared/schemas/metrics';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { ACTIVITY_FIELDS, COHORT_FIELDS, REPURCHASE_FIELDS, storedView, sumCounts, unique, type Counts, type CountsView, type CountTable } from './metric-tables';
import { todayOf, type MetricsContext } from './metrics-context';
import { resolveMetricScope, type MetricScope } from './metrics-scope';
import type { MetricRollupRecord } from './metrics.model';

export interface MetricsQueryOptions {
  /** How long today's numbers computed from raw data are reused. */
  liveCacheMs: number;
  /** How old the `metrics-today` job's rollup of today may be to answer instead of raw data. */
  todayMaxAgeMs: number;
  /** How long a result computed on demand for a missing or stale rollup is reused. */
  onDemandCacheMs: number;
}

/**
 * Range answers (conversion, repurchase, active residents) in the caller's scope: the stored
 * rollups for past days, raw data (or the `metrics-today` job's partial rollup) for today, and a
 * result computed on demand, kept in memory and never written, where a rollup is missing or stale.
 */
export class MetricsQueries {
  private readonly live = new Map<string, { at: number; tables: Promise<{ cohort: CountTable; activity: CountTable }> }>();
  private readonly onDemandResults = new Map<string, { at: number; result: Promise<unknown> }>();

  constructor(
    private readonly context: MetricsContext,
    private readonly options: MetricsQueryOptions,
  ) {}

  /**
   * A day not rolled up yet (today, or yesterday before the nightly run): the `metrics-today`
   * job's partial rollup while it is recent enough, otherwise raw data.
   */
  async dayViews(day: string, stored?: Map<string, MetricRollupRecord>): Promise<{ cohort: CountsView; activity: CountsView }> {
    const ids = [rollupId(day, 'cohort'), rollupId(day, 'activity')];
    const documents = stored ?? (await this.context.repository.rollupsByIds(ids));
    const [cohort, activity] = ids.map((id) => documents.get(id));
    const fresh = (document?: MetricRollupRecord): document is MetricRollupRecord =>
      Boolean(document?.partial) && day === todayOf(this.context) && this.context.now().getTime() - document!.computedAt.getTime() < this.options.todayMaxAgeMs;
    if (fresh(cohort) && fresh(activity)) return { cohort: storedView(cohort, COHORT_FIELDS), activity: storedView(activity, ACTIVITY_FIELDS) };
    return this.liveTables(day);
  }

  /** Today's (or a not yet rolled-up day's) tables from raw data, shared by concurrent requests and reused for `liveCacheMs`. */
  private liveTables(day: string): Promise<{ cohort: CountTable; activity: CountTable }> {
    const cached = this.live.get(day);
    if (cached && Date.now() - cached.at < this.options.liveCacheMs) return cached.tables;
    const { repository, tables: definitions } = this.context;
    const tables = repository.loadLive(day, definitions.activeDefinition.eventTypes).then((snapshot) => ({
      cohort: definitions.cohortTable(day, snapshot),
      activity: definitions.activityTable(day, snapshot),
    }));
    this.live.set(day, { at: Date.now(), tables });
    tables.catch(() => this.live.delete(day));
    return tables;
  }

  /**
   * A result computed from raw data on demand because its rollup is missing or stale: shared by
   * concurrent callers and kept for `onDemandCacheMs`, in this process only (nothing is written).
   */
  onDemand<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const cached = this.onDemandResults.get(key);
    if (cached && Date.now() - cached.at < this.options.onDemandCacheMs) return cached.result as Promise<T>;
    const result = compute();
    this.onDemandResults.set(key, { at: Date.now(), result });
    result.catch(() => this.onDemandResults.delete(key));
    return result;
  }

  /**
   * Counts of a metric per day and per value of the scope: stored rollups for past days, computed
   * from raw data (once per day, whatever the number of values) for today and for yesterday if its
   * rollup has not run yet.
   */
  private async dailyCountsByValue(metric: 'cohort' | 'activity', scope: MetricScope, from: string, to: string): Promise<Map<string, Map<string, Counts | undefined>>> {
    const today = todayOf(this.context);
    const result = new Map<string, Map<string, Counts | undefined>>();
    if (from > today) return result;
    const days = dayRange(from, to > today ? today : to);
    const stored = await this.context.repository.rollupsByIds(days.flatMap((day) => (day === today ? [rollupId(day, 'cohort'), rollupId(day, 'activity')] : [rollupId(day, metric)])));
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

  /** Range totals of the registration cohorts per value of a scope (not summed across values), with today live. */
  async cohortTotalsPerValue(scope: MetricScope, from: string, to: string): Promise<Map<string, Counts>> {
    const byValue = await this.dailyCountsByValue('cohort', scope, from, to);
    return new Map(scope.values.map((value) => [value, sumCounts([...byValue.values()].map((values) => values.get(value)), COHORT_FIELDS)]));
  }

  async conversion(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string; windowDays: number }): Promise<Conversion> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    return this.conversionFor(scope, query.from, query.to, query.windowDays);
  }

  async conversionFor(scope: MetricScope, from: string, to: string, windowDays: number): Promise<Conversion> {
    const field = windowDays === 30 ? 'converted30' : 'converted7';
    const counts = await this.dailyCounts('cohort', scope, from, to);
    const today = todayOf(this.context);
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
    const { repository, tables } = this.context;
    const nextMonth = addMonths(month, 1);
    const today = todayOf(this.context);
    if (monthDays(month).from > today) throw AppError.badRequest('该月份还没有开始，没有复购数据', [{ path: 'query.month', message: '不能是未来的月份' }]);
    const complete = today > monthDays(nextMonth).to;
    const id = rollupId(month, 'repurchase');
    const stored = (await repository.rollupsByIds([id])).get(id);
    const current = stored && (!complete || chinaDateKey(stored.computedAt) > monthDays(nextMonth).to);
    const source = current
      ? { view: storedView(stored, REPURCHASE_FIELDS), computedAt: stored.computedAt }
      : await this.onDemand(`repurchase|${month}`, async () => {
          const snapshot = await repository.loadRange(monthDays(month).from, monthDays(nextMonth).to, [], { orders: true });
          return { view: tables.repurchaseTable(month, snapshot), computedAt: this.context.now() };
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

  async active(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string }): Promise<ActiveResidents> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    const counts = await this.dailyCounts('activity', scope, query.from, query.to);
    const days = [...counts.entries()].map(([day, row]) => ({ day, active: row.activeResidents, newActive: row.activeNew, oldActive: row.activeOld }));
    const weeks = unique(dayRange(query.from, query.to).map(weekStart));
    const months = unique(dayRange(query.from, query.to).map((day) => day.slice(0, 7)));
    const stored = await this.context.repository.rollupsByIds([...weeks.map((week) => rollupId(week, 'active_week')), ...months.map((month) => rollupId(month, 'active_month'))]);
    const activeOf = (period: string, metric: string): number =>
      sumCounts(scope.values.map((value) => stored.get(rollupId(period, metric))?.rows[rollupRowKey(scope.dimension, value)]), ['active']).active;
    const definition = this.context.tables.activeDefinition;
    return {
      from: query.from, to: query.to, dimension: scope.dimension, value: scope.label,
      definition: { ...definition, eventTypes: [...definition.eventTypes] },
      days,
      averageDaily: days.length > 0 ? days.reduce((sum, day) => sum + day.active, 0) / days.length : 0,
      weeks: weeks.map((week) => ({ week, active: activeOf(week, 'active_week') })),
      months: months.map((month) => ({ month, active: activeOf(month, 'active_month') })),
    };
  }
}
