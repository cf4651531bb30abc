import { z } from 'zod';
import { TEMPLATE_FIELD_KINDS } from '../rules/campaigns';
import { MAX_HOLDOUT_SHARE } from '../rules/holdout';
import { objectIdSchema } from './common';
import { productIdSchema } from './products';

const isoInstant = z.iso.datetime({ offset: true });

/** A WeChat subscribe-message template id as the mini-program console shows it. */
export const templateIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 letters, digits, _ and -');

export const subscribeTemplateSchema = z.object({
  id: templateIdSchema,
  key: z.string(),
  title: z.string(),
  purpose: z.string(),
  fields: z.array(z.object({ name: z.string(), kind: z.enum(TEMPLATE_FIELD_KINDS), label: z.string() })),
});
export type SubscribeTemplateView = z.infer<typeof subscribeTemplateSchema>;

// ---------------------------------------------------------------------------------------------
// Subscriptions (one-time subscribe-message grants)
// ---------------------------------------------------------------------------------------------

export const SUBSCRIPTION_RESULTS = ['accept', 'reject'] as const;

/**
 * What the mini-program reports after `wx.requestSubscribeMessage`, one template per report.
 * `requestId` is chosen by the client per prompt and repeated on a retry, so a retried report
 * records one grant.
 */
export const subscriptionReportSchema = z.object({
  templateId: templateIdSchema,
  result: z.enum(SUBSCRIPTION_RESULTS),
  requestId: z.string().regex(/^[A-Za-z0-9_.-]{8,64}$/, '8-64 characters of letters, digits and _.-'),
});
export type SubscriptionReport = z.infer<typeof subscriptionReportSchema>;

export const subscriptionReportResultSchema = z.object({
  templateId: templateIdSchema,
  result: z.enum(SUBSCRIPTION_RESULTS),
  /** The grant an acceptance created (the same on a retry); null for a rejection. */
  grantId: z.string().nullable(),
  /** True when this report was already recorded (a retry). */
  duplicate: z.boolean(),
  /** Unused grants of this template the resident has now. */
  unusedGrants: z.number().int(),
});
export type SubscriptionReportResult = z.infer<typeof subscriptionReportResultSchema>;

export const mySubscriptionsSchema = z.array(
  z.object({
    template: subscribeTemplateSchema,
    /** Messages of this template the platform may still send the resident (one per acceptance). */
    unusedGrants: z.number().int(),
  }),
);
export type MySubscriptions = z.infer<typeof mySubscriptionsSchema>;

// ---------------------------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------------------------

/** The share of an audience held out as the control group (not reached), 0 to 0.5. */
export const holdoutShareSchema = z
  .number('对照组比例要填 0 到 0.5 之间的小数')
  .min(0, '对照组比例不能小于 0')
  .max(MAX_HOLDOUT_SHARE, '对照组比例最多 0.5（一半的人不触达）');

export const productAudienceLimitSchema = z.number().int().min(1).max(50_000);

export const pushTargetSchema = z.union([
  z.object({ audienceId: objectIdSchema }).strict(),
  z.object({ productAudience: z.object({ productId: productIdSchema, limit: productAudienceLimitSchema }).strict() }).strict(),
]);
export type PushTarget = z.infer<typeof pushTargetSchema>;

/** A mini-program page path without a leading slash, optionally with a query string. */
export const miniprogramPageSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*(\?[A-Za-z0-9_=&%.-]*)?$/, 'a mini-program page path such as pages/index/index (no leading slash)');

export const pushInputSchema = z.object({
  name: z.string().max(60).trim().min(1),
  target: pushTargetSchema,
  templateId: templateIdSchema,
  /** Template field name → value, e.g. `{ "thing1": "有机菠菜特价" }`; checked against the template's fields. */
  data: z.record(z.string().regex(/^[a-z_]+\d+$/, 'a template field name such as thing1'), z.string().max(200)),
  page: miniprogramPageSchema,
  /** Hold out this share of the target at random (stable per resident): they get no message, and the push's effect is measured against them. */
  holdoutShare: holdoutShareSchema.optional(),
});
export type PushInput = z.infer<typeof pushInputSchema>;

export const PUSH_STATUSES = ['created', 'sending', 'paused_quota', 'completed'] as const;

export const deliveryCountsSchema = z.object({
  targeted: z.number().int(),
  /** Not attempted yet, or stopped by the daily quota: the next send tries them. */
  pending: z.number().int(),
  /** Claimed by a sender that is still within the stale limit. */
  sending: z.number().int(),
  sent: z.number().int(),
  /** Skipped: no unused grant of the template when its turn came. */
  no_grant: z.number().int(),
  /** WeChat answered 43101: the resident's grant is used up or they turned the messages off; not retried. */
  refused: z.number().int(),
  invalid_openid: z.number().int(),
  /** A definite WeChat error; the next send retries it. */
  failed: z.number().int(),
  /** The call may or may not have reached the resident (no answer, or a sender died mid-call); never resent. */
  unknown: z.number().int(),
  /** In the push's hold-out group: deliberately not sent, the control group of its effect. */
  held_out: z.number().int(),
});
export type DeliveryCounts = z.infer<typeof deliveryCountsSchema>;

export const pushSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  templateId: templateIdSchema,
  templateTitle: z.string(),
  data: z.record(z.string(), z.string()),
  page: z.string(),
  target: z.object({
    audienceId: objectIdSchema.nullable(),
    audienceName: z.string().nullable(),
    productId: z.string().nullable(),
    limit: z.number().int().nullable(),
  }),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  status: z.enum(PUSH_STATUSES),
  /** The share held out (0 when none). */
  holdoutShare: z.number(),
  counts: deliveryCountsSchema,
  createdAt: z.string(),
  lastSentAt: z.string().nullable(),
});
export type Push = z.infer<typeof pushSchema>;

export const pushListItemSchema = pushSchema.omit({ counts: true }).extend({ targeted: z.number().int() });
export type PushListItem = z.infer<typeof pushListItemSchema>;

export const sendReportSchema = z.object({
  pushId: objectIdSchema,
  /** What this run did, by outcome (residents another sender was handling count as `busy`). */
  run: z.object({
    sent: z.number().int(),
    no_grant: z.number().int(),
    refused: z.number().int(),
    invalid_openid: z.number().int(),
    quota: z.number().int(),
    failed: z.number().int(),
    unknown: z.number().int(),
    held_out: z.number().int(),
    busy: z.number().int(),
  }),
  /** `quota` when WeChat's daily quota stopped the run; the pending ones go out on a later send. */
  stoppedBy: z.enum(['quota']).nullable(),
  push: pushSchema,
});
export type SendReport = z.infer<typeof sendReportSchema>;

// ---------------------------------------------------------------------------------------------
// Slow-moving products and product audiences
// ---------------------------------------------------------------------------------------------

export const slowMovingQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  days: z.coerce.number().int().min(1).max(180).default(30),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

export const slowMovingSchema = z.object({
  storeId: objectIdSchema,
  days: z.number().int(),
  from: z.string(),
  to: z.string(),
  /** Active products of the store considered. */
  products: z.number().int(),
  medianVelocity: z.number(),
  items: z.array(
    z.object({
      productId: z.string(),
      name: z.string(),
      category: z.string(),
      units: z.number().int(),
      orders: z.number().int(),
      revenueCents: z.number().int(),
      velocity: z.number(),
      velocityRatio: z.number().nullable(),
      lastSoldAt: z.string().nullable(),
      daysSinceLastSale: z.number().int().nullable(),
    }),
  ),
});
export type SlowMoving = z.infer<typeof slowMovingSchema>;

export const productAudienceQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const productAudienceSchema = z.object({
  productId: z.string(),
  productName: z.string(),
  /** Residents with any interest score for the product, before scope and store narrowing. */
  scored: z.number().int(),
  residents: z.array(
    z.object({ residentId: objectIdSchema, nickname: z.string().nullable(), storeId: objectIdSchema.nullable(), score: z.number(), rank: z.number().int() }),
  ),
});
export type ProductAudience = z.infer<typeof productAudienceSchema>;

// ---------------------------------------------------------------------------------------------
// Hold-out comparisons (lift against residents who were not reached)
// ---------------------------------------------------------------------------------------------

const rateGroupSchema = z.object({
  /** Residents in the group. */
  size: z.number().int(),
  /** Of them, residents with at least one counted order. */
  buyers: z.number().int(),
  orders: z.number().int(),
  revenueCents: z.number().int(),
  /** buyers / size; null for an empty group. */
  buyerRate: z.number().nullable(),
});

/**
 * Treated (meant to be reached) versus held out, by intention to treat: a treated resident the
 * message never reached (no grant) still counts as treated, so the two groups differ only by the
 * random split.
 */
export const holdoutComparisonSchema = z.object({
  share: z.number(),
  treated: rateGroupSchema,
  heldOut: rateGroupSchema,
  /** Buyer rate treated − held out with its 95% interval (Newcombe's hybrid score); null when a group is empty. */
  lift: z
    .object({ difference: z.number(), low: z.number(), high: z.number() })
    .nullable(),
});
export type HoldoutComparison = z.infer<typeof holdoutComparisonSchema>;

export const pushEffectQuerySchema = z.object({
  days: z.coerce.number('天数要填 1 到 60 的整数').int('天数要填整数').min(1, '天数至少 1 天').max(60, '天数最多 60 天').default(7),
});

export const pushEffectSchema = z.object({
  pushId: objectIdSchema,
  days: z.number().int(),
  /** When the push was first sent; the window starts there. */
  from: z.string(),
  /** from + days, or now when that is still ahead. */
  to: z.string(),
  complete: z.boolean(),
  /** Completed orders of any product in the window. */
  comparison: holdoutComparisonSchema,
});
export type PushEffect = z.infer<typeof pushEffectSchema>;

// ---------------------------------------------------------------------------------------------
// Promotions
// ---------------------------------------------------------------------------------------------

export const promotionInputSchema = z
  .object({
    name: z.string().max(60).trim().min(1),
    productId: productIdSchema,
    storeId: objectIdSchema.optional(),
    audience: z.union([
      z.object({ audienceId: objectIdSchema }).strict(),
      z.object({ productAudience: z.object({ limit: productAudienceLimitSchema }).strict() }).strict(),
    ]),
    startAt: isoInstant,
    endAt: isoInstant,
    pushId: objectIdSchema.optional(),
    /**
     * Hold out this share of the audience as the control group. With a push that has its own
     * hold-out, the push's split is used (the residents it did not message); leave it out then.
     */
    holdoutShare: holdoutShareSchema.optional(),
  })
  .refine((input) => new Date(input.endAt) > new Date(input.startAt), { message: '结束时间要晚于开始时间', path: ['endAt'] })
  .refine((input) => new Date(input.endAt).getTime() - new Date(input.startAt).getTime() <= 180 * 24 * 3600_000, {
    message: '一次促销最长 180 天',
    path: ['endAt'],
  });
export type PromotionInput = z.infer<typeof promotionInputSchema>;

export const promotionSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  productId: z.string(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  audienceId: objectIdSchema.nullable(),
  audienceName: z.string().nullable(),
  audienceSize: z.number().int(),
  startAt: z.string(),
  endAt: z.string(),
  pushId: objectIdSchema.nullable(),
  /** The hold-out split: the experiment id hashed with each resident (the push's or the promotion's id) and the share; null without one. */
  holdout: z.object({ experimentId: z.string(), share: z.number() }).nullable(),
  createdAt: z.string(),
});
export type Promotion = z.infer<typeof promotionSchema>;

const groupSalesSchema = z.object({
  size: z.number().int(),
  units: z.number().int(),
  orders: z.number().int(),
  buyers: z.number().int(),
  revenueCents: z.number().int(),
  buyerRate: z.number().nullable(),
  unitsPerCapita: z.number().nullable(),
});

export const promotionEffectSchema = z.object({
  promotion: promotionSchema,
  windows: z.object({ beforeStart: z.string(), start: z.string(), end: z.string() }),
  /** False while the campaign is still running: the windows end now. */
  complete: z.boolean(),
  before: z.object({ audience: groupSalesSchema, others: groupSalesSchema }),
  during: z.object({ audience: groupSalesSchema, others: groupSalesSchema }),
  lift: z.object({ buyerRate: z.number().nullable(), unitsPerCapita: z.number().nullable() }),
  /** Treated versus held-out members during the campaign, when the promotion has a hold-out; null otherwise. */
  holdout: holdoutComparisonSchema.nullable(),
});
export type PromotionEffectView = z.infer<typeof promotionEffectSchema>;
