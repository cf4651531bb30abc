import { Schema, model, type InferSchemaType } from 'mongoose';
import { STORED_IMAGE_MIMES } from '@o2o/shared/schemas/media';

/**
 * An uploaded image. `_id` is the SHA-256 of the uploaded bytes: the same file uploaded again (a
 * retry, a second manager) hits the unique `_id` and is the same image, stored once.
 */
const mediaImageSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Where the storage keeps the resized, re-encoded file. */
    key: { type: String, required: true },
    mime: { type: String, enum: STORED_IMAGE_MIMES, required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    bytes: { type: Number, required: true },
    /** The first uploader of these bytes: a staff member's or a resident's id, as `uploaderKind` says. */
    uploadedBy: { type: Schema.Types.ObjectId, required: true },
    uploaderKind: { type: String, enum: ['staff', 'resident'], default: 'staff' },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
export const MediaImageModel = model('MediaImage', mediaImageSchema, 'media_images');
export type MediaImageRecord = InferSchemaType<typeof mediaImageSchema>;
