import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/** A live code: one per store and placement (`placementKey` is the placement id or `store`). */
const groupCodeSchema = new Schema({
  storeId: { type: Schema.Types.ObjectId, required: true },
  cityId: { type: Schema.Types.ObjectId, required: true },
  placementId: { type: Schema.Types.ObjectId, default: null },
  placementKey: { type: String, required: true },
  name: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
groupCodeSchema.index({ storeId: 1, placementKey: 1 }, { unique: true });
export const GroupCodeModel = model('GroupCode', groupCodeSchema, 'group_codes');
export type GroupCodeRecord = InferSchemaType<typeof groupCodeSchema> & { _id: Types.ObjectId };

/** A group a store's live codes may send residents to, keyed by the group id, with its join QR. */
const groupCodeTargetSchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true },
  storeId: { type: Schema.Types.ObjectId, required: true, index: true },
  qrImageUrl: { type: String, required: true },
  active: { type: Boolean, default: true },
  updatedAt: { type: Date, required: true },
});
export const GroupCodeTargetModel = model('GroupCodeTarget', groupCodeTargetSchema, 'group_code_targets');
export type GroupCodeTargetRecord = InferSchemaType<typeof groupCodeTargetSchema> & { _id: string };

/**
 * Seat n of a group, keyed `<groupId>:<n>`, taken by unique insert: of two residents scanning at
 * once, one gets seat n and the other tries n + 1, so no group is sent more than its limit.
 */
const groupSeatSchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true, index: true },
  n: { type: Number, required: true },
  residentKey: { type: String, required: true },
  at: { type: Date, required: true },
});
export const GroupSeatModel = model('GroupSeat', groupSeatSchema, 'group_seats');

/** The one group of a store a resident is sent to, keyed `<storeId>:<residentKey>`: never a second one. */
const groupCodeAssignmentSchema = new Schema({
  _id: { type: String },
  storeId: { type: Schema.Types.ObjectId, required: true },
  groupId: { type: Schema.Types.ObjectId, required: true, index: true },
  codeId: { type: Schema.Types.ObjectId, required: true, index: true },
  placementId: { type: Schema.Types.ObjectId, default: null },
  residentKey: { type: String, required: true },
  at: { type: Date, required: true },
});
export const GroupCodeAssignmentModel = model('GroupCodeAssignment', groupCodeAssignmentSchema, 'group_code_assignments');
export type GroupCodeAssignmentRecord = InferSchemaType<typeof groupCodeAssignmentSchema> & { _id: string };

/** "All groups near full" told to a store's staff, once per store per China-time day. */
const groupCodeAlertSchema = new Schema({
  _id: { type: String },
  storeId: { type: Schema.Types.ObjectId, required: true },
  remaining: { type: Number, required: true },
  at: { type: Date, required: true },
});
export const GroupCodeAlertModel = model('GroupCodeAlert', groupCodeAlertSchema, 'group_code_alerts');
