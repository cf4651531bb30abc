import { Schema, model, type Types } from 'mongoose';
import { DELIVERY_STATES, type DeliveryState } from '@o2o/shared/rules/campaigns';
import { PUSH_STATUSES, SUBSCRIPTION_RESULTS } from '@o2o/shared/schemas/campaigns';

/**
 * Campaign data. The embedded database loses concurrent read-modify-write updates and only `_id`
 * equality is fast, so everything that must happen once is a unique insert with a deterministic
 * `_id`, and everything read per resident is found by `_id`. Fields written with `$set` are
 * mirrors only the owner of the record writes.
 */

/**
 * One report of `wx.requestSubscribeMessage` for one template, keyed
 * `<residentId>:<templateId>:<requestId>` so a retried report is the same record. An acceptance is
 * a grant: WeChat allows one message per acceptance.
 */
const subscriptionGrantSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  templateId: { type: String, required: true },
  requestId: { type: String, required: true },
  result: { type: String, enum: SUBSCRIPTION_RESULTS, required: true },
  reportedAt: { type: Date, required: true },
});
export const SubscriptionGrantModel = model('SubscriptionGrant', subscriptionGrantSchema, 'subscription_grants');
export interface SubscriptionGrantRecord {
  _id: string;
  residentId: Types.ObjectId;
  templateId: string;
  requestId: string;
  result: (typeof SUBSCRIPTION_RESULTS)[number];
  reportedAt: Date;
}

/**
 * The numbered index of a resident's accepted grants of a template, `<residentId>:<templateId>:<n>`
 * for n = 1, 2, ..., so listing them is a few `_id` lookups. Two racing reports of one acceptance
 * may leave two slots pointing at the same grant; readers de-duplicate by `grantId`.
 */
const grantSlotSchema = new Schema({
  _id: { type: String },
  grantId: { type: String, required: true },
});
export const GrantSlotModel = model('SubscriptionGrantSlot', grantSlotSchema, 'subscription_grant_slots');

/**
 * A grant taken by a delivery, keyed by the grant's id: inserting it is what consumes the grant,
 * so two senders can never spend one grant. Deleted again only by the delivery that took it, when
 * WeChat definitely did not deliver (quota, a definite error), so the grant is usable again.
 */
const grantUseSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  templateId: { type: String, required: true },
  deliveryId: { type: String, required: true },
  pushId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true },
});
export const GrantUseModel = model('SubscriptionGrantUse', grantUseSchema, 'subscription_grant_uses');

const pushTargetSchema = new Schema(
  {
    audienceId: { type: Schema.Types.ObjectId, default: null },
    audienceName: { type: String, default: null },
    productId: { type: String, default: null },
    limit: { type: Number, default: null },
  },
  { _id: false },
);

const runSummarySchema = new Schema({ at: Date, stoppedBy: { type: String, default: null }, counts: Schema.Types.Mixed }, { _id: false });

/**
 * A subscribe-message push. Its targets are snapshotted at creation into chunks, so a resumed send
 * addresses the same residents. `status` and `lastRun` are mirrors rewritten after each run.
 */
const campaignPushSchema = new Schema({
  name: { type: String, required: true },
  templateId: { type: String, required: true },
  data: { type: Schema.Types.Mixed, required: true },
  page: { type: String, required: true },
  target: { type: pushTargetSchema, required: true },
  targetCount: { type: Number, required: true },
  targetChunks: { type: Number, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  cityId: { type: Schema.Types.ObjectId, default: null },
  createdBy: { type: Schema.Types.ObjectId, required: true },
  createdAt: { type: Date, required: true },
  status: { type: String, enum: PUSH_STATUSES, required: true },
  lastRun: { type: runSummarySchema, default: null },
  /** Share of the target held out (never sent), split by `inHoldout(residentId, pushId, share)`; 0 for none. */
  holdoutShare: { type: Number, default: 0 },
  /** When a send first ran; set once (only while still null). The push effect's window starts here. */
  firstSentAt: { type: Date, default: null },
});
export const CampaignPushModel = model('CampaignPush', campaignPushSchema, 'campaign_pushes');
export interface CampaignPushRecord {
  _id: Types.ObjectId;
  name: string;
  templateId: string;
  data: Record<string, string>;
  page: string;
  target: { audienceId: Types.ObjectId | null; audienceName: string | null; productId: string | null; limit: number | null };
  targetCount: number;
  targetChunks: number;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
  createdBy: Types.ObjectId;
  createdAt: Date;
  status: (typeof PUSH_STATUSES)[number];
  lastRun: { at: Date; stoppedBy: string | null; counts: Record<string, number> } | null;
  holdoutShare?: number;
  firstSentAt?: Date | null;
}

/** A bounded chunk of resident ids (at most `ID_CHUNK_SIZE`), keyed `<ownerId>:<n>` from n = 0. */
const residentIdChunkSchema = new Schema({
  _id: { type: String },
  ownerId: { type: Schema.Types.ObjectId, required: true },
  n: { type: Number, required: true },
  residentIds: { type: [Schema.Types.ObjectId], required: true },
});
export const ID_CHUNK_SIZE = 1000;
export const PushTargetChunkModel = model('CampaignPushTargets', residentIdChunkSchema, 'campaign_push_targets');
export const PromotionMemberChunkModel = model('CampaignPromotionMembers', residentIdChunkSchema, 'campaign_promotion_members');

/**
 * One attempt to deliver a push to a resident, keyed `<pushId>:<residentId>:<attempt>` from 1.
 * Inserting it claims the resident for this attempt: of two concurrent senders one wins. A new
 * attempt is made only after a retryable outcome (quota, failed).
 */
const campaignDeliverySchema = new Schema({
  _id: { type: String },
  pushId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  attempt: { type: Number, required: true },
  state: { type: String, enum: DELIVERY_STATES, required: true },
  grantId: { type: String, default: null },
  claimedAt: { type: Date, required: true },
  finishedAt: { type: Date, default: null },
  error: { code: { type: String, default: null }, errcode: { type: Number, default: null } },
});
export const CampaignDeliveryModel = model('CampaignDelivery', campaignDeliverySchema, 'campaign_deliveries');
export interface CampaignDeliveryRecord {
  _id: string;
  pushId: Types.ObjectId;
  residentId: Types.ObjectId;
  attempt: number;
  state: DeliveryState;
  grantId: string | null;
  claimedAt: Date;
  finishedAt: Date | null;
  error?: { code: string | null; errcode: number | null };
}

/** A product promotion; its audience members are snapshotted into chunks at creation. */
const promotionSchema = new Schema({
  name: { type: String, required: true },
  productId: { type: String, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  cityId: { type: Schema.Types.ObjectId, default: null },
  audienceId: { type: Schema.Types.ObjectId, default: null },
  audienceName: { type: String, default: null },
  audienceSize: { type: Number, required: true },
  memberChunks: { type: Number, required: true },
  startAt: { type: Date, required: true },
  endAt: { type: Date, required: true },
  pushId: { type: Schema.Types.ObjectId, default: null },
  /** The hold-out split: `inHoldout(residentId, experimentId, share)`; the push's id when it follows its push's split. */
  holdout: { type: new Schema({ experimentId: { type: String, required: true }, share: { type: Number, required: true } }, { _id: false }), default: null },
  createdBy: { type: Schema.Types.ObjectId, required: true },
  createdAt: { type: Date, required: true },
});
export const PromotionModel = model('CampaignPromotion', promotionSchema, 'campaign_promotions');
export interface PromotionRecord {
  _id: Types.ObjectId;
  name: string;
  productId: string;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
  audienceId: Types.ObjectId | null;
  audienceName: string | null;
  audienceSize: number;
  memberChunks: number;
  startAt: Date;
  endAt: Date;
  pushId: Types.ObjectId | null;
  holdout?: { experimentId: string; share: number } | null;
  createdBy: Types.ObjectId;
  createdAt: Date;
}
