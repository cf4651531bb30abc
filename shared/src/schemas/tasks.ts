import { z } from 'zod';
import { objectIdSchema } from './common';
import { idempotencyKeySchema } from './points';

/** 新手任务 (guide a new resident through the first days), 日常任务 (keep residents active), 特定任务 (switched on for a goal). */
export const TASK_KINDS = ['newbie', 'daily', 'special'] as const;
export const taskKindSchema = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof taskKindSchema>;

/** What a resident did. Each event advances the tasks whose `eventType` it is. */
export const TASK_EVENT_TYPES = [
  'signup_completed',
  'profile_completed',
  'joined_group',
  'group_checkin',
  'first_order',
  'order_completed',
  'invite_succeeded',
  'activity_viewed',
  /** An offline store visit reported by staff (the brief counts offline touchpoints as activity). */
  'store_visited',
  /** Content (邻里圈, see schemas/content): the server records each once per item and resident. */
  'comment_posted',
  'post_published',
  /** A post tagged with one of the author's completed orders (晒单); recorded beside `post_published`. */
  'order_shown',
  'post_liked',
  'post_saved',
  'post_shared',
] as const;
export const taskEventTypeSchema = z.enum(TASK_EVENT_TYPES);
export type TaskEventType = z.infer<typeof taskEventTypeSchema>;

/**
 * The only events the mini-program may report itself (opening the offers page). Everything else
 * (orders, invites, group activity, sign-up, a filled profile, the daily check-in) is witnessed by
 * the server or the bot and recorded by them.
 */
export const CLIENT_REPORTABLE_EVENT_TYPES: readonly TaskEventType[] = ['activity_viewed'];

export const TASK_EVENT_SOURCES = ['server', 'miniprogram', 'bot'] as const;
export const taskEventSourceSchema = z.enum(TASK_EVENT_SOURCES);
export type TaskEventSource = z.infer<typeof taskEventSourceSchema>;

/** How often a task can be done again: its progress is kept per period key (see rules/task-periods). */
export const TASK_PERIOD_KINDS = ['once', 'daily', 'weekly', 'range'] as const;
export const taskPeriodKindSchema = z.enum(TASK_PERIOD_KINDS);
export type TaskPeriodKind = z.infer<typeof taskPeriodKindSchema>;

const isoInstant = z.iso.datetime({ offset: true });

export const taskPeriodInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('once') }),
  z.object({ kind: z.literal('daily') }),
  z.object({ kind: z.literal('weekly') }),
  z.object({ kind: z.literal('range'), startsAt: isoInstant, endsAt: isoInstant.describe('exclusive') }),
]);
export type TaskPeriodInput = z.infer<typeof taskPeriodInputSchema>;

export const MAX_NEWBIE_WINDOW_DAYS = 90;

const taskText = {
  title: z.string().max(30).trim().min(1),
  description: z.string().max(200).trim(),
  /** What to do next, e.g. "去门店扫码" or "在社群发送“签到”". */
  nextStep: z.string().max(40).trim().min(1),
};

const taskDefinitionFields = z.object({
  kind: taskKindSchema,
  eventType: taskEventTypeSchema,
  /** How many events of the type complete the task within one period. */
  target: z.number().int().min(1).max(1000),
  period: taskPeriodInputSchema,
  /** Points awarded once per completed period; 0 for a task without a reward. */
  rewardPoints: z.number().int().min(0).max(100_000),
  /** Newbie tasks only: the task applies during this many days after the resident registered. */
  newbieWindowDays: z.number().int().min(1).max(MAX_NEWBIE_WINDOW_DAYS).nullable(),
  /** Limit to one store, or to one city (not both); neither means every resident. */
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  /** Special tasks only: limit the task to the residents of a saved audience (see /audiences). */
  audienceId: objectIdSchema.nullable(),
  active: z.boolean(),
  /** Smaller first within its group. */
  displayOrder: z.number().int().min(-10_000).max(10_000),
  ...taskText,
});
type TaskDefinitionFields = z.infer<typeof taskDefinitionFields>;

/** Rules across fields, shared by create and by an update merged onto the stored task. */
function checkTaskDefinition(task: TaskDefinitionFields, ctx: z.RefinementCtx): void {
  if (task.kind === 'newbie' && task.newbieWindowDays === null) {
    ctx.addIssue({ code: 'custom', path: ['newbieWindowDays'], message: '新手任务要填写注册后多少天内有效' });
  }
  if (task.kind !== 'newbie' && task.newbieWindowDays !== null) {
    ctx.addIssue({ code: 'custom', path: ['newbieWindowDays'], message: '只有新手任务才有注册后的有效天数' });
  }
  if (task.storeId && task.cityId) {
    ctx.addIssue({ code: 'custom', path: ['cityId'], message: '任务只能限定一个门店或一个城市，不能同时限定' });
  }
  if (task.audienceId && task.kind !== 'special') {
    ctx.addIssue({ code: 'custom', path: ['audienceId'], message: '只有专项任务可以限定人群' });
  }
  if (task.period.kind === 'range' && Date.parse(task.period.startsAt) >= Date.parse(task.period.endsAt)) {
    ctx.addIssue({ code: 'custom', path: ['period', 'endsAt'], message: '结束时间要晚于开始时间' });
  }
}

export const createTaskDefinitionSchema = taskDefinitionFields
  .extend({
    newbieWindowDays: taskDefinitionFields.shape.newbieWindowDays.default(null),
    storeId: taskDefinitionFields.shape.storeId.default(null),
    cityId: taskDefinitionFields.shape.cityId.default(null),
    audienceId: taskDefinitionFields.shape.audienceId.default(null),
    active: z.boolean().default(true),
    displayOrder: taskDefinitionFields.shape.displayOrder.default(0),
    description: taskText.description.default(''),
  })
  .superRefine(checkTaskDefinition);
export type CreateTaskDefinition = z.output<typeof createTaskDefinitionSchema>;

/** The whole definition after an update is merged in; validated with the same cross-field rules. */
export const taskDefinitionStateSchema = taskDefinitionFields.superRefine(checkTaskDefinition);

/**
 * A change to a task; `active: false` switches it off. The kind and the event type stay fixed
 * (progress already counted means nothing under another type): make a new task instead.
 */
export const updateTaskDefinitionSchema = z
  .object({
    target: taskDefinitionFields.shape.target,
    period: taskPeriodInputSchema,
    rewardPoints: taskDefinitionFields.shape.rewardPoints,
    newbieWindowDays: taskDefinitionFields.shape.newbieWindowDays,
    storeId: objectIdSchema.nullable(),
    cityId: objectIdSchema.nullable(),
    audienceId: objectIdSchema.nullable(),
    active: z.boolean(),
    displayOrder: taskDefinitionFields.shape.displayOrder,
    ...taskText,
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field');
export type UpdateTaskDefinition = z.output<typeof updateTaskDefinitionSchema>;

export const taskPeriodSchema = z.object({
  kind: taskPeriodKindSchema,
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
});

export const taskDefinitionSchema = z.object({
  id: objectIdSchema,
  kind: taskKindSchema,
  eventType: taskEventTypeSchema,
  target: z.number().int(),
  period: taskPeriodSchema,
  rewardPoints: z.number().int(),
  newbieWindowDays: z.number().int().nullable(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  audienceId: objectIdSchema.nullable(),
  active: z.boolean(),
  displayOrder: z.number().int(),
  title: z.string(),
  description: z.string(),
  nextStep: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TaskDefinition = z.infer<typeof taskDefinitionSchema>;

export const taskDefinitionListQuerySchema = z.object({
  kind: taskKindSchema.optional(),
  active: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  storeId: objectIdSchema.optional(),
});

export const TASK_STATES = ['not_started', 'in_progress', 'completed'] as const;
export const taskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof taskStateSchema>;

/** One task as a resident sees it, for the current period. */
export const taskProgressSchema = z.object({
  taskId: objectIdSchema,
  kind: taskKindSchema,
  eventType: taskEventTypeSchema,
  title: z.string(),
  description: z.string(),
  nextStep: z.string(),
  rewardPoints: z.number().int(),
  target: z.number().int(),
  /** Events counted in this period, at most `target`. */
  progress: z.number().int(),
  state: taskStateSchema,
  period: taskPeriodKindSchema,
  /** `YYYY-MM-DD`, `YYYY-Www`, `once` or `range:<taskId>`. */
  periodKey: z.string(),
  /** When the task stops applying (end of a newbie window or of a date range); null if open-ended. */
  availableUntil: z.string().nullable(),
});
export type TaskProgress = z.infer<typeof taskProgressSchema>;

export const myTasksSchema = z.object({
  newbie: z.array(taskProgressSchema),
  daily: z.array(taskProgressSchema),
  special: z.array(taskProgressSchema),
});
export type MyTasks = z.infer<typeof myTasksSchema>;

const eventMetaSchema = z
  .record(z.string().max(40), z.union([z.string().max(200), z.number(), z.boolean()]))
  .refine((meta) => Object.keys(meta).length <= 20, 'at most 20 entries');

/**
 * An event reported by the mini-program. Only `CLIENT_REPORTABLE_EVENT_TYPES` are accepted; the
 * server stamps the time (a client clock could otherwise move an event into another day).
 */
export const reportTaskEventSchema = z.object({
  type: taskEventTypeSchema,
  /** The same key always means the same event, counted once. */
  idempotencyKey: idempotencyKeySchema,
  meta: eventMetaSchema.optional(),
});

export const taskEventResultSchema = z.object({
  eventId: objectIdSchema,
  /** True when this key was seen before: nothing new was counted (a half-done award was finished). */
  duplicate: z.boolean(),
  /** The tasks this event counts toward, after counting it. */
  tasks: z.array(taskProgressSchema),
});
export type TaskEventResult = z.infer<typeof taskEventResultSchema>;

export const taskFunnelQuerySchema = z.object({
  storeId: objectIdSchema,
  /** Defaults to 14 days before `to` (the biweekly review). */
  from: isoInstant.optional(),
  /** Defaults to now; exclusive. */
  to: isoInstant.optional(),
});

export const taskFunnelRowSchema = z.object({
  taskId: objectIdSchema,
  kind: taskKindSchema,
  title: z.string(),
  active: z.boolean(),
  /** Distinct residents of the store who were shown the task in the window. */
  saw: z.number().int(),
  /** ... who had at least one event counted toward it. */
  started: z.number().int(),
  /** ... who completed it (any period). */
  completed: z.number().int(),
  /** started / saw; null when nobody saw it. */
  openRate: z.number().nullable(),
  /** completed / saw; null when nobody saw it. */
  completionRate: z.number().nullable(),
});

export const taskFunnelSchema = z.object({
  storeId: objectIdSchema,
  from: z.string(),
  to: z.string(),
  tasks: z.array(taskFunnelRowSchema),
});
export type TaskFunnel = z.infer<typeof taskFunnelSchema>;
