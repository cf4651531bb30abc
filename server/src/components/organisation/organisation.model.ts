import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

const geoPoint = { lat: { type: Number, required: true }, lng: { type: Number, required: true } };

const citySchema = new Schema(
  {
    name: { type: String, required: true },
    code: { type: String, required: true, unique: true },
  },
  { timestamps: true },
);
export const CityModel = model('City', citySchema, 'cities');

const storeSchema = new Schema(
  {
    cityId: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true },
    address: { type: String, required: true },
    location: geoPoint,
    openingHours: [{ _id: false, weekdays: [Number], open: String, close: String }],
    delivery: {
      radiusKm: { type: Number, required: true },
      feeCents: { type: Number, required: true },
      freeAboveCents: { type: Number, default: null },
      minOrderCents: { type: Number, default: 0 },
    },
    serviceRadiusKm: { type: Number, default: 3 },
    contactPhone: { type: String, required: true },
    /** The store's community group: its name and what its WeChat group QR code encodes (set by its manager). */
    groupQr: {
      type: new Schema({ name: { type: String, required: true }, qrContent: { type: String, required: true } }, { _id: false }),
      default: null,
    },
  },
  { timestamps: true },
);
export const StoreModel = model('Store', storeSchema, 'stores');
export type StoreRecord = InferSchemaType<typeof storeSchema> & { _id: Types.ObjectId };

const communitySchema = new Schema(
  {
    cityId: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true },
    address: { type: String, required: true },
    location: geoPoint,
    households: { type: Number, required: true, min: 1 },
    buildings: { type: Number, default: 0 },
    portrait: { type: Schema.Types.Mixed, default: {} },
    portraitUpdatedAt: { type: Date, default: null },
    portraitUpdatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, minimize: false },
);
export const CommunityModel = model('Community', communitySchema, 'communities');
export type CommunityRecord = InferSchemaType<typeof communitySchema> & { _id: Types.ObjectId };

/** A section has at most one owner; the owner changes only through an assignment (kept in history). */
const sectionSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true },
    ownerStaffId: { type: Schema.Types.ObjectId, default: null, index: true },
    assignedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
sectionSchema.index({ communityId: 1, name: 1 }, { unique: true });
export const SectionModel = model('Section', sectionSchema, 'sections');
export type SectionRecord = InferSchemaType<typeof sectionSchema> & { _id: Types.ObjectId };

/**
 * The ownership history of a section, and its source of truth: entry N is keyed `<sectionId>:<N>`,
 * so of two concurrent changes from the same state exactly one is stored. `sections.ownerStaffId`
 * mirrors the latest entry.
 */
const sectionAssignmentSchema = new Schema({
  _id: { type: String },
  sectionId: { type: Schema.Types.ObjectId, required: true, index: true },
  version: { type: Number, required: true },
  fromStaffId: { type: Schema.Types.ObjectId, default: null },
  toStaffId: { type: Schema.Types.ObjectId, default: null },
  kind: { type: String, enum: ['assign', 'transfer', 'release'], required: true },
  byStaffId: { type: Schema.Types.ObjectId, required: true },
  reason: { type: String, default: null },
  at: { type: Date, required: true },
});
export const SectionAssignmentModel = model('SectionAssignment', sectionAssignmentSchema, 'section_assignments');
