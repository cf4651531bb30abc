import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { FRAUD_RULES } from '@o2o/shared/schemas/invites';

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
  qualifiedAt: { type: Date, default: null },
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
