import { z } from 'zod';
import { addMonths, isMonthKey } from '../rules/metrics';

/**
 * What a scorecard ranks. First-touch dimensions come from the resident's sign-up attribution
 * (code, placement, campaign, channel, advisor, inviter); `group` and `broadcast` are last-touch:
 * only orders credited to them exist, so they are ranked by orders credited. An inviter is both:
 * the residents they invited (first touch) and the orders bought through their shares (last touch).
 */
export const SCORECARD_DIMENSIONS = ['code', 'placement', 'campaign', 'channel', 'advisor', 'inviter', 'group', 'broadcast'] as const;
export type ScorecardDimension = (typeof SCORECARD_DIMENSIONS)[number];
export const LAST_TOUCH_DIMENSIONS: readonly ScorecardDimension[] = ['group', 'broadcast'];

export const SCORECARD_DIMENSION_LABELS: Record<ScorecardDimension, string> = {
  code: '二维码', placement: '点位', campaign: '活动', channel: '渠道', advisor: '顾问', inviter: '邀请人', group: '社群', broadcast: '群发/SOP',
};

/** The longest range one scorecard covers, in months (its previous period is as long again). */
export const MAX_SCORECARD_MONTHS = 12;

const monthKey = z.string().refine(isMonthKey, '请填写 YYYY-MM 格式的月份');

export const scorecardQuerySchema = z
  .object({
    dimension: z.enum(SCORECARD_DIMENSIONS, { error: '请选择要看的维度：二维码、点位、活动、渠道、顾问、邀请人、社群或群发' }),
    from: monthKey,
    to: monthKey,
    format: z.enum(['json', 'csv']).default('json'),
    /** The best `limit` values (the inviter dimension has one per inviting resident). */
    limit: z.coerce.number({ error: '条数需要是 1 到 5000 之间的整数' }).int('条数需要是 1 到 5000 之间的整数').min(1, '条数需要是 1 到 5000 之间的整数').max(5000, '条数需要是 1 到 5000 之间的整数').default(200),
  })
  .refine((query) => query.from <= query.to && query.to <= addMonths(query.from, MAX_SCORECARD_MONTHS - 1), {
    message: `结束月份不能早于开始月份，且最多跨 ${MAX_SCORECARD_MONTHS} 个月`,
    path: ['to'],
  });
export type ScorecardQuery = z.output<typeof scorecardQuerySchema>;

/** A share with its 95% Wilson interval; rate, low and high are null when the base is 0. */
export const scorecardShareSchema = z.object({
  count: z.number().int(),
  base: z.number().int(),
  rate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
});
export type ScorecardShare = z.infer<typeof scorecardShareSchema>;

/** One period's figures of one value; first-touch figures are null for last-touch dimensions. */
export const scorecardFiguresSchema = z.object({
  registrations: z.number().int().nullable(),
  conversion7: scorecardShareSchema.nullable(),
  conversion30: scorecardShareSchema.nullable(),
  repurchase: scorecardShareSchema.nullable(),
  ordersCredited: z.number().int(),
  revenueCreditedCents: z.number().int(),
});
export type ScorecardFigures = z.infer<typeof scorecardFiguresSchema>;

export const scorecardRowSchema = scorecardFiguresSchema.extend({
  rank: z.number().int(),
  value: z.string(),
  label: z.string(),
  /** Fewer than 30 in the ranked base: read the interval, not the rate. */
  smallSample: z.boolean(),
  previous: scorecardFiguresSchema.extend({ rank: z.number().int().nullable() }),
});
export type ScorecardRow = z.infer<typeof scorecardRowSchema>;

export const scorecardSchema = z.object({
  dimension: z.enum(SCORECARD_DIMENSIONS),
  from: z.string(),
  to: z.string(),
  previousFrom: z.string(),
  previousTo: z.string(),
  /** first_touch: ranked by the Wilson lower bound of 7-day conversion; last_touch: by orders credited. */
  rankedBy: z.enum(['conversion7_low', 'orders_credited']),
  /** When the oldest figure used was computed (a rollup's time, or now when read from raw data). */
  asOf: z.string(),
  /** How many values have figures in either period; `rows` holds the best `limit` of them. */
  total: z.number().int(),
  rows: z.array(scorecardRowSchema),
});
export type Scorecard = z.infer<typeof scorecardSchema>;

/** Below this many in a base, a rate is marked a small sample. */
export const SMALL_SAMPLE = 30;
