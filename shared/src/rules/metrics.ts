import type { TaskEventType } from '../schemas/tasks';
import { chinaDateKey, chinaDayStart, DAY_MS } from './china-time';

/*
 * Growth metrics, defined once. Every day and month is a China-time (Asia/Shanghai, UTC+8)
 * calendar day or month: an order completed at 2026-01-31T16:30:00Z belongs to 2026-02-01 and so
 * to February. A "completed order" is an order whose current state is `completed`: a refunded or
 * cancelled order never counts, even though it keeps its `completedAt`.
 */

/** The first-order conversion windows kept in the daily rollups. */
export const CONVERSION_WINDOWS = [7, 30] as const;
export type ConversionWindow = (typeof CONVERSION_WINDOWS)[number];

/** Dimensions every daily count is broken down by; `all` has the single value `all`. */
export const METRIC_DIMENSIONS = ['all', 'store', 'community', 'advisor', 'codeType', 'channel', 'campaign', 'placement'] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];

/** A share with its parts; `rate` is null when nobody is in the base (not 0: nothing was measured). */
export interface Share {
  base: number;
  count: number;
  rate: number | null;
}

/** `share(3, 4)` is `{ base: 4, count: 3, rate: 0.75 }`; `share(0, 0).rate` is null. */
export function share(count: number, base: number): Share {
  return { base, count, rate: base > 0 ? count / base : null };
}

// ---- calendar keys -------------------------------------------------------------------------

const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_KEY = /^\d{4}-\d{2}$/;

export function isDayKey(value: string): boolean {
  return DAY_KEY.test(value) && chinaDateKey(chinaDayStart(value)) === value;
}

export function isMonthKey(value: string): boolean {
  return MONTH_KEY.test(value) && Number(value.slice(5)) >= 1 && Number(value.slice(5)) <= 12;
}

/** `addDays('2026-01-31', 1)` is `'2026-02-01'`. */
export function addDays(dayKey: string, days: number): string {
  return chinaDateKey(new Date(chinaDayStart(dayKey).getTime() + days * DAY_MS));
}

/** Whole days from `from` to `to`: `daysBetween('2026-01-30', '2026-02-02')` is 3. */
export function daysBetween(from: string, to: string): number {
  return Math.round((chinaDayStart(to).getTime() - chinaDayStart(from).getTime()) / DAY_MS);
}

/** Every day key from `from` to `to`, both included: `dayRange('2026-01-30', '2026-02-01')` has 3 days. */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Every month key from `from` to `to`, both included: `monthRange('2026-11', '2027-01')` has 3 months. */
export function monthRange(from: string, to: string): string[] {
  const months: string[] = [];
  for (let month = from; month <= to; month = addMonths(month, 1)) months.push(month);
  return months;
}

/** The half-open instant range `[start, end)` of China-time days `from`..`to` (both included). */
export function dayRangeInstants(from: string, to: string): { start: Date; end: Date } {
  return { start: chinaDayStart(from), end: chinaDayStart(addDays(to, 1)) };
}

/** `addMonths('2026-12', 1)` is `'2027-01'`. */
export function addMonths(monthKey: string, months: number): string {
  const [year, month] = monthKey.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** First and last day of a month: `monthDays('2026-02')` is `{ from: '2026-02-01', to: '2026-02-28' }`. */
export function monthDays(monthKey: string): { from: string; to: string } {
  const from = `${monthKey}-01`;
  return { from, to: addDays(`${addMonths(monthKey, 1)}-01`, -1) };
}

/** The days of a week (keyed by its Monday, Monday-Sunday) or of a month (keyed `YYYY-MM`). */
export function periodDays(kind: 'week' | 'month', key: string): string[] {
  return kind === 'week' ? dayRange(key, addDays(key, 6)) : dayRange(monthDays(key).from, monthDays(key).to);
}

/** The Monday of the China-time week holding the day: `weekStart('2026-01-11')` (a Sunday) is `'2026-01-05'`. */
export function weekStart(dayKey: string): string {
  const weekday = new Date(chinaDayStart(dayKey).getTime() + 8 * 3600_000).getUTCDay();
  return addDays(dayKey, -((weekday + 6) % 7));
}

// ---- first-order conversion (首单转化率) ----------------------------------------------------

/**
 * Whether a resident converted: their first completed order came less than `windowDays` × 24 hours
 * after they registered. The cohort is the China-time day of registration.
 *
 * Example: registered 2026-01-01T02:00Z, first completed order 2026-01-07T20:00Z: converted
 * within 7 days (6.75 days), and within 30; a first order on 2026-01-09 converts within 30 only.
 */
export function convertedWithin(registeredAt: Date, firstCompletedAt: Date | null, windowDays: number): boolean {
  return firstCompletedAt !== null && firstCompletedAt.getTime() - registeredAt.getTime() < windowDays * DAY_MS;
}

/**
 * First-order conversion of a cohort: of the residents registered in a period, the share whose
 * first completed order came within `windowDays` of registering.
 *
 * Example: four residents registered in January, two ordered within 7 days, one on day 20, one
 * never: `firstOrderConversion(cohort, 7)` is `{ base: 4, count: 2, rate: 0.5 }`, and 0.75 for 30.
 */
export function firstOrderConversion(cohort: readonly { registeredAt: Date; firstCompletedAt: Date | null }[], windowDays: number): Share {
  return share(cohort.filter((resident) => convertedWithin(resident.registeredAt, resident.firstCompletedAt, windowDays)).length, cohort.length);
}

/**
 * Whether the window of a cohort day has closed by `today` (so its conversion can no longer rise).
 * Example: `conversionWindowClosed('2026-01-01', 7, '2026-01-09')` is true; on '2026-01-08' it is false.
 */
export function conversionWindowClosed(cohortDay: string, windowDays: number, today: string): boolean {
  return daysBetween(cohortDay, today) > windowDays;
}

// ---- next-month repurchase (次月复购率) -----------------------------------------------------

/**
 * Next-month repurchase: of the residents with a completed order in month M, the share with a
 * completed order in M+1. `newOnly` restricts the base to residents whose first completed order
 * ever was in M (new customers of M).
 *
 * Example: A ordered in January and February, B in January only, C (first order ever in
 * January) in January and February, D only in February: the base is {A, B, C}, 2 repurchased
 * (rate 2/3); new only (A ordered before January): base {B, C}, 1 repurchased (rate 0.5).
 */
export function nextMonthRepurchase(
  residents: readonly { orderedInMonth: boolean; orderedNextMonth: boolean; firstOrderMonth: string | null }[],
  month: string,
  options: { newOnly?: boolean } = {},
): Share {
  const base = residents.filter((resident) => resident.orderedInMonth && (!options.newOnly || resident.firstOrderMonth === month));
  return share(base.filter((resident) => resident.orderedNextMonth).length, base.length);
}

// ---- active residents (活跃用户) -------------------------------------------------------------

/**
 * The content (邻里圈) task events an active definition may list: the default lists the costly ones
 * (`post_published`, `comment_posted`); the others are there for `METRICS_ACTIVE_DEFINITION`.
 */
export const CONTENT_ACTIVITY_EVENT_TYPES = ['post_published', 'comment_posted', 'order_shown', 'post_liked', 'post_saved', 'post_shared'] as const satisfies readonly TaskEventType[];

/** What "active" means; the brief insists it is written down, not implied. */
export interface ActiveDefinition {
  /** Task event types that count as activity (offline `store_visited` included by default). */
  eventTypes: readonly string[];
  /** Whether a completed order counts as one activity event on its completion day. */
  countOrders: boolean;
  /** Events needed on a day for the resident to be active that day. */
  minEventsPerDay: number;
  /** Active days needed within a Monday-to-Sunday week to be weekly active. */
  weeklyActiveDays: number;
  /** Active days needed within a calendar month to be monthly active. */
  monthlyActiveDays: number;
  /** A resident is new for this many days from registration (the registration day is day 1), then old. */
  newResidentDays: number;
}

/**
 * Every type listed here is emitted by the code path that causes it (each has an end-to-end test in
 * `server/src/components/metrics/activity-events.test.ts`): sign-up, the profile and activity views
 * the mini-program reports, joining a store's group and checking in (the bot), an invite that
 * succeeded (the invitee's first order in time), a store visit recorded by staff, and content
 * (邻里圈): publishing a post and posting a comment, each recorded once per item by the content
 * routes. The source article names content and interaction as the main sources of activity; a post
 * or a comment costs the resident time, so each is a day's activity. Likes, saves and shares are a
 * tap each and `order_shown` is recorded beside the 晒单's own `post_published`, so they are not in
 * the default; `METRICS_ACTIVE_DEFINITION` can add any of them (see CONTENT_ACTIVITY_EVENT_TYPES).
 */
export const DEFAULT_ACTIVE_DEFINITION: ActiveDefinition = {
  // Orders are counted by `countOrders` (only while still completed), so order task events are not listed again.
  eventTypes: ['signup_completed', 'profile_completed', 'joined_group', 'group_checkin', 'invite_succeeded', 'activity_viewed', 'store_visited', 'post_published', 'comment_posted'],
  countOrders: true,
  minEventsPerDay: 1,
  weeklyActiveDays: 1,
  monthlyActiveDays: 2,
  newResidentDays: 30,
};

/**
 * Whether `events` activities on one day make the resident active that day.
 * Example: with `minEventsPerDay: 2`, one check-in is not active, a check-in and a store visit are.
 */
export function isActiveDay(events: number, definition: ActiveDefinition): boolean {
  return events >= definition.minEventsPerDay;
}

/**
 * Whether a number of active days in a week or month makes the resident weekly / monthly active.
 * Example: with the defaults, 1 active day in a week is weekly active; 1 in a month is not monthly active, 2 are.
 */
export function isActiveInPeriod(activeDays: number, period: 'week' | 'month', definition: ActiveDefinition): boolean {
  return activeDays >= (period === 'week' ? definition.weeklyActiveDays : definition.monthlyActiveDays);
}

/**
 * Whether the resident is still new on a China-time day: registration day counts as day 1.
 * Example: with 30 days, registered on 2026-01-01, new through 2026-01-30 and old from 2026-01-31.
 */
export function isNewResidentOn(registeredAt: Date, dayKey: string, definition: ActiveDefinition): boolean {
  return daysBetween(chinaDateKey(registeredAt), dayKey) < definition.newResidentDays;
}

// ---- penetration (渗透率) -------------------------------------------------------------------

export interface Penetration {
  households: number;
  registered: number;
  consumers: number;
  registeredRate: number;
  consumerRate: number;
}

/**
 * Penetration of a community: registered residents and consumer residents (at least one completed
 * order) divided by its households. Example: 800 households, 200 registered, 50 consumers:
 * `{ registeredRate: 0.25, consumerRate: 0.0625 }`.
 */
export function penetration(households: number, registered: number, consumers: number): Penetration {
  const base = Math.max(1, households);
  return { households, registered, consumers, registeredRate: registered / base, consumerRate: consumers / base };
}

/**
 * Hardest to penetrate first: lowest consumer penetration, then lowest registered penetration,
 * then the most households (more room to grow), then the id for a stable order.
 */
export function hardestFirst<T extends Penetration & { id: string }>(communities: readonly T[]): T[] {
  return [...communities].sort(
    (a, b) => a.consumerRate - b.consumerRate || a.registeredRate - b.registeredRate || b.households - a.households || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

// ---- advisor progress (顾问进度) ------------------------------------------------------------

export interface AdvisorProgress {
  consumers: number;
  goal: number;
  remaining: number;
  /** consumers / goal, capped at 1. */
  progress: number;
}

/**
 * An advisor's progress to their goal of consumer users: residents whose first touch
 * (`attribution.advisorId`) is the advisor and who have completed at least one order.
 * Example: 250 consumers against the default goal 1,000: `{ remaining: 750, progress: 0.25 }`.
 */
export function advisorProgress(consumers: number, goal: number): AdvisorProgress {
  return { consumers, goal, remaining: Math.max(0, goal - consumers), progress: goal > 0 ? Math.min(1, consumers / goal) : 1 };
}

// ---- rollup keys and review periods --------------------------------------------------------

/** The deterministic `_id` of a rollup document, one per period and metric: `<period>|<metric>`. */
export function rollupId(period: string, metric: string): string {
  return `${period}|${metric}`;
}

/** The key of one dimension value's counts inside a rollup document: `<dimension>|<value>`. */
export function rollupRowKey(dimension: MetricDimension, value: string): string {
  return `${dimension}|${value}`;
}

/** Biweekly reviews cover 14 days; periods are counted from this Monday. */
export const REVIEW_EPOCH_DAY = '2026-01-05';
export const REVIEW_PERIOD_DAYS = 14;

/**
 * The 14-day review period holding a day, e.g. `reviewPeriodOf('2026-01-20')` is
 * `{ key: '2026-01-19_2026-02-01', from: '2026-01-19', to: '2026-02-01' }`.
 */
export function reviewPeriodOf(dayKey: string): { key: string; from: string; to: string } {
  const offset = daysBetween(REVIEW_EPOCH_DAY, dayKey);
  const from = addDays(REVIEW_EPOCH_DAY, Math.floor(offset / REVIEW_PERIOD_DAYS) * REVIEW_PERIOD_DAYS);
  const to = addDays(from, REVIEW_PERIOD_DAYS - 1);
  return { key: `${from}_${to}`, from, to };
}

/** The review period that ended on or most recently before `dayKey`. */
export function lastEndedReviewPeriod(dayKey: string): { key: string; from: string; to: string } {
  const current = reviewPeriodOf(dayKey);
  return current.to === dayKey ? current : reviewPeriodOf(addDays(current.from, -1));
}
