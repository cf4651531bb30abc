import { z } from 'zod';
import { objectIdSchema } from './common';

/*
 * Labels serve business scenarios (the brief, point 8): every label definition belongs to one or
 * more scenarios and to a category and subcategory. Scenarios and definitions live in the database
 * and are edited by operations through the API; the rules that compute rule labels are built in
 * and chosen by name, with their parameters, in the definition.
 */

/** A scenario or label key: lowercase, starts with a letter, e.g. `lapsed_repurchase`. */
export const labelKeySchema = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, '标签键为 2-40 位小写字母、数字或下划线，以字母开头');

/** One label value: an enum key (`active`), an id (stores, communities) or a category name (interest). */
export const labelValueSchema = z.string().max(40).trim().min(1);

/** `rule`: computed by a built-in rule; `interest`: read from the interest prediction; `manual`: set by staff. */
export const LABEL_KINDS = ['rule', 'interest', 'manual'] as const;
export const labelKindSchema = z.enum(LABEL_KINDS);
export type LabelKind = z.infer<typeof labelKindSchema>;

/** The built-in rules a definition can use (`interest_category` is the interest family's rule). */
export const LABEL_RULES = ['lifecycle', 'recency', 'frequency', 'monetary', 'newbie_tasks', 'group', 'invite_quality', 'community', 'store', 'interest_category'] as const;
export type LabelRuleName = (typeof LABEL_RULES)[number];

const days = (max: number) => z.number().int().min(1).max(max);

/** Three ascending thresholds split a measure into four bands. */
function ascending3<T extends z.ZodNumber>(item: T) {
  return z
    .tuple([item, item, item])
    .refine((thresholds) => thresholds[0]! < thresholds[1]! && thresholds[1]! < thresholds[2]!, 'thresholds must be strictly ascending');
}

/**
 * Lifecycle: `new` on the registration day; `newbie` within `newbieDays` of registering without a
 * completed order; then by the last activity (completed order, activity event, registration):
 * `active` or `resurrected` at most `activeDays` ago, `dormant` at most `lostDays` ago, else `lost`.
 */
export const lifecycleParamsSchema = z
  .object({ newbieDays: days(60).default(7), activeDays: days(365).default(30), lostDays: days(730).default(90) })
  .refine((params) => params.newbieDays <= params.activeDays && params.activeDays < params.lostDays, 'need newbieDays <= activeDays < lostDays');
/** Recency: days since the last completed order, banded at the thresholds (inclusive). */
export const recencyParamsSchema = z.object({ thresholdsDays: ascending3(days(3650)).default([7, 30, 90]) });
/** Frequency: completed orders in the last `windowDays`; band n starts at threshold n. */
export const frequencyParamsSchema = z.object({ windowDays: days(730).default(90), thresholds: ascending3(z.number().int().min(1).max(100_000)).default([1, 3, 6]) });
/** Monetary: spend (cents) on completed orders in the last `windowDays`; band n starts at threshold n. */
export const monetaryParamsSchema = z.object({
  windowDays: days(730).default(90),
  thresholdsCents: ascending3(z.number().int().min(1).max(1_000_000_000)).default([1, 20_000, 80_000]),
});
/** Group: `active` with a check-in or a message in the last `activeDays`. */
export const groupParamsSchema = z.object({ activeDays: days(365).default(30) });
/** Invite quality: `good` when at least `goodShare` of the judged invitees qualified (ordered in time). */
export const inviteQualityParamsSchema = z.object({ goodShare: z.number().min(0.01).max(1).default(0.5) });
/** Interest: the resident's top `topN` predicted categories. */
export const interestCategoryParamsSchema = z.object({ topN: z.number().int().min(1).max(10).default(3) });
const noParamsSchema = z.object({}).strict();

export const labelRuleSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('lifecycle'), params: lifecycleParamsSchema.prefault({}) }),
  z.object({ name: z.literal('recency'), params: recencyParamsSchema.prefault({}) }),
  z.object({ name: z.literal('frequency'), params: frequencyParamsSchema.prefault({}) }),
  z.object({ name: z.literal('monetary'), params: monetaryParamsSchema.prefault({}) }),
  z.object({ name: z.literal('newbie_tasks'), params: noParamsSchema.prefault({}) }),
  z.object({ name: z.literal('group'), params: groupParamsSchema.prefault({}) }),
  z.object({ name: z.literal('invite_quality'), params: inviteQualityParamsSchema.prefault({}) }),
  z.object({ name: z.literal('community'), params: noParamsSchema.prefault({}) }),
  z.object({ name: z.literal('store'), params: noParamsSchema.prefault({}) }),
  z.object({ name: z.literal('interest_category'), params: interestCategoryParamsSchema.prefault({}) }),
]);
export type LabelRule = z.output<typeof labelRuleSchema>;

/**
 * The values each rule can produce, with default Chinese display names. `objectId` and `text`
 * rules produce open values (an id, a category name) rather than a fixed list.
 */
export const RULE_VALUES: Record<LabelRuleName, { value: string; name: string }[] | 'objectId' | 'text'> = {
  lifecycle: [
    { value: 'new', name: '新注册' },
    { value: 'newbie', name: '新手期' },
    { value: 'active', name: '活跃' },
    { value: 'resurrected', name: '回流' },
    { value: 'dormant', name: '沉默' },
    { value: 'lost', name: '流失' },
  ],
  recency: [
    { value: 'r1', name: '近期下单' },
    { value: 'r2', name: '较近下单' },
    { value: 'r3', name: '较久未下单' },
    { value: 'r4', name: '很久未下单' },
    { value: 'none', name: '从未下单' },
  ],
  frequency: [
    { value: 'f0', name: '无购买' },
    { value: 'f1', name: '低频' },
    { value: 'f2', name: '中频' },
    { value: 'f3', name: '高频' },
  ],
  monetary: [
    { value: 'm0', name: '无消费' },
    { value: 'm1', name: '低消费' },
    { value: 'm2', name: '中消费' },
    { value: 'm3', name: '高消费' },
  ],
  newbie_tasks: [
    { value: 'none', name: '无新手任务' },
    { value: 'not_started', name: '未开始' },
    { value: 'in_progress', name: '进行中' },
    { value: 'completed', name: '已完成' },
  ],
  group: [
    { value: 'none', name: '未入群' },
    { value: 'silent', name: '群内沉默' },
    { value: 'active', name: '群内活跃' },
  ],
  invite_quality: [
    { value: 'none', name: '未邀请' },
    { value: 'pending', name: '待观察' },
    { value: 'good', name: '优质邀请' },
    { value: 'low', name: '低质邀请' },
    { value: 'flagged', name: '风控标记' },
  ],
  community: 'objectId',
  store: 'objectId',
  interest_category: 'text',
};

export const labelValueOptionSchema = z.object({ value: labelValueSchema, name: z.string().max(20).trim().min(1) });
export type LabelValueOption = z.infer<typeof labelValueOptionSchema>;

export const scenarioInputSchema = z.object({
  name: z.string().max(30).trim().min(1),
  description: z.string().max(300).trim().default(''),
  active: z.boolean().default(true),
});
export type ScenarioInput = z.output<typeof scenarioInputSchema>;

export const scenarioSchema = scenarioInputSchema.extend({ key: labelKeySchema, updatedAt: z.string() });
export type Scenario = z.infer<typeof scenarioSchema>;

/** Rules across the fields of a definition: the kind decides whether a rule and a value list are needed. */
function checkDefinition(definition: { kind: LabelKind; rule: LabelRule | null; values: LabelValueOption[] }, ctx: z.RefinementCtx): void {
  const { kind, rule, values } = definition;
  if (kind === 'manual') {
    if (rule) ctx.addIssue({ code: 'custom', path: ['rule'], message: '手动标签不需要规则' });
    if (values.length === 0) ctx.addIssue({ code: 'custom', path: ['values'], message: '手动标签要填写可选的取值' });
  } else if (!rule) {
    ctx.addIssue({ code: 'custom', path: ['rule'], message: `a ${kind} label needs a rule` });
  } else if ((kind === 'interest') !== (rule.name === 'interest_category')) {
    ctx.addIssue({ code: 'custom', path: ['rule', 'name'], message: kind === 'interest' ? 'an interest label uses the interest_category rule' : 'interest_category is for interest labels' });
  } else {
    checkRuleValues(rule.name, values, ctx);
  }
  const seen = new Set<string>();
  values.forEach((option, index) => {
    if (seen.has(option.value)) ctx.addIssue({ code: 'custom', path: ['values', index, 'value'], message: `duplicate value ${option.value}` });
    seen.add(option.value);
  });
}

/** A rule label's value list may rename the rule's values, but not add or drop any. */
function checkRuleValues(ruleName: LabelRuleName, values: LabelValueOption[], ctx: z.RefinementCtx): void {
  const produced = RULE_VALUES[ruleName];
  if (!Array.isArray(produced)) {
    if (values.length > 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `the ${ruleName} rule has open values; leave values empty` });
    return;
  }
  if (values.length === 0) return;
  const expected = produced.map((option) => option.value).sort();
  const given = values.map((option) => option.value).sort();
  if (JSON.stringify(expected) !== JSON.stringify(given)) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: `the ${ruleName} rule produces exactly: ${expected.join(', ')}` });
  }
}

const definitionFields = z.object({
  name: z.string().max(30).trim().min(1),
  description: z.string().max(300).trim().default(''),
  scenarioKeys: z.array(labelKeySchema).max(20).default([]),
  /** 标签类别 and 子类别, e.g. 消费行为 / RFM. */
  category: z.string().max(20).trim().min(1),
  subcategory: z.string().max(20).trim().default(''),
  kind: labelKindSchema,
  rule: labelRuleSchema.nullable().default(null),
  /** Allowed values with display names; for a rule label, empty means the rule's defaults. */
  values: z.array(labelValueOptionSchema).max(100).default([]),
  active: z.boolean().default(true),
});

/** The body of `PUT /labels/definitions/:key`: the whole definition (an upsert). */
export const labelDefinitionInputSchema = definitionFields.superRefine(checkDefinition);
export type LabelDefinitionInput = z.output<typeof labelDefinitionInputSchema>;

export const labelDefinitionSchema = z.object({
  key: labelKeySchema,
  name: z.string(),
  description: z.string(),
  scenarioKeys: z.array(z.string()),
  category: z.string(),
  subcategory: z.string(),
  kind: labelKindSchema,
  rule: z.object({ name: z.enum(LABEL_RULES), params: z.record(z.string(), z.unknown()) }).nullable(),
  /** The values with display names; empty for open values (ids, category names). */
  values: z.array(labelValueOptionSchema),
  /** `enum` values are listed; `objectId` and `text` are open. */
  valueFormat: z.enum(['enum', 'objectId', 'text']),
  active: z.boolean(),
  updatedAt: z.string(),
});
export type LabelDefinition = z.infer<typeof labelDefinitionSchema>;

export const labelKeyParamsSchema = z.object({ key: labelKeySchema });

/** One label of a resident as staff see it. `values` has one entry for most labels, up to N for interest. */
export const residentLabelSchema = z.object({
  key: z.string(),
  name: z.string(),
  category: z.string(),
  subcategory: z.string(),
  kind: labelKindSchema,
  values: z.array(z.object({ value: z.string(), name: z.string() })),
  /** Why, in Chinese, e.g. "最近一次下单在 45 天前". */
  reason: z.string(),
  /** Since when the label has had these values. */
  setAt: z.string(),
});
export type ResidentLabel = z.infer<typeof residentLabelSchema>;

export const residentLabelsSchema = z.object({
  residentId: objectIdSchema,
  computedAt: z.string().nullable(),
  labels: z.array(residentLabelSchema),
});
export type ResidentLabels = z.infer<typeof residentLabelsSchema>;

export const residentLabelParamsSchema = z.object({ residentId: objectIdSchema, key: labelKeySchema });

/** The body of `PUT /residents/:residentId/labels/:key` (manual labels only). */
export const setManualLabelSchema = z.object({
  value: labelValueSchema,
  reason: z.string().max(100).trim().min(1),
});

export const recomputeResultSchema = z.object({
  residents: z.number().int(),
  written: z.number().int(),
  removed: z.number().int(),
  durationMs: z.number().int(),
});
export type RecomputeResult = z.infer<typeof recomputeResultSchema>;
