import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { REDEMPTION_STATUSES, REWARD_KINDS } from '@o2o/shared/schemas/rewards';

const validitySchema = new Schema(
  {
    kind: { type: String, enum: ['days_after_redemption', 'until'], required: true },
    days: { type: Number, default: null },
    endsAt: { type: Date, default: null },
  },
  { _id: false },
);

const SCOPE_KINDS = ['stores', 'city'] as const;

/** Where a reward applies: `storeIds` when scoped to stores, every store of `cityId` when city-wide. */
const scopeFields = {
  cityId: { type: Schema.Types.ObjectId, required: true },
  scopeKind: { type: String, enum: SCOPE_KINDS, required: true },
  storeIds: { type: [Schema.Types.ObjectId], default: [] },
};

/** The catalogue: what residents can spend points on. Stock and limits are enforced by slots, not by counters here. */
const rewardSchema = new Schema(
  {
    ...scopeFields,
    name: { type: String, required: true },
    description: { type: String, default: '' },
    kind: { type: String, enum: REWARD_KINDS, required: true },
    pointsCost: { type: Number, required: true },
    stock: { type: Number, required: true },
    perResidentLimit: { type: Number, required: true },
    validity: { type: validitySchema, required: true },
    active: { type: Boolean, default: true },
    displayOrder: { type: Number, default: 0 },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
rewardSchema.index({ cityId: 1, active: 1, displayOrder: 1 });
export const RewardModel = model('Reward', rewardSchema, 'rewards');
export type RewardRecord = InferSchemaType<typeof rewardSchema> & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

/** What a redemption and its coupon keep of a reward as it was when redeemed (later edits do not change them). */
export function rewardTerms(reward: Pick<RewardRecord, 'cityId' | 'scopeKind' | 'storeIds' | 'name' | 'description' | 'kind' | 'pointsCost'>) {
  const { cityId, scopeKind, storeIds, name, description, kind, pointsCost } = reward;
  return { cityId, scopeKind, storeIds, name, description, kind, pointsCost };
}

/**
 * One unit of a reward's stock, keyed `<rewardId>:<n>` for n = 1..stock. A redemption holds at
 * most one (unique redemptionId). The unique keys make stock exact under concurrency, where a
 * decremented counter would oversell on the embedded database. Released slots are deleted.
 */
const stockSlotSchema = new Schema({
  _id: { type: String },
  rewardId: { type: Schema.Types.ObjectId, required: true, index: true },
  n: { type: Number, required: true },
  redemptionId: { type: Schema.Types.ObjectId, required: true, unique: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true, index: true },
});
export const RewardStockSlotModel = model('RewardStockSlot', stockSlotSchema, 'reward_stock_slots');

/** One of a resident's redemptions of a reward, keyed `<rewardId>:<residentId>:<k>` for k = 1..limit. */
const limitSlotSchema = new Schema({
  _id: { type: String },
  rewardId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  n: { type: Number, required: true },
  redemptionId: { type: Schema.Types.ObjectId, required: true, unique: true },
  at: { type: Date, required: true, index: true },
});
limitSlotSchema.index({ residentId: 1, rewardId: 1 });
export const RewardLimitSlotModel = model('RewardLimitSlot', limitSlotSchema, 'reward_limit_slots');

/**
 * A resident's request to redeem a reward, unique per (resident, idempotency key), with what the
 * reward was at that moment. `status` is a mirror: the facts are the slots, the decision, the
 * points entry `redeem:<id>` and the coupon.
 */
const redemptionSchema = new Schema({
  residentId: { type: Schema.Types.ObjectId, required: true },
  rewardId: { type: Schema.Types.ObjectId, required: true, index: true },
  idempotencyKey: { type: String, required: true },
  reward: {
    type: new Schema(
      {
        ...scopeFields,
        name: { type: String, required: true },
        description: { type: String, default: '' },
        kind: { type: String, enum: REWARD_KINDS, required: true },
        pointsCost: { type: Number, required: true },
        validity: { type: validitySchema, required: true },
      },
      { _id: false },
    ),
    required: true,
  },
  status: { type: String, enum: REDEMPTION_STATUSES, default: 'pending' },
  failureCode: { type: String, default: null },
  couponId: { type: Schema.Types.ObjectId, default: null },
  pointEntryId: { type: Schema.Types.ObjectId, default: null },
  createdAt: { type: Date, required: true },
  settledAt: { type: Date, default: null },
});
redemptionSchema.index({ residentId: 1, idempotencyKey: 1 }, { unique: true });
redemptionSchema.index({ status: 1, createdAt: 1 });
export const RedemptionModel = model('RewardRedemption', redemptionSchema, 'reward_redemptions');
export type RedemptionRecord = InferSchemaType<typeof redemptionSchema> & { _id: Types.ObjectId };

/**
 * Whether a redemption goes ahead to spend points, written once (keyed by the redemption id)
 * right after its slots are claimed or found missing. Every runner of the same redemption
 * follows the first decision stored, so a retry and a repair can never take different paths.
 */
const decisionSchema = new Schema({
  _id: { type: String },
  proceed: { type: Boolean, required: true },
  failureCode: { type: String, default: null },
  at: { type: Date, required: true },
});
export const RedemptionDecisionModel = model('RewardRedemptionDecision', decisionSchema, 'reward_redemption_decisions');
export type RedemptionDecisionRecord = InferSchemaType<typeof decisionSchema> & { _id: string };

/** The coupon a completed redemption issues (one per redemption), with a short code for the store. */
const couponSchema = new Schema({
  code: { type: String, required: true, unique: true },
  redemptionId: { type: Schema.Types.ObjectId, required: true, unique: true },
  rewardId: { type: Schema.Types.ObjectId, required: true, index: true },
  residentId: { type: Schema.Types.ObjectId, required: true, index: true },
  ...scopeFields,
  name: { type: String, required: true },
  description: { type: String, default: '' },
  kind: { type: String, enum: REWARD_KINDS, required: true },
  pointsCost: { type: Number, required: true },
  issuedAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
  /** Mirrors of the use marker (the fact), repaired by repairRedemptions. */
  usedAt: { type: Date, default: null },
  usedStoreId: { type: Schema.Types.ObjectId, default: null },
  usedByStaffId: { type: Schema.Types.ObjectId, default: null },
});
export const CouponModel = model('RewardCoupon', couponSchema, 'reward_coupons');
export type CouponRecord = InferSchemaType<typeof couponSchema> & { _id: Types.ObjectId };

/** A coupon's use, keyed by the coupon id: inserted once, so a coupon is used at most once. */
const couponUseSchema = new Schema({
  _id: { type: String },
  couponId: { type: Schema.Types.ObjectId, required: true },
  rewardId: { type: Schema.Types.ObjectId, required: true, index: true },
  storeId: { type: Schema.Types.ObjectId, required: true },
  staffId: { type: Schema.Types.ObjectId, required: true },
  staffRole: { type: String, required: true },
  at: { type: Date, required: true, index: true },
});
export const CouponUseModel = model('RewardCouponUse', couponUseSchema, 'reward_coupon_uses');
export type CouponUseRecord = InferSchemaType<typeof couponUseSchema> & { _id: string };
