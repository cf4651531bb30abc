import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { DEFAULT_ACTIVE_DEFINITION, type ActiveDefinition, type MetricDimension } from '@o2o/shared/rules/metrics';
import type { ActiveResidents, AdvisorProgressView, CommunityPenetration, Conversion, DrillDown, DrillDownQuery, Repurchase, Review } from '@o2o/shared/schemas/metrics';
import type { StaffPrincipal } from '../auth/auth.guard';
import type { CommunityRecord } from '../organisation/organisation.model';
import { MetricTables } from './metric-tables';
import { MetricsDrillDown } from './metrics-drill-down.service';
import { MetricsProgress } from './metrics-progress.service';
import { MetricsQueries } from './metrics-query.service';
import { MetricsReviews } from './metrics-review.service';
import { MetricsRollups, type RollupDayResult, type RollupPlan, type RollupSummary } from './metrics-rollup.service';
import type { MetricScope } from './metrics-scope';
import { MetricsRepository } from './metrics.repository';

export type { RollupDayResult, RollupPlan, RollupSummary } from './metrics-rollup.service';

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

/**
 * Growth metrics: the component's one entry point for routes, jobs and the seed, built from its
 * parts, each in its own file: the metric definitions over raw data (`metric-tables.ts`), the
 * rollups (`metrics-rollup.service.ts`), range answers (`metrics-query.service.ts`), the
 * drill-down (`metrics-drill-down.service.ts`), penetration and advisor progress
 * (`metrics-progress.service.ts`) and the biweekly review (`metrics-review.service.ts`).
 *
 * What is counted under a dimension is the resident's: their store, their community and their
 * first touch (advisor, code type, channel, campaign, placement), so every metric of a dimension
 * describes the same residents. Orders with no matched resident are outside the growth metrics.
 */
export class MetricsService {
  readonly repository = new MetricsRepository();
  readonly activeDefinition: ActiveDefinition;
  readonly rollups: MetricsRollups;
  readonly queries: MetricsQueries;
  readonly drillDowns: MetricsDrillDown;
  readonly progress: MetricsProgress;
  readonly reviews: MetricsReviews;
  private readonly now: () => Date;

  constructor(options: MetricsOptions = {}) {
    this.activeDefinition = options.active ?? DEFAULT_ACTIVE_DEFINITION;
    this.now = options.now ?? (() => new Date());
    const context = { repository: this.repository, tables: new MetricTables(this.activeDefinition), now: this.now };
    this.rollups = new MetricsRollups(context);
    this.queries = new MetricsQueries(context, {
      liveCacheMs: options.liveCacheMs ?? 60_000,
      todayMaxAgeMs: options.todayMaxAgeMs ?? 15 * 60_000,
      onDemandCacheMs: options.onDemandCacheMs ?? 10 * 60_000,
    });
    this.drillDowns = new MetricsDrillDown(context, options.drillDownCacheMs ?? 5 * 60_000);
    this.progress = new MetricsProgress(context, this.queries);
    this.reviews = new MetricsReviews(context, this.queries, this.progress);
  }

  today(): string {
    return chinaDateKey(this.now());
  }

  // ---- rollups (metrics-rollup.service.ts) ----

  rollup(plan: RollupPlan): Promise<RollupSummary> {
    return this.rollups.rollup(plan);
  }

  rollupDay(day: string): Promise<RollupDayResult> {
    return this.rollups.rollupDay(day);
  }

  rollupRange(from: string, to: string): Promise<RollupSummary> {
    return this.rollups.rollupRange(from, to);
  }

  rollupRepurchase(month: string): Promise<RollupSummary> {
    return this.rollups.rollupRepurchase(month);
  }

  rollupActivePeriod(kind: 'week' | 'month', key: string): Promise<RollupSummary> {
    return this.rollups.rollupActivePeriod(kind, key);
  }

  nightly(now: Date): Promise<Record<string, unknown>> {
    return this.rollups.nightly(now);
  }

  rollupToday(now: Date): Promise<Record<string, unknown>> {
    return this.rollups.rollupToday(now);
  }

  // ---- range answers (metrics-query.service.ts) and the drill-down ----

  conversion(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string; windowDays: number }): Promise<Conversion> {
    return this.queries.conversion(staff, query);
  }

  conversionFor(scope: MetricScope, from: string, to: string, windowDays: number): Promise<Conversion> {
    return this.queries.conversionFor(scope, from, to, windowDays);
  }

  repurchase(staff: StaffPrincipal, query: { month: string; dimension: MetricDimension; value?: string }): Promise<Repurchase> {
    return this.queries.repurchase(staff, query);
  }

  repurchaseFor(scope: MetricScope, month: string): Promise<Repurchase> {
    return this.queries.repurchaseFor(scope, month);
  }

  active(staff: StaffPrincipal, query: { from: string; to: string; dimension: MetricDimension; value?: string }): Promise<ActiveResidents> {
    return this.queries.active(staff, query);
  }

  drillDown(staff: StaffPrincipal, query: DrillDownQuery): Promise<DrillDown> {
    return this.drillDowns.drillDown(staff, query);
  }

  // ---- penetration and advisor progress (metrics-progress.service.ts) ----

  penetration(staff: StaffPrincipal, query: { storeId?: string; cityId?: string; order: 'hardest' | 'name'; limit: number }): Promise<{ storeId: string | null; cityId: string | null; communities: CommunityPenetration[] }> {
    return this.progress.penetration(staff, query);
  }

  penetrationOf(communities: readonly CommunityRecord[]): Promise<CommunityPenetration[]> {
    return this.progress.penetrationOf(communities);
  }

  advisorsProgress(staff: StaffPrincipal, query: { storeId?: string; from?: string; to?: string }): Promise<AdvisorProgressView[]> {
    return this.progress.advisorsProgress(staff, query);
  }

  myProgress(staff: StaffPrincipal, query: { from?: string; to?: string }): Promise<AdvisorProgressView> {
    return this.progress.myProgress(staff, query);
  }

  // ---- the biweekly review (metrics-review.service.ts) ----

  buildReview(endDay: string): Promise<Review> {
    return this.reviews.buildReview(endDay);
  }

  reviewIfDue(now: Date): Promise<Record<string, unknown>> {
    return this.reviews.reviewIfDue(now);
  }

  listReviews(limit: number): Promise<{ id: string; from: string; to: string; createdAt: string }[]> {
    return this.reviews.listReviews(limit);
  }

  getReview(id: string): Promise<Review> {
    return this.reviews.getReview(id);
  }
}
