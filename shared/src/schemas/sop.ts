import { z } from 'zod';
import { parseTimeOfDay } from '../rules/sop';
import { objectIdSchema } from './common';
import { miniProgramCardSchema } from './groups';

/**
 * SOP content plans: messages the bot says on a schedule, relative to a resident's journey (N days
 * after joining the group, registering, the first order, M days without an order) or on a weekly
 * calendar per group (every Friday 18:00, China time). Each is delivered once per resident (journey)
 * or per group and slot (calendar) through the bot's delivery queue.
 */

export const SOP_PLAN_KINDS = ['journey', 'calendar'] as const;
/** `no_order`: `days` after the resident's last order, while they have not ordered again. */
export const SOP_JOURNEY_EVENTS = ['joined_group', 'registered', 'first_order', 'no_order'] as const;
/** `private`: a private message to the resident; `group`: in their group, @-mentioning them. */
export const SOP_CHANNELS = ['private', 'group'] as const;
export const SOP_DISPATCH_STATUSES = ['pending', 'sent', 'skipped', 'failed'] as const;

const optionalId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/i, `${what}编号格式不对`).nullable().optional();
const name = z.string().trim().min(1, '请填写方案名称').max(40, '方案名称最多 40 个字');
const text = z.string().trim().min(1, '请填写要发送的内容').max(1000, '发送内容最多 1000 个字');
const scope = {
  name,
  text,
  /** The store whose groups and residents it covers; a city (city ops) or everything (admins) when absent. */
  storeId: optionalId('门店'),
  cityId: optionalId('城市'),
  /**
   * A mini-program card the bot sends after the text. Its page carries the plan (touch kind `sop`)
   * and the group, so an order after a resident opens it is credited to the plan.
   */
  card: miniProgramCardSchema.nullable().optional(),
};

const journeyInputSchema = z.object({
  kind: z.literal('journey'),
  ...scope,
  event: z.enum(SOP_JOURNEY_EVENTS, { error: '请选择触发时机：入群、注册、首单或多久未下单' }),
  days: z.number({ error: '请填写天数' }).int('天数须是整数').min(0, '天数不能小于 0').max(365, '天数最多 365 天'),
  channel: z.enum(SOP_CHANNELS, { error: '请选择发送方式：私聊或群内' }).default('private'),
});

const calendarInputSchema = z.object({
  kind: z.literal('calendar'),
  ...scope,
  /** One group only; every group in the scope when absent. */
  groupId: optionalId('社群'),
  weekdays: z
    .array(z.number().int().min(1, '星期须在 1（周一）到 7（周日）之间').max(7, '星期须在 1（周一）到 7（周日）之间'), { error: '请选择每周哪几天发送' })
    .min(1, '请至少选择一天')
    .max(7)
    .transform((days) => [...new Set(days)].sort()),
  time: z.string().refine((value) => parseTimeOfDay(value) !== null, '发送时间格式应为 HH:MM，例如 18:00'),
});

export const sopPlanInputSchema = z.discriminatedUnion('kind', [journeyInputSchema, calendarInputSchema], { error: '请选择方案类型：按用户旅程（journey）或按日历（calendar）' });
export type SopPlanInput = z.input<typeof sopPlanInputSchema>;

/** What can change after creation: the text, the card, the name, and whether it runs (dispatches already created keep what they had). */
export const sopPlanPatchSchema = z
  .object({ name: name.optional(), text: text.optional(), card: miniProgramCardSchema.nullable().optional(), active: z.boolean({ error: '启用状态须是 true 或 false' }).optional() })
  .refine((patch) => Object.keys(patch).length > 0, '没有要修改的内容');

export const sopPlanParamsSchema = z.object({ planId: objectIdSchema });

export const sopPlanSchema = z.object({
  id: objectIdSchema,
  kind: z.enum(SOP_PLAN_KINDS),
  name: z.string(),
  text: z.string(),
  card: miniProgramCardSchema.nullable(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  groupId: objectIdSchema.nullable(),
  event: z.enum(SOP_JOURNEY_EVENTS).nullable(),
  days: z.number().int().nullable(),
  channel: z.enum(SOP_CHANNELS).nullable(),
  weekdays: z.array(z.number().int()),
  time: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});
export type SopPlan = z.infer<typeof sopPlanSchema>;

/** Per plan: deliveries created (`due`) and what became of them. */
export const sopReportSchema = z.object({
  planId: objectIdSchema,
  due: z.number().int(),
  pending: z.number().int(),
  sent: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  /** Why deliveries were skipped (e.g. 已退群, 已重新下单), most frequent first. */
  skippedReasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
});
export type SopReport = z.infer<typeof sopReportSchema>;

export const sopMaterialiseResultSchema = z.object({ created: z.number().int(), queued: z.number().int() });
export type SopMaterialiseResult = z.infer<typeof sopMaterialiseResultSchema>;
