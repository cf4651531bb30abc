import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { CODE_TYPES, OFFLINE_TOUCH_KINDS, SCAN_STATUSES } from '@o2o/shared/schemas/acquisition';

/** Channel, campaign and placement: three collections, three fields, never one concatenated string. */
const channelSchema = new Schema(
  { key: { type: String, required: true, unique: true }, name: { type: String, required: true } },
  { timestamps: true },
);
export const ChannelModel = model('Channel', channelSchema, 'channels');

const campaignSchema = new Schema(
  {
    name: { type: String, required: true },
    startsAt: { type: Date, default: null },
    endsAt: { type: Date, default: null },
    storeId: { type: Schema.Types.ObjectId, default: null },
    cityId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
export const CampaignModel = model('Campaign', campaignSchema, 'campaigns');

const placementSchema = new Schema(
  { name: { type: String, required: true }, description: { type: String, default: null } },
  { timestamps: true },
);
export const PlacementModel = model('Placement', placementSchema, 'placements');

const qrCodeSchema = new Schema(
  {
    shortId: { type: String, required: true, unique: true },
    type: { type: String, enum: CODE_TYPES, required: true },
    name: { type: String, required: true },
    storeId: { type: Schema.Types.ObjectId, required: true, index: true },
    advisorId: { type: Schema.Types.ObjectId, default: null, index: true },
    channelId: { type: Schema.Types.ObjectId, required: true },
    campaignId: { type: Schema.Types.ObjectId, required: true },
    placementId: { type: Schema.Types.ObjectId, required: true },
    enabled: { type: Boolean, default: true },
    validFrom: { type: Date, default: null },
    validTo: { type: Date, default: null },
    createdBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
export const QrCodeModel = model('QrCode', qrCodeSchema, 'qr_codes');
export type QrCodeRecord = InferSchemaType<typeof qrCodeSchema> & { _id: Types.ObjectId; createdAt: Date };

/** Every recorded contact: scans (anonymous until login, then linked) and offline touchpoints. */
const touchSchema = new Schema({
  kind: { type: String, enum: ['scan', 'offline'], required: true },
  residentId: { type: Schema.Types.ObjectId, default: null, index: true },
  deviceId: { type: String, default: null, index: true },
  scene: { type: String, default: null },
  codeId: { type: Schema.Types.ObjectId, default: null, index: true },
  status: { type: String, enum: [...SCAN_STATUSES, 'offline'], required: true },
  isFirstTouch: { type: Boolean, default: false },
  offlineKind: { type: String, enum: [...OFFLINE_TOUCH_KINDS, null], default: null },
  staffId: { type: Schema.Types.ObjectId, default: null },
  storeId: { type: Schema.Types.ObjectId, default: null },
  note: { type: String, default: null },
  at: { type: Date, required: true, index: true },
});
export const TouchModel = model('Touch', touchSchema, 'touches');
export type TouchRecord = InferSchemaType<typeof touchSchema> & { _id: Types.ObjectId };

/**
 * One scan per scanner, scene and 10-minute bucket (`_id` `<who>|<scene>|<bucket>`, a unique insert):
 * repeating `POST /scans` stores one touch, not one per request.
 */
const scanDedupeSchema = new Schema({
  _id: { type: String },
  touchId: { type: Schema.Types.ObjectId, required: true },
  at: { type: Date, required: true },
});
export const ScanDedupeModel = model('ScanDedupe', scanDedupeSchema, 'scan_dedupes');
export const SCAN_DEDUPE_BUCKET_MS = 10 * 60_000;
