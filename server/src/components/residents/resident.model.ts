import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { CODE_TYPES } from '@o2o/shared/schemas/acquisition';

const attributionSchema = new Schema(
  {
    source: { type: String, enum: ['code', 'invite', 'organic'], required: true },
    touchId: { type: Schema.Types.ObjectId, default: null },
    codeId: { type: Schema.Types.ObjectId, default: null },
    codeType: { type: String, enum: [...CODE_TYPES, null], default: null },
    storeId: { type: Schema.Types.ObjectId, default: null },
    advisorId: { type: Schema.Types.ObjectId, default: null },
    codeOwnerId: { type: Schema.Types.ObjectId, default: null },
    channelId: { type: Schema.Types.ObjectId, default: null },
    campaignId: { type: Schema.Types.ObjectId, default: null },
    placementId: { type: Schema.Types.ObjectId, default: null },
    inviterResidentId: { type: Schema.Types.ObjectId, default: null },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const residentSchema = new Schema(
  {
    openid: { type: String, required: true, unique: true },
    unionid: { type: String, default: null },
    nickname: { type: String, default: null },
    phone: { type: String, default: null },
    /** True when the phone came from WeChat's phone-number button; false when typed in H5. */
    phoneVerified: { type: Boolean, default: false },
    communityId: { type: Schema.Types.ObjectId, default: null, index: true },
    /** Where in the community to deliver: building, and unit/door. */
    building: { type: String, default: null },
    unit: { type: String, default: null },
    /** When the profile was first complete (the "完善资料" task event is recorded then, once). */
    profileCompletedAt: { type: Date, default: null },
    /** The resident's store: the attributed store when it serves their community, else the nearest store serving it. */
    storeId: { type: Schema.Types.ObjectId, default: null, index: true },
    /** First touch: who gets the credit. Written once, when the resident is created. */
    attribution: { type: attributionSchema, required: true },
    /** This resident's own invite code (for the invite scene). */
    inviteCode: { type: String, required: true, unique: true },
    registeredAt: { type: Date, required: true, index: true },
    signedUpAt: { type: Date, default: null },
    firstOrderAt: { type: Date, default: null },
    /**
     * Mirror of the points balance of record (the latest step in `point_steps`), written after each
     * step and repaired by the reconcile job; used for lists and reports.
     */
    points: {
      available: { type: Number, default: 0 },
      pending: { type: Number, default: 0 },
      version: { type: Number, default: 0 },
    },
    /** Random value written on insert; lets a racing login tell whether it created the record. */
    creationToken: { type: String, required: true },
  },
  { timestamps: true },
);
residentSchema.index({ 'attribution.advisorId': 1, registeredAt: 1 });
residentSchema.index({ 'attribution.storeId': 1, registeredAt: 1 });
export const ResidentModel = model('Resident', residentSchema, 'residents');
export type ResidentRecord = InferSchemaType<typeof residentSchema> & { _id: Types.ObjectId };
