import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { FRAUD_RULES, INVITE_TIER_KEYS } from '@o2o/shared/schemas/invites';

/**
 * One invite per invitee (keyed by the invitee, so a resident has one inviter). The inviter's
 * reward is a held points entry; the points ledger decides its fate (release or cancel) exactly
 * once, so the `state` here is a mirror for listing.
 */
const inviteSchema = new Schema({
  _id: { type: Schema.Types.ObjectId }, // the invitee's resident id
  inviterId: { type: Schema.Types.ObjectId, required: true, index: true },
  registeredAt: { type: Date, required: true, index: true },
  qualifyBy: { type: Date, required: true, index: true },
  rewardPoints: { type: Number, required: true },
  rewardEntryId: { type: Schema.Types.ObjectId, default: null },
  qualifiedAt: { type: Date, default: null, index: true },
  state: { type: String, enum: ['pending', 'held_for_review', 'available', 'lapsed', 'cancelled'], default: 'pending', index: true },
});
export const InviteModel = model('Invite', inviteSchema, 'invites');
export type InviteRecord = InferSchemaType<typeof inviteSchema> & { _id: Types.ObjectId };

/** A fraud flag; keyed `<inviterId>:<rule>` while open so a rescan never duplicates it. */
const fraudFlagSchema = new Schema({
  key: { type: String, required: true, unique: true },
  inviterId: { type: Schema.Types.ObjectId, required: true, index: true },
  storeId: { type: Schema.Types.ObjectId, default: null, index: true },
  rule: { type: String, enum: FRAUD_RULES, required: true },
  evidence: { type: Schema.Types.Mixed, default: {} },
  status: { type: String, enum: ['open', 'released', 'cancelled'], default: 'open', index: true },
  createdAt: { type: Date, required: true },
  decidedBy: { type: Schema.Types.ObjectId, default: null },
  decidedAt: { type: Date, default: null },
  decisionNote: { type: String, default: null },
});
export const FraudFlagModel = model('FraudFlag', fraudFlagSchema, 'fraud_flags');
export type FraudFlagRecord = InferSchemaType<typeof fraudFlagSchema> & { _id: Types.ObjectId };

/** The one decision on a flag: keyed by the flag, so two reviewers cannot both decide. Doubles as the audit record. */
const fraudDecisionSchema = new Schema({
  _id: { type: Schema.Types.ObjectId }, // the flag id
  inviterId: { type: Schema.Types.ObjectId, required: true },
  decision: { type: String, enum: ['release', 'cancel'], required: true },
  note: { type: String, required: true },
  staffId: { type: Schema.Types.ObjectId, required: true },
  staffRole: { type: String, required: true },
  at: { type: Date, required: true },
});
export const FraudDecisionModel = model('FraudDecision', fraudDecisionSchema, 'fraud_decisions');

/**
 * The invite reward tiers operations set, one document per version (`_id` the version number), so
 * two concurrent saves cannot both become version n+1 and the history stays readable. The highest
 * version is in force; version 0 (no document) is the single first-order reward from the settings.
 */
const inviteTierConfigSchema = new Schema({
  _id: { type: Number },
  tiers: {
    type: [new Schema({ key: { type: String, enum: INVITE_TIER_KEYS, required: true }, inviterPoints: { type: Number, required: true }, inviteePoints: { type: Number, required: true } }, { _id: false })],
    required: true,
  },
  setBy: { type: Schema.Types.ObjectId, required: true },
  setAt: { type: Date, required: true },
});
export const InviteTierConfigModel = model('InviteTierConfig', inviteTierConfigSchema, 'invite_tier_configs');
export interface InviteTierConfigRecord {
  _id: number;
  tiers: { key: (typeof INVITE_TIER_KEYS)[number]; inviterPoints: number; inviteePoints: number }[];
  setBy: Types.ObjectId;
  setAt: Date;
}

/**
 * What an invitee reaching a tier pays, decided once: keyed `<inviteeId>:<tier>`, so the first
 * settle to insert it fixes the amounts (from the tier version then in force) and whether the
 * inviter is skipped; retries and concurrent settles re-apply the same decision by its idempotency
 * keys and never pay twice. A skipped inviter's reason stays here for staff.
 */
const inviteTierRewardSchema = new Schema({
  _id: { type: String },
  inviteeId: { type: Schema.Types.ObjectId, required: true, index: true },
  inviterId: { type: Schema.Types.ObjectId, required: true, index: true },
  tier: { type: String, enum: INVITE_TIER_KEYS, required: true },
  tierVersion: { type: Number, required: true },
  reachedAt: { type: Date, required: true },
  inviterPoints: { type: Number, required: true },
  inviteePoints: { type: Number, required: true },
  /** `paid`, `held` (the first-order reward held for a fraud review) or `skipped` (see `inviterSkipReason`). */
  inviterOutcome: { type: String, enum: ['paid', 'held', 'skipped'], required: true },
  inviterSkipReason: { type: String, default: null },
  decidedAt: { type: Date, required: true },
});
export const InviteTierRewardModel = model('InviteTierReward', inviteTierRewardSchema, 'invite_tier_rewards');
export type InviteTierRewardRecord = InferSchemaType<typeof inviteTierRewardSchema> & { _id: string };
