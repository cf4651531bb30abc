import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { POINT_SOURCES } from '@o2o/shared/schemas/points';

/**
 * A ledger entry: one requested change (earn, hold, release, spend, clawback, expire) with its
 * reason, source and unique idempotency key. What it did is decided when it is applied, as a step.
 */
const pointEntrySchema = new Schema({
  residentId: { type: Schema.Types.ObjectId, required: true, index: true },
  intent: {
    type: new Schema(
      {
        kind: { type: String, enum: ['earn', 'hold', 'release', 'cancel_hold', 'spend', 'clawback', 'expire'], required: true },
        amount: { type: Number, default: null },
        heldId: { type: String, default: null },
        targetId: { type: String, default: null },
        now: { type: String, default: null },
      },
      { _id: false },
    ),
    required: true,
  },
  expiresAt: { type: Date, default: null },
  reasonCode: { type: String, required: true },
  note: { type: String, required: true },
  source: { type: String, enum: POINT_SOURCES, required: true },
  sourceId: { type: String, default: null },
  idempotencyKey: { type: String, required: true, unique: true },
  actorStaffId: { type: Schema.Types.ObjectId, default: null },
  createdAt: { type: Date, required: true },
  /** Mirror of the step that applied this entry (null until applied). */
  applied: {
    type: new Schema(
      { version: Number, amount: Number, pendingAmount: Number, rejected: { type: String, default: null }, at: Date },
      { _id: false },
    ),
    default: null,
  },
  /** For held points: mirror of their fate. */
  holdStatus: { type: String, enum: ['held', 'released', 'cancelled', null], default: null },
  /** For lots with an expiry: set once the expiry job has handled the lot's date. */
  expiryProcessed: { type: Boolean, default: false },
});
pointEntrySchema.index({ source: 1, sourceId: 1 });
pointEntrySchema.index({ expiresAt: 1, expiryProcessed: 1 });
pointEntrySchema.index({ residentId: 1, 'applied.version': -1 });
export const PointEntryModel = model('PointEntry', pointEntrySchema, 'point_entries');
export type PointEntryRecord = InferSchemaType<typeof pointEntrySchema> & { _id: Types.ObjectId };

/**
 * The balance of record: step N of a resident's points, keyed `<residentId>:<N>`, holding the
 * entry applied and the whole state after it. The unique key serialises concurrent writers (the
 * embedded database does not serialise read-modify-write updates; unique inserts it does), and
 * the unique entryId means an entry is applied at most once.
 */
const pointStepSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  version: { type: Number, required: true },
  entryId: { type: Schema.Types.ObjectId, required: true, unique: true },
  outcome: { type: Schema.Types.Mixed, required: true },
  state: { type: Schema.Types.Mixed, required: true },
  at: { type: Date, required: true },
});
pointStepSchema.index({ residentId: 1, version: -1 });
export const PointStepModel = model('PointStep', pointStepSchema, 'point_steps');
export type PointStepRecord = InferSchemaType<typeof pointStepSchema> & { _id: string };

/** Every manual grant or deduction, and every reconcile repair: who, when, why. */
const pointAuditSchema = new Schema({
  kind: { type: String, enum: ['manual_adjustment', 'reconcile_repair'], required: true },
  residentId: { type: Schema.Types.ObjectId, required: true, index: true },
  entryId: { type: Schema.Types.ObjectId, default: null },
  staffId: { type: Schema.Types.ObjectId, default: null },
  staffRole: { type: String, default: null },
  reason: { type: String, required: true },
  before: { type: Schema.Types.Mixed, default: null },
  after: { type: Schema.Types.Mixed, default: null },
  at: { type: Date, required: true },
});
export const PointAuditModel = model('PointAudit', pointAuditSchema, 'point_audits');
