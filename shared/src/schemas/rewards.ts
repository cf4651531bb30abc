import { z } from 'zod';
import { objectIdSchema } from './common';
import { idempotencyKeySchema } from './points';

/** 满减券 (money off an order), 商品兑换券 (a product), 服务券 (a store service such as free delivery). */
export const REWARD_KINDS = ['discount', 'product', 'service'] as const;
export const rewardKindSchema = z.enum(REWARD_KINDS);
export type RewardKind = z.infer<typeof rewardKindSchema>;

/**
 * How long the coupon a redemption issues stays valid: a number of China-time calendar days
 * counting the redemption day as day 1, or until a fixed instant (redeeming also stops then).
 */
export const rewardValiditySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('days_after_redemption'), days: z.number().int().min(1).max(366) }),
  z.object({ kind: z.literal('until'), endsAt: z.iso.datetime({ offset: true }) }),
]);
export type RewardValidity = z.infer<typeof rewardValiditySchema>;

/** Where a reward can be redeemed and its coupon used: listed stores (all in one city), or every store of a city. */
export const rewardScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stores'), storeIds: z.array(objectIdSchema).min(1).max(100) }),
  z.object({ kind: z.literal('city'), cityId: objectIdSchema }),
]);
export type RewardScope = z.infer<typeof rewardScopeSchema>;

const rewardFields = z.object({
  name: z.string().max(40).trim().min(1),
  description: z.string().max(500).trim(),
  kind: rewardKindSchema,
  pointsCost: z.number().int().min(1).max(100_000),
  /** Total number of coupons that can ever be redeemed. */
  stock: z.number().int().min(0).max(100_000),
  /** How many times one resident may redeem this reward, ever. */
  perResidentLimit: z.number().int().min(1).max(100),
  validity: rewardValiditySchema,
  scope: rewardScopeSchema,
  active: z.boolean(),
  /** Lower comes first. */
  displayOrder: z.number().int().min(0).max(10_000),
});

export const rewardInputSchema = rewardFields.extend({
  description: rewardFields.shape.description.default(''),
  active: z.boolean().default(true),
  displayOrder: rewardFields.shape.displayOrder.default(0),
});
export type RewardInput = z.infer<typeof rewardInputSchema>;

export const rewardPatchSchema = rewardFields
  .partial()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'give at least one field to change');
export type RewardPatch = z.infer<typeof rewardPatchSchema>;

/** What staff see when managing the catalogue. */
export const rewardSchema = rewardFields.extend({
  id: objectIdSchema,
  cityId: objectIdSchema,
  /** Where it applies, in Chinese, e.g. 限邻里鲜生·徐家汇店使用 / 上海全部门店通用. */
  whereText: z.string(),
  /** Stock slots taken (by completed redemptions and ones still in progress). */
  claimedStock: z.number().int(),
  remainingStock: z.number().int(),
  issuedCoupons: z.number().int(),
  usedCoupons: z.number().int(),
  /** Whether the signed-in staff member may change it. */
  editable: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Reward = z.infer<typeof rewardSchema>;

export const rewardManageQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  active: z.enum(['true', 'false']).optional(),
});

export const REWARD_UNAVAILABLE_REASONS = ['OUT_OF_STOCK', 'LIMIT_REACHED'] as const;

/** A reward as a resident sees it in the points mall. */
export const residentRewardSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  description: z.string(),
  kind: rewardKindSchema,
  pointsCost: z.number().int(),
  validity: rewardValiditySchema,
  whereText: z.string(),
  remainingStock: z.number().int(),
  perResidentLimit: z.number().int(),
  redeemedByMe: z.number().int(),
  /** Stock left and the resident's limit not reached (points are checked when redeeming). */
  canRedeem: z.boolean(),
  unavailableReason: z.enum(REWARD_UNAVAILABLE_REASONS).nullable(),
  /** Chinese text for the button when it cannot be redeemed, e.g. 已兑完. */
  unavailableText: z.string().nullable(),
});
export type ResidentReward = z.infer<typeof residentRewardSchema>;

export const redeemRequestSchema = z.object({
  /** Chosen by the client per redemption attempt; a retry with the same key returns the same outcome. */
  idempotencyKey: idempotencyKeySchema,
});

/** Unambiguous: no 0/O, no 1/I. 32 symbols, so a random byte maps onto it without bias. */
export const COUPON_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const COUPON_CODE_LENGTH = 10;
/** A coupon code as typed or scanned in store; case and surrounding spaces do not matter. */
export const couponCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(new RegExp(`^[${COUPON_CODE_ALPHABET}]{${COUPON_CODE_LENGTH}}$`), `券码是 ${COUPON_CODE_LENGTH} 位字母或数字，请核对后重新输入`);

export const COUPON_STATES = ['available', 'used', 'expired'] as const;
export const couponStateSchema = z.enum(COUPON_STATES);
export type CouponState = z.infer<typeof couponStateSchema>;

export const couponSchema = z.object({
  id: objectIdSchema,
  /** Shown to store staff, who type or scan it. */
  code: z.string(),
  rewardId: objectIdSchema,
  redemptionId: objectIdSchema,
  residentId: objectIdSchema,
  name: z.string(),
  description: z.string(),
  kind: rewardKindSchema,
  pointsCost: z.number().int(),
  scope: rewardScopeSchema,
  whereText: z.string(),
  state: couponStateSchema,
  /** 可使用 / 已使用 / 已过期 */
  stateText: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
  usedStoreId: objectIdSchema.nullable(),
  usedByStaffId: objectIdSchema.nullable(),
});
export type Coupon = z.infer<typeof couponSchema>;

export const myCouponsQuerySchema = z.object({ state: couponStateSchema.optional() });

export const couponUseSchema = z
  .object({
    /** The store where it is used; defaults to the staff member's own store (required for city ops and admins). */
    storeId: objectIdSchema.optional(),
  })
  .default({});

export const REDEMPTION_STATUSES = ['pending', 'completed', 'failed'] as const;

export const redemptionSchema = z.object({
  id: objectIdSchema,
  rewardId: objectIdSchema,
  residentId: objectIdSchema,
  idempotencyKey: z.string(),
  pointsCost: z.number().int(),
  status: z.enum(REDEMPTION_STATUSES),
  coupon: couponSchema.nullable(),
  createdAt: z.string(),
});
export type Redemption = z.infer<typeof redemptionSchema>;
