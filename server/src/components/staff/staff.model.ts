import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { DEFAULT_ADVISOR_GOAL, STAFF_ROLES } from '@o2o/shared/schemas/staff';

const staffSchema = new Schema(
  {
    name: { type: String, required: true },
    role: { type: String, enum: STAFF_ROLES, required: true },
    storeId: { type: Schema.Types.ObjectId, default: null, index: true },
    cityId: { type: Schema.Types.ObjectId, default: null, index: true },
    goalConsumerUsers: { type: Number, default: DEFAULT_ADVISOR_GOAL },
    /** The WeChat identity bound through an invite. */
    openid: { type: String, required: true, unique: true },
    unionid: { type: String, default: null },
    /** The invite this staff member joined through; unique so a retried acceptance creates no second record. */
    inviteId: { type: Schema.Types.ObjectId, default: null },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
export const StaffModel = model('Staff', staffSchema, 'staff');
export type StaffRecord = InferSchemaType<typeof staffSchema> & { _id: Types.ObjectId };

const staffInviteSchema = new Schema(
  {
    code: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    role: { type: String, enum: STAFF_ROLES, required: true },
    storeId: { type: Schema.Types.ObjectId, default: null },
    cityId: { type: Schema.Types.ObjectId, default: null },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    usedByOpenid: { type: String, default: null },
  },
  { timestamps: true },
);
export const StaffInviteModel = model('StaffInvite', staffInviteSchema, 'staff_invites');

/**
 * Who took an invite: keyed by the invite id, so of two people accepting one invite at once exactly
 * one is stored (the embedded database does not serialise conditional updates; unique inserts it does).
 */
const staffInviteClaimSchema = new Schema({
  _id: { type: Schema.Types.ObjectId },
  openid: { type: String, required: true },
  at: { type: Date, required: true },
});
export const StaffInviteClaimModel = model('StaffInviteClaim', staffInviteClaimSchema, 'staff_invite_claims');
