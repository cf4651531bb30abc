import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { REPEAT_NATURES } from '@o2o/shared/schemas/products';

/**
 * The product catalogue, keyed by the order system's product id (so an upsert by that id is one
 * `_id` lookup and two imports of the same file cannot create twins). `storeIds` is kept sorted
 * and without duplicates, so comparing a stored product with an incoming one is exact.
 */
const productSchema = new Schema(
  {
    _id: { type: String },
    name: { type: String, required: true },
    category: { type: String, required: true },
    subcategory: { type: String, default: '' },
    priceCents: { type: Number, required: true },
    tags: { type: [String], default: [] },
    storeIds: { type: [Schema.Types.ObjectId], default: [] },
    repeatNature: { type: String, enum: REPEAT_NATURES, required: true },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
productSchema.index({ storeIds: 1, active: 1 });
productSchema.index({ category: 1, active: 1 });
export const ProductModel = model('Product', productSchema, 'products');
export type ProductRecord = InferSchemaType<typeof productSchema> & { _id: string; storeIds: Types.ObjectId[]; createdAt: Date; updatedAt: Date };
