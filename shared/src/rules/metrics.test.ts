import {
  addDays,
  addMonths,
  advisorProgress,
  conversionWindowClosed,
  CONTENT_ACTIVITY_EVENT_TYPES,
  convertedWithin,
  dayRange,
  DEFAULT_ACTIVE_DEFINITION,
  firstOrderConversion,
  hardestFirst,
  isActiveDay,
  isActiveInPeriod,
  isDayKey,
  isMonthKey,
  isNewResidentOn,
  lastEndedReviewPeriod,
  monthDays,
  nextMonthRepurchase,
  penetration,
  reviewPeriodOf,
  rollupId,
  rollupRowKey,
  share,
  weekStart,
} from './metrics';
import { activeDefinitionOverrideSchema } from '../schemas/metrics';
import { TASK_EVENT_TYPES } from '../schemas/tasks';

const at = (iso: string): Date => new Date(iso);

describe('calendar keys in China time', () => {
  it('steps days and months across month and year ends', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(monthDays('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(monthDays('2028-02').to).toBe('2028-02-29');
    expect(dayRange('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(weekStart('2026-01-11')).toBe('2026-01-05');
    expect(weekStart('2026-01-05')).toBe('2026-01-05');
    expect(isDayKey('2026-02-30')).toBe(false);
    expect(isDayKey('2026-02-28')).toBe(true);
    expect(isMonthKey('2026-13')).toBe(false);
  });
});

describe('first-order conversion', () => {
  it('counts a first completed order less than N x 24 hours after registering', () => {
    const registeredAt = at('2026-01-01T02:00:00Z');
    expect(convertedWithin(registeredAt, at('2026-01-07T20:00:00Z'), 7)).toBe(true);
    expect(convertedWithin(registeredAt, at('2026-01-08T02:00:00Z'), 7)).toBe(false);
    expect(convertedWithin(registeredAt, at('2026-01-08T02:00:00Z'), 30)).toBe(true);
    expect(convertedWithin(registeredAt, null, 30)).toBe(false);
  });

  it('is the converted share of the cohort, null for an empty cohort', () => {
    const registeredAt = at('2026-01-01T02:00:00Z');
    const cohort = [
      { registeredAt, firstCompletedAt: at('2026-01-02T00:00:00Z') },
      { registeredAt, firstCompletedAt: at('2026-01-05T00:00:00Z') },
      { registeredAt, firstCompletedAt: at('2026-01-20T00:00:00Z') },
      { registeredAt, firstCompletedAt: null },
    ];
    expect(firstOrderConversion(cohort, 7)).toEqual({ base: 4, count: 2, rate: 0.5 });
    expect(firstOrderConversion(cohort, 30).rate).toBe(0.75);
    expect(firstOrderConversion([], 7).rate).toBeNull();
    expect(share(0, 0)).toEqual({ base: 0, count: 0, rate: null });
  });

  it('knows when a cohort day can no longer rise', () => {
    expect(conversionWindowClosed('2026-01-01', 7, '2026-01-09')).toBe(true);
    expect(conversionWindowClosed('2026-01-01', 7, '2026-01-08')).toBe(false);
  });
});

describe('next-month repurchase', () => {
  it('takes the base from month M and, for new residents, only those whose first order was in M', () => {
    const residents = [
      { orderedInMonth: true, orderedNextMonth: true, firstOrderMonth: '2025-12' },
      { orderedInMonth: true, orderedNextMonth: false, firstOrderMonth: '2026-01' },
      { orderedInMonth: true, orderedNextMonth: true, firstOrderMonth: '2026-01' },
      { orderedInMonth: false, orderedNextMonth: true, firstOrderMonth: '2026-02' },
    ];
    expect(nextMonthRepurchase(residents, '2026-01')).toEqual({ base: 3, count: 2, rate: 2 / 3 });
    expect(nextMonthRepurchase(residents, '2026-01', { newOnly: true })).toEqual({ base: 2, count: 1, rate: 0.5 });
  });
});

describe('active residents', () => {
  const strict = { ...DEFAULT_ACTIVE_DEFINITION, minEventsPerDay: 2, weeklyActiveDays: 2, monthlyActiveDays: 4, newResidentDays: 7 };

  it('applies the per-day, per-period and new/old thresholds of the definition', () => {
    expect(isActiveDay(1, strict)).toBe(false);
    expect(isActiveDay(2, strict)).toBe(true);
    expect(isActiveInPeriod(1, 'week', strict)).toBe(false);
    expect(isActiveInPeriod(2, 'week', strict)).toBe(true);
    expect(isActiveInPeriod(3, 'month', strict)).toBe(false);
    expect(isActiveInPeriod(1, 'month', DEFAULT_ACTIVE_DEFINITION)).toBe(false);
    expect(isActiveInPeriod(1, 'week', DEFAULT_ACTIVE_DEFINITION)).toBe(true);
    // Registered 2026-01-01 00:30 in Shanghai (2025-12-31T16:30Z): day 1 is 2026-01-01.
    const registeredAt = at('2025-12-31T16:30:00Z');
    expect(isNewResidentOn(registeredAt, '2026-01-07', strict)).toBe(true);
    expect(isNewResidentOn(registeredAt, '2026-01-08', strict)).toBe(false);
    expect(DEFAULT_ACTIVE_DEFINITION.eventTypes).toContain('store_visited');
  });

  it('counts posting and commenting as activity by default, and leaves the cheap content taps to configuration', () => {
    const listed = new Set(DEFAULT_ACTIVE_DEFINITION.eventTypes);
    expect(CONTENT_ACTIVITY_EVENT_TYPES.filter((type) => listed.has(type))).toEqual(['post_published', 'comment_posted']);
    // Every content type is a task event type the override accepts.
    expect(activeDefinitionOverrideSchema.parse({ eventTypes: [...CONTENT_ACTIVITY_EVENT_TYPES] }).eventTypes).toEqual([...CONTENT_ACTIVITY_EVENT_TYPES]);
    expect(CONTENT_ACTIVITY_EVENT_TYPES.every((type) => (TASK_EVENT_TYPES as readonly string[]).includes(type))).toBe(true);
  });
});

describe('penetration and advisor progress', () => {
  it('divides by households and puts the lowest consumer penetration first', () => {
    expect(penetration(800, 200, 50)).toEqual({ households: 800, registered: 200, consumers: 50, registeredRate: 0.25, consumerRate: 0.0625 });
    const rows = [
      { id: 'a', ...penetration(100, 50, 10) },
      { id: 'b', ...penetration(100, 10, 5) },
      { id: 'c', ...penetration(200, 10, 10) },
      { id: 'd', ...penetration(100, 20, 5) },
    ];
    expect(hardestFirst(rows).map((row) => row.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('counts progress to the goal, capped at 1', () => {
    expect(advisorProgress(250, 1000)).toEqual({ consumers: 250, goal: 1000, remaining: 750, progress: 0.25 });
    expect(advisorProgress(1200, 1000)).toEqual({ consumers: 1200, goal: 1000, remaining: 0, progress: 1 });
  });
});

describe('rollup keys and review periods', () => {
  it('builds deterministic ids and 14-day periods from the epoch Monday', () => {
    expect(rollupId('2026-02-01', 'cohort')).toBe('2026-02-01|cohort');
    expect(rollupRowKey('store', 'abc')).toBe('store|abc');
    expect(reviewPeriodOf('2026-01-20')).toEqual({ key: '2026-01-19_2026-02-01', from: '2026-01-19', to: '2026-02-01' });
    expect(reviewPeriodOf('2026-01-04').from).toBe('2025-12-22');
    expect(lastEndedReviewPeriod('2026-02-01').key).toBe('2026-01-19_2026-02-01');
    expect(lastEndedReviewPeriod('2026-02-05').key).toBe('2026-01-19_2026-02-01');
  });
});
