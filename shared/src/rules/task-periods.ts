import { DAY_MS, chinaDateKey, chinaParts } from './china-time';

/**
 * Task periods. A task's progress is kept per period key, so a daily task starts afresh when the
 * China-time day changes: no job resets anything. Keys:
 *   once    `once`
 *   daily   `YYYY-MM-DD` (China time)
 *   weekly  `YYYY-Www`, the ISO week in China time (weeks start on Monday)
 *   range   `range:<taskId>` while startsAt <= at < endsAt, else null (the task is not open)
 */
export type TaskPeriod =
  | { kind: 'once' }
  | { kind: 'daily' }
  | { kind: 'weekly' }
  | { kind: 'range'; startsAt: Date; endsAt: Date };

/** ISO-8601 week of the instant in China time, e.g. `2026-W09`. The week's year may differ from the calendar year. */
export function chinaIsoWeekKey(instant: Date): string {
  const { year, month, day, weekday } = chinaParts(instant);
  // The ISO week belongs to the year of its Thursday.
  const thursday = new Date(Date.UTC(year, month - 1, day) + (4 - weekday) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS));
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

/** The key of the period `at` falls in, or null when the task is not open at `at`. */
export function taskPeriodKey(taskId: string, period: TaskPeriod, at: Date): string | null {
  switch (period.kind) {
    case 'once':
      return 'once';
    case 'daily':
      return chinaDateKey(at);
    case 'weekly':
      return chinaIsoWeekKey(at);
    case 'range':
      return at.getTime() >= period.startsAt.getTime() && at.getTime() < period.endsAt.getTime() ? `range:${taskId}` : null;
  }
}

/** A newbie task applies from registration until this instant (exclusive): N whole days later. */
export function newbieWindowEnd(registeredAt: Date, windowDays: number): Date {
  return new Date(registeredAt.getTime() + windowDays * DAY_MS);
}

export interface TaskTiming {
  id: string;
  kind: 'newbie' | 'daily' | 'special';
  period: TaskPeriod;
  newbieWindowDays: number | null;
}

/**
 * The period key under which an event (or a view) of this resident at `at` counts, or null when
 * the task does not apply then: outside its date range, or a newbie task past the resident's
 * newbie window.
 */
export function openPeriodKey(task: TaskTiming, resident: { registeredAt: Date }, at: Date): string | null {
  if (task.kind === 'newbie') {
    if (task.newbieWindowDays === null) return null;
    if (at.getTime() >= newbieWindowEnd(resident.registeredAt, task.newbieWindowDays).getTime()) return null;
  }
  return taskPeriodKey(task.id, task.period, at);
}

/** When the task stops applying to this resident: the earlier of the newbie window's and the range's end. */
export function availableUntil(task: TaskTiming, resident: { registeredAt: Date }): Date | null {
  const ends: number[] = [];
  if (task.kind === 'newbie' && task.newbieWindowDays !== null) ends.push(newbieWindowEnd(resident.registeredAt, task.newbieWindowDays).getTime());
  if (task.period.kind === 'range') ends.push(task.period.endsAt.getTime());
  return ends.length > 0 ? new Date(Math.min(...ends)) : null;
}
