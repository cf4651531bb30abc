import { Schema, model, type Types } from 'mongoose';

/**
 * A saved audience: a condition tree on residents' labels, limited to a store or a city (or, for
 * admins, the whole chain). Members are never stored: they are whoever matches now.
 */
const audienceSchema = new Schema(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    storeId: { type: Schema.Types.ObjectId, default: null },
    cityId: { type: Schema.Types.ObjectId, default: null },
    conditions: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, minimize: false },
);
export const AudienceModel = model('Audience', audienceSchema, 'audiences');
export interface AudienceRecord {
  _id: Types.ObjectId;
  name: string;
  description: string;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
  conditions: unknown;
  createdBy: Types.ObjectId | null;
  updatedBy: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
}
