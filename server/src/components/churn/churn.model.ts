import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { CHURN_CLOSE_REASONS, CHURN_KINDS, CHURN_STATUSES } from '@o2o/shared/schemas/churn';

/**
 * One churn episode of a resident, keyed so a daily rerun finds the same one:
 * `left:<residentId>:<groupId>:<China day of leaving>` and `lapse:<residentId>:<last orderId>`.
 * Created by unique insert; `status`, `closedReason`, `closedAt` and `note` mirror its closure.
 */
const alertSchema = new Schema({
  _id: { type: String },
  kind: { type: String, enum: CHURN_KINDS, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true, index: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  /** The resident's advisor by attribution; null when nobody is (the store manager's list). */
  advisorId: { type: Schema.Types.ObjectId, default: null },
  groupId: { type: Schema.Types.ObjectId, default: null },
  since: { type: Date, required: true },
  detectedAt: { type: Date, required: true },
  status: { type: String, enum: CHURN_STATUSES, default: 'open' },
  closedReason: { type: String, enum: [...CHURN_CLOSE_REASONS, null], default: null },
  closedAt: { type: Date, default: null },
  note: { type: String, default: null },
});
alertSchema.index({ advisorId: 1, status: 1, detectedAt: -1 });
alertSchema.index({ storeId: 1, status: 1, detectedAt: -1 });
export const ChurnAlertModel = model('ChurnAlert', alertSchema, 'churn_alerts');
export type ChurnAlertRecord = InferSchemaType<typeof alertSchema> & { _id: string };

/** How an episode ended, keyed by the alert's id: the first closure stands (staff and the job may race). */
const closureSchema = new Schema({
  _id: { type: String },
  reason: { type: String, enum: CHURN_CLOSE_REASONS, required: true },
  staffId: { type: Schema.Types.ObjectId, default: null },
  note: { type: String, default: null },
  at: { type: Date, required: true },
});
export const ChurnClosureModel = model('ChurnClosure', closureSchema, 'churn_closures');
export type ChurnClosureRecord = InferSchemaType<typeof closureSchema> & { _id: string };
