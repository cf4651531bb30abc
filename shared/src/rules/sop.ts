import { CHINA_OFFSET_MS, DAY_MS, chinaParts } from './china-time';

/**
 * SOP (content plans) timing rules. A journey plan is due `days` after a resident's anchor (joining
 * the group, registering, the first order, the last order); a calendar plan is due at its weekly
 * China-time slots (e.g. every Friday 18:00). Pure: the server decides what to deliver from these.
 */

/** How far back a materialisation run looks for due items it has not yet created: a run missed for a day still catches up, older ones are history. */
export const SOP_CATCH_UP_MS = 2 * DAY_MS;

/** When a journey plan is due for an anchor: `days` whole days after it. */
export function journeyDueAt(anchor: Date, days: number): Date {
  return new Date(anchor.getTime() + days * DAY_MS);
}

/** Minutes after China-time midnight of `HH:MM`; null when it is not a time of day. */
export function parseTimeOfDay(value: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/**
 * The latest weekly slot (weekday 1 = Monday … 7 = Sunday at `time`, China time) in `(after, upTo]`,
 * or null when none falls there. Only the latest: a plan whose job missed several Fridays sends
 * once, not once per missed Friday.
 */
export function latestCalendarSlot(schedule: { weekdays: number[]; time: string }, after: Date, upTo: Date): Date | null {
  const minutes = parseTimeOfDay(schedule.time);
  if (minutes === null || schedule.weekdays.length === 0 || upTo.getTime() <= after.getTime()) return null;
  const parts = chinaParts(upTo);
  // China-time midnight of `upTo`'s day, as an instant.
  const midnight = Date.UTC(parts.year, parts.month - 1, parts.day) - CHINA_OFFSET_MS;
  for (let back = 0; back <= 7; back += 1) {
    const weekday = ((parts.weekday - 1 - back + 7 * 2) % 7) + 1;
    if (!schedule.weekdays.includes(weekday)) continue;
    const slot = midnight - back * DAY_MS + minutes * 60_000;
    if (slot > upTo.getTime()) continue;
    return slot > after.getTime() ? new Date(slot) : null;
  }
  return null;
}

/** `2026-12-04T18:00` in China time: a calendar occurrence's part of its delivery key. */
export function occurrenceKey(slot: Date): string {
  return new Date(slot.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 16);
}
