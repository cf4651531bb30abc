import { z } from 'zod';
import { objectIdSchema } from './common';

/**
 * Churn alerts: a resident who left their store's group, or whose orders stopped for N days after
 * they had ordered, lands on their advisor's to-do list with a suggested action, once per episode.
 */

export const CHURN_KINDS = ['left_group', 'lapsed'] as const;
export type ChurnKind = (typeof CHURN_KINDS)[number];
export const CHURN_STATUSES = ['open', 'closed'] as const;
/** `done`: staff marked it handled; `ordered`: the resident ordered again; `rejoined`: they came back to the group. */
export const CHURN_CLOSE_REASONS = ['done', 'ordered', 'rejoined'] as const;

/** What to do, by kind, in the words the advisor reads. */
export const CHURN_SUGGESTIONS: Record<ChurnKind, string> = {
  left_group: '邀请回群：私聊问候，问问退群原因，再发一次入群邀请',
  lapsed: '私聊问候并送券：问问最近是否有不满意的地方，送一张回购券',
};

export const churnAlertQuerySchema = z.object({
  status: z.enum(CHURN_STATUSES, { error: '状态只能是 open（待处理）或 closed（已关闭）' }).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const churnAlertParamsSchema = z.object({ alertId: z.string().min(1).max(200) });

export const churnAlertDoneSchema = z.object({ note: z.string().trim().max(200, '备注最多 200 个字').optional() }).default({});

export const churnAlertSchema = z.object({
  id: z.string(),
  kind: z.enum(CHURN_KINDS),
  residentId: objectIdSchema,
  residentName: z.string(),
  /** The last 4 digits only: enough to recognise, not to leak. */
  phoneTail: z.string().nullable(),
  storeId: objectIdSchema.nullable(),
  advisorId: objectIdSchema.nullable(),
  suggestion: z.string(),
  /** When the resident left, or their last order. */
  since: z.string(),
  /** Whole days since then, when it was detected. */
  days: z.number().int(),
  detectedAt: z.string(),
  status: z.enum(CHURN_STATUSES),
  closedReason: z.enum(CHURN_CLOSE_REASONS).nullable(),
  closedAt: z.string().nullable(),
  note: z.string().nullable(),
});
export type ChurnAlert = z.infer<typeof churnAlertSchema>;

export const churnDetectResultSchema = z.object({ opened: z.number().int(), closed: z.number().int() });
export type ChurnDetectResult = z.infer<typeof churnDetectResultSchema>;
