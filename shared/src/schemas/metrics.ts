import { z } from 'zod';
import { addDays, daysBetween, isDayKey, isMonthKey, METRIC_DIMENSIONS, weekStart } from '../rules/metrics';
import { objectIdSchema } from './common';
import { reviewContentSchema } from './content';
import { TASK_EVENT_TYPES } from './tasks';

export const dayKeySchema = z.string().refine(isDayKey, 'a China-time day, YYYY-MM-DD');
export const monthKeySchema = z.string().refine(isMonthKey, 'a China-time month, YYYY-MM');
export const metricDimensionSchema = z.enum(METRIC_DIMENSIONS);

/** The longest range a metrics query may cover, in days. */
export const MAX_METRIC_RANGE_DAYS = 400;

/** A dimension and its value: `all` needs no value, every other dimension does. */
const dimensionFields = {
  dimension: metricDimensionSchema.default('all'),
  /** An id (store, community, advisor, channel, campaign, placement) or a code type. */
  value: z.string().max(64).trim().min(1).optional(),
};

const withDimension = <T extends { dimension: string; value?: string }>(query: T): boolean => query.dimension === 'all' || Boolean(query.value);
const dimensionIssue = { message: '请选择这个维度的取值', path: ['value'] };

const rangeFields = { from: dayKeySchema, to: dayKeySchema };
const validRange = (query: { from: string; to: string }): boolean => query.from <= query.to && daysBetween(query.from, query.to) < MAX_METRIC_RANGE_DAYS;
const rangeIssue = { message: `must not be before from, and at most ${MAX_METRIC_RANGE_DAYS} days after it`, path: ['to'] };

export const conversionQuerySchema = z
  .object({ ...rangeFields, ...dimensionFields, windowDays: z.enum(['7', '30']).default('7').transform(Number) })
  .refine(validRange, rangeIssue)
  .refine(withDimension, dimensionIssue);

export const repurchaseQuerySchema = z.object({ month: monthKeySchema, ...dimensionFields }).refine(withDimension, dimensionIssue);

export const activeQuerySchema = z.object({ ...rangeFields, ...dimensionFields }).refine(validRange, rangeIssue).refine(withDimension, dimensionIssue);

export const penetrationQuerySchema = z
  .object({
    storeId: objectIdSchema.optional(),
    cityId: objectIdSchema.optional(),
    order: z.enum(['hardest', 'name']).default('hardest'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine((query) => !(query.storeId && query.cityId), { message: '门店和城市只能选一个', path: ['cityId'] });

export const advisorProgressQuerySchema = z
  .object({ storeId: objectIdSchema.optional(), from: dayKeySchema.optional(), to: dayKeySchema.optional() })
  .refine((query) => !query.from || !query.to || validRange({ from: query.from, to: query.to }), rangeIssue);

export const reviewListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export const shareSchema = z.object({ base: z.number().int(), count: z.number().int(), rate: z.number().nullable() });
export type ShareView = z.infer<typeof shareSchema>;

export const conversionSchema = z.object({
  from: z.string(),
  to: z.string(),
  dimension: metricDimensionSchema,
  value: z.string(),
  windowDays: z.number().int(),
  /** Residents registered in the range, and those whose first completed order came within the window. */
  registrations: z.number().int(),
  converted: z.number().int(),
  rate: z.number().nullable(),
  /** Cohort days whose window has not closed yet, so the rate may still rise. */
  openCohortDays: z.number().int(),
  days: z.array(z.object({ day: z.string(), registrations: z.number().int(), converted: z.number().int() })),
});
export type Conversion = z.infer<typeof conversionSchema>;

export const repurchaseSchema = z.object({
  month: z.string(),
  nextMonth: z.string(),
  dimension: metricDimensionSchema,
  value: z.string(),
  /** Residents with a completed order in `month` (base) and those with one in `nextMonth` too (count). */
  all: shareSchema,
  /** The same, for residents whose first completed order was in `month`. */
  newResidents: shareSchema,
  /** False while `nextMonth` has not ended: the rate may still rise. */
  complete: z.boolean(),
  computedAt: z.string(),
});
export type Repurchase = z.infer<typeof repurchaseSchema>;

export const activeDefinitionSchema = z.object({
  eventTypes: z.array(z.string()),
  countOrders: z.boolean(),
  minEventsPerDay: z.number().int(),
  weeklyActiveDays: z.number().int(),
  monthlyActiveDays: z.number().int(),
  newResidentDays: z.number().int(),
});

/** `METRICS_ACTIVE_DEFINITION`: JSON overriding any of the default definition's fields, e.g. `{"minEventsPerDay":2}`. */
export const activeDefinitionOverrideSchema = z
  .object({
    eventTypes: z.array(z.enum(TASK_EVENT_TYPES)).min(1).max(50),
    countOrders: z.boolean(),
    minEventsPerDay: z.number().int().min(1).max(100),
    weeklyActiveDays: z.number().int().min(1).max(7),
    monthlyActiveDays: z.number().int().min(1).max(31),
    newResidentDays: z.number().int().min(1).max(365),
  })
  .partial()
  .strict();

export const activeSchema = z.object({
  from: z.string(),
  to: z.string(),
  dimension: metricDimensionSchema,
  value: z.string(),
  definition: activeDefinitionSchema,
  days: z.array(z.object({ day: z.string(), active: z.number().int(), newActive: z.number().int(), oldActive: z.number().int() })),
  averageDaily: z.number(),
  /** Weekly (Monday-Sunday) and monthly active residents for the periods the range touches, as of the last rollup. */
  weeks: z.array(z.object({ week: z.string(), active: z.number().int() })),
  months: z.array(z.object({ month: z.string(), active: z.number().int() })),
});
export type ActiveResidents = z.infer<typeof activeSchema>;

export const communityPenetrationSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  households: z.number().int(),
  registered: z.number().int(),
  consumers: z.number().int(),
  registeredRate: z.number(),
  consumerRate: z.number(),
});
export type CommunityPenetration = z.infer<typeof communityPenetrationSchema>;

export const penetrationSchema = z.object({
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  communities: z.array(communityPenetrationSchema),
});

export const advisorProgressSchema = z.object({
  advisorId: objectIdSchema,
  name: z.string(),
  storeId: objectIdSchema.nullable(),
  goal: z.number().int(),
  /** Residents first touched by the advisor with at least one completed order. */
  consumers: z.number().int(),
  remaining: z.number().int(),
  progress: z.number(),
  from: z.string(),
  to: z.string(),
  /** Residents first touched by the advisor who registered in the range, and 7-day first-order conversion of them. */
  newSignups: z.number().int(),
  conversion7: shareSchema,
});
export type AdvisorProgressView = z.infer<typeof advisorProgressSchema>;

export const reviewSchema = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  createdAt: z.string(),
  /**
   * The newbie-task funnel of the period, as the task funnel counts it: distinct residents shown a
   * newbie task (saw), with at least one event counted toward one (started) and who completed one;
   * open rate = started / saw, completion rate = completed / saw.
   */
  newbieTasks: z.object({
    saw: z.number().int(),
    started: z.number().int(),
    completed: z.number().int(),
    openRate: z.number().nullable(),
    completionRate: z.number().nullable(),
    tasks: z.array(z.object({
      taskId: objectIdSchema, title: z.string(), saw: z.number().int(), started: z.number().int(), completed: z.number().int(),
      openRate: z.number().nullable(), completionRate: z.number().nullable(),
    })),
  }),
  /** 7-day first-order conversion of the cohorts registered in this period and the previous ones (oldest first). */
  conversionTrend: z.array(z.object({ from: z.string(), to: z.string(), registrations: z.number().int(), converted7: z.number().int(), rate: z.number().nullable() })),
  /** Next-month repurchase for the last months whose next month has started (oldest first). */
  repurchaseTrend: z.array(z.object({ month: z.string(), all: shareSchema, newResidents: shareSchema })),
  hardestCommunities: z.array(communityPenetrationSchema),
  advisorsBehind: z.array(z.object({ advisorId: objectIdSchema, name: z.string(), storeId: objectIdSchema.nullable(), goal: z.number().int(), consumers: z.number().int(), remaining: z.number().int() })),
  /** Content (邻里圈): posts, comments and likes per day, engagement per post, list vs detail visitors; the previous period beside it. */
  content: reviewContentSchema,
});
export type Review = z.infer<typeof reviewSchema>;

export const reviewSummarySchema = reviewSchema.pick({ id: true, from: true, to: true, createdAt: true });

// ---- drill-down: the residents behind a count ------------------------------------------------

/**
 * Each drill-down metric and the count it lists, field for field:
 * `registered` / `converted` (from, to, windowDays): `/metrics/conversion` registrations / converted;
 * `repurchase_base`, `repurchased`, `new_repurchase_base`, `new_repurchased` (month): `/metrics/repurchase`
 * all.base, all.count, newResidents.base, newResidents.count;
 * `active` (day, segment all | new | old): a day of `/metrics/active` (active, newActive, oldActive);
 * `weekly_active` (week, its Monday) and `monthly_active` (month): its weeks and months;
 * `registered_total` and `consumers` (as of now): `/metrics/penetration` registered / consumers of a
 * community, and an advisor's consumers in `/metrics/advisors/progress`.
 */
export const DRILL_DOWN_METRICS = [
  'registered', 'converted',
  'repurchase_base', 'repurchased', 'new_repurchase_base', 'new_repurchased',
  'active', 'weekly_active', 'monthly_active',
  'registered_total', 'consumers',
] as const;
export type DrillDownMetric = (typeof DRILL_DOWN_METRICS)[number];

const RANGE_METRICS: readonly DrillDownMetric[] = ['registered', 'converted'];
const MONTH_METRICS: readonly DrillDownMetric[] = ['repurchase_base', 'repurchased', 'new_repurchase_base', 'new_repurchased', 'monthly_active'];

export const drillDownQuerySchema = z
  .object({
    metric: z.enum(DRILL_DOWN_METRICS),
    ...dimensionFields,
    from: dayKeySchema.optional(),
    to: dayKeySchema.optional(),
    windowDays: z.enum(['7', '30']).default('7').transform(Number),
    month: monthKeySchema.optional(),
    day: dayKeySchema.optional(),
    week: dayKeySchema.refine((day) => weekStart(day) === day, '请填写一周的星期一（YYYY-MM-DD）').optional(),
    segment: z.enum(['all', 'new', 'old']).default('all'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .refine(withDimension, dimensionIssue)
  .superRefine((query, context) => {
    const need = (field: 'from' | 'to' | 'month' | 'day' | 'week', message: string) => {
      if (!query[field]) context.addIssue({ code: 'custom', path: [field], message });
    };
    if (RANGE_METRICS.includes(query.metric)) {
      need('from', '这个指标需要起始日期 from（YYYY-MM-DD）');
      need('to', '这个指标需要结束日期 to（YYYY-MM-DD）');
      if (query.from && query.to && !validRange({ from: query.from, to: query.to })) context.addIssue({ code: 'custom', ...rangeIssue });
    }
    if (MONTH_METRICS.includes(query.metric)) need('month', '这个指标需要月份 month（YYYY-MM）');
    if (query.metric === 'active') need('day', '这个指标需要日期 day（YYYY-MM-DD）');
    if (query.metric === 'weekly_active') need('week', '这个指标需要一周的星期一 week（YYYY-MM-DD）');
  });
export type DrillDownQuery = z.output<typeof drillDownQuerySchema>;

export const drillDownResidentSchema = z.object({
  id: objectIdSchema,
  nickname: z.string().nullable(),
  registeredAt: z.string(),
  storeId: objectIdSchema.nullable(),
  communityId: objectIdSchema.nullable(),
  /** The first touch: advisor credited, code type, channel, campaign and placement. */
  advisorId: objectIdSchema.nullable(),
  codeType: z.string().nullable(),
  channelId: objectIdSchema.nullable(),
  campaignId: objectIdSchema.nullable(),
  placementId: objectIdSchema.nullable(),
  /** The resident's earliest completed order that still stands, when the list's data includes it. */
  firstCompletedAt: z.string().nullable(),
});

export const drillDownSchema = z.object({
  metric: z.enum(DRILL_DOWN_METRICS),
  dimension: metricDimensionSchema,
  value: z.string(),
  /** How many residents the list has in all (the count it explains); `items` is one page of them, newest registration first. */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  /** When the list was computed from the raw data (lists are reused for a few minutes while paging). */
  asOf: z.string(),
  items: z.array(drillDownResidentSchema),
});
export type DrillDown = z.infer<typeof drillDownSchema>;

/** Convenience for callers: the 30 days up to a day. */
export function lastDays(to: string, days: number): { from: string; to: string } {
  return { from: addDays(to, -(days - 1)), to };
}
