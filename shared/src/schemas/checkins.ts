import { z } from 'zod';

/**
 * The daily check-in: one per resident per China-time day, whether it comes from the app or from
 * 签到 in a community group (both write the same day's record and the same task event).
 */
export const myCheckinSchema = z.object({
  /** Today, China time, `YYYY-MM-DD`. */
  today: z.string(),
  checkedInToday: z.boolean(),
  /** Where today's check-in came from, when there is one. */
  todayVia: z.enum(['app', 'group']).nullable(),
  /** Consecutive days checked in, ending today (or yesterday, while today is still open). */
  streak: z.number().int(),
  /** Of the last 7 days (oldest first), which were checked in. */
  week: z.array(z.object({ day: z.string(), checkedIn: z.boolean() })),
  /** What today's check-in pays (the daily task's reward), 0 when no task pays for it. */
  rewardPoints: z.number().int(),
});
export type MyCheckin = z.infer<typeof myCheckinSchema>;

export const checkinOutcomeSchema = myCheckinSchema.extend({
  status: z.enum(['checked_in', 'already_checked_in']),
  pointsEarned: z.number().int(),
  /** The resident's available points after it. */
  available: z.number().int(),
});
export type CheckinOutcome = z.infer<typeof checkinOutcomeSchema>;
