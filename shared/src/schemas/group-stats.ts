import { z } from 'zod';
import { daysBetween } from '../rules/metrics';
import { objectIdSchema } from './common';
import { dayKeySchema } from './metrics';

/** The longest range of group days one request may ask for. */
export const MAX_GROUP_STATS_DAYS = 92;

export const groupStatsRangeQuerySchema = z
  .object({ from: dayKeySchema, to: dayKeySchema })
  .refine((query) => query.from <= query.to, { message: '结束日期不能早于开始日期', path: ['to'] })
  .refine((query) => query.from > query.to || daysBetween(query.from, query.to) < MAX_GROUP_STATS_DAYS, { message: `一次最多查询 ${MAX_GROUP_STATS_DAYS} 天`, path: ['to'] });

export const groupStatsDaySchema = z.object({
  day: z.string(),
  messages: z.number().int(),
  activeMembers: z.number().int(),
  joins: z.number().int(),
  leaves: z.number().int(),
  checkins: z.number().int(),
  moderationActions: z.number().int(),
  /** Residents' questions the bot answered in the group (by the day they were asked). */
  questionsAnswered: z.number().int(),
  /** Residents' messages passed to staff: hand-off tickets opened from the group that day. */
  questionsToStaff: z.number().int(),
  /** Completed orders credited (last touch) to the group: a broadcast card or a share opened in it, by completion day; refunded ones drop out. */
  ordersCredited: z.number().int(),
  /** Their amount, in cents. */
  revenueCreditedCents: z.number().int(),
});
export type GroupStatsDay = z.infer<typeof groupStatsDaySchema>;

/** `GET /group-stats/:groupId?from&to`: a group's days from..to (China time), every day present, oldest first. */
export const groupStatsRangeSchema = z.object({
  groupId: objectIdSchema,
  from: z.string(),
  to: z.string(),
  /** Members now (membership history is not kept per day). */
  members: z.number().int(),
  days: z.array(groupStatsDaySchema),
  totals: groupStatsDaySchema.omit({ day: true, activeMembers: true }),
});
export type GroupStatsRange = z.infer<typeof groupStatsRangeSchema>;
