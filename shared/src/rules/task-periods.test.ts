import { availableUntil, chinaIsoWeekKey, newbieWindowEnd, openPeriodKey, taskPeriodKey, type TaskTiming } from './task-periods';

const taskId = '65f000000000000000000001';
const at = (iso: string) => new Date(iso);

describe('task period keys', () => {
  it('starts a new daily period at midnight China time, which is 16:00 UTC', () => {
    expect(taskPeriodKey(taskId, { kind: 'daily' }, at('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
    expect(taskPeriodKey(taskId, { kind: 'daily' }, at('2026-03-01T16:00:00Z'))).toBe('2026-03-02');
  });

  it('keys a weekly period by ISO week in China time, starting on Monday', () => {
    // 2026-03-01 is a Sunday; Monday 2026-03-02 00:00 in Shanghai is 2026-03-01T16:00Z.
    expect(taskPeriodKey(taskId, { kind: 'weekly' }, at('2026-03-01T15:59:59Z'))).toBe('2026-W09');
    expect(taskPeriodKey(taskId, { kind: 'weekly' }, at('2026-03-01T16:00:00Z'))).toBe('2026-W10');
  });

  it('gives the ISO week year across new year', () => {
    expect(chinaIsoWeekKey(at('2026-01-01T04:00:00Z'))).toBe('2026-W01'); // Thursday
    expect(chinaIsoWeekKey(at('2027-01-01T04:00:00Z'))).toBe('2026-W53'); // Friday of 2026's last week
    expect(chinaIsoWeekKey(at('2024-12-30T04:00:00Z'))).toBe('2025-W01'); // Monday of 2025's first week
    expect(chinaIsoWeekKey(at('2023-01-01T04:00:00Z'))).toBe('2022-W52'); // Sunday
    // 2020-12-31 23:30 in Shanghai is still 2020-W53 although it is 2020-12-31T15:30Z.
    expect(chinaIsoWeekKey(at('2020-12-31T15:30:00Z'))).toBe('2020-W53');
  });

  it('keys a one-off task `once` whenever it happens', () => {
    expect(taskPeriodKey(taskId, { kind: 'once' }, at('2026-03-01T00:00:00Z'))).toBe('once');
    expect(taskPeriodKey(taskId, { kind: 'once' }, at('2030-12-31T23:59:59Z'))).toBe('once');
  });

  it('keys a date-range task by its id inside the range and gives null outside it (end exclusive)', () => {
    const period = { kind: 'range' as const, startsAt: at('2026-03-01T00:00:00Z'), endsAt: at('2026-03-15T00:00:00Z') };
    expect(taskPeriodKey(taskId, period, at('2026-02-28T23:59:59Z'))).toBeNull();
    expect(taskPeriodKey(taskId, period, at('2026-03-01T00:00:00Z'))).toBe(`range:${taskId}`);
    expect(taskPeriodKey(taskId, period, at('2026-03-14T23:59:59Z'))).toBe(`range:${taskId}`);
    expect(taskPeriodKey(taskId, period, at('2026-03-15T00:00:00Z'))).toBeNull();
  });
});

describe('when a task applies to a resident', () => {
  const registeredAt = at('2026-03-01T02:00:00Z');
  const newbie: TaskTiming = { id: taskId, kind: 'newbie', period: { kind: 'once' }, newbieWindowDays: 7 };

  it('opens a newbie task for N days after registration and closes it after', () => {
    expect(newbieWindowEnd(registeredAt, 7).toISOString()).toBe('2026-03-08T02:00:00.000Z');
    expect(openPeriodKey(newbie, { registeredAt }, at('2026-03-08T01:59:59Z'))).toBe('once');
    expect(openPeriodKey(newbie, { registeredAt }, at('2026-03-08T02:00:00Z'))).toBeNull();
    expect(availableUntil(newbie, { registeredAt })?.toISOString()).toBe('2026-03-08T02:00:00.000Z');
  });

  it('never opens a newbie task that has no window', () => {
    expect(openPeriodKey({ ...newbie, newbieWindowDays: null }, { registeredAt }, registeredAt)).toBeNull();
  });

  it('ignores registration for daily and special tasks', () => {
    const daily: TaskTiming = { id: taskId, kind: 'daily', period: { kind: 'daily' }, newbieWindowDays: null };
    expect(openPeriodKey(daily, { registeredAt }, at('2027-01-01T00:00:00Z'))).toBe('2027-01-01');
    expect(availableUntil(daily, { registeredAt })).toBeNull();
  });

  it('ends a newbie date-range task at whichever comes first', () => {
    const task: TaskTiming = { ...newbie, period: { kind: 'range', startsAt: at('2026-01-01T00:00:00Z'), endsAt: at('2026-03-05T00:00:00Z') } };
    expect(availableUntil(task, { registeredAt })?.toISOString()).toBe('2026-03-05T00:00:00.000Z');
    expect(openPeriodKey(task, { registeredAt }, at('2026-03-05T00:00:00Z'))).toBeNull();
  });
});
