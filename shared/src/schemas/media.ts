import { z } from 'zod';

/**
 * Images staff upload (broadcast pictures). An image's id is the SHA-256 of the uploaded bytes, so
 * the same file uploaded twice is the same image, stored once.
 */
export const MEDIA_IMAGE_PATH_PREFIX = '/media/images/';
export const IMAGE_UPLOAD_FIELD = 'file';
/** What an upload may be, judged by its decoded content, never by its name or declared type. */
export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;
/** What is stored and served: opaque pictures as JPEG, pictures with transparency as WebP. */
export const STORED_IMAGE_MIMES = ['image/jpeg', 'image/webp'] as const;

export const mediaImageIdSchema = z.string().regex(/^[a-f0-9]{64}$/, '图片编号不正确');
/** An uploaded image's path on the server (what a broadcast stores; the bot resolves it against its server URL). */
export const mediaImagePathSchema = z.string().regex(/^\/media\/images\/[a-f0-9]{64}$/);

export const mediaImageSchema = z.object({
  id: mediaImageIdSchema,
  /** `/media/images/<id>`: served with long-lived cache headers. */
  path: mediaImagePathSchema,
  mime: z.enum(STORED_IMAGE_MIMES),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Size of the stored (resized, re-encoded) file. */
  bytes: z.number().int().positive(),
  createdAt: z.string(),
});
export type MediaImage = z.infer<typeof mediaImageSchema>;

export function mediaImagePath(id: string): string {
  return `${MEDIA_IMAGE_PATH_PREFIX}${id}`;
}
