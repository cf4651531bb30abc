import type { RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { IMAGE_UPLOAD_FIELD, mediaImageIdSchema, mediaImageSchema } from '@o2o/shared/schemas/media';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { principalOf } from '../auth/auth.guard';
import type { MediaUploader } from './media.service';

const readableSize = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`);

/**
 * Reads one multipart file into memory (never to disk: nothing is kept of a refused upload), up
 * to `maxBytes`; busboy stops reading past the limit. The file becomes `body.file` for the schema.
 */
export function receiveImage(maxBytes: number): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6 } }).single(IMAGE_UPLOAD_FIELD);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      return next(new AppError('UNSUPPORTED_MEDIA_TYPE', '请以表单文件（multipart/form-data）上传图片', 415, { contentType: req.headers['content-type'] ?? null }));
    }
    upload(req, res, (error: unknown) => {
      if (!error) {
        req.body = { file: req.file?.buffer };
        return next();
      }
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') return next(new AppError('PAYLOAD_TOO_LARGE', `图片不能超过 ${readableSize(maxBytes)}，请压缩后再上传`, 413, { maxBytes }));
        return next(AppError.badRequest(`请只上传一张图片（表单字段 ${IMAGE_UPLOAD_FIELD}）`, { reason: error.code }));
      }
      // busboy: a body that ends mid-part or is not multipart at all.
      next(AppError.badRequest('上传的内容不完整，请重新选择图片', { reason: (error as Error).message }));
    });
  };
}

const uploadBodySchema = z.object({
  file: z
    .custom<Buffer>((value) => Buffer.isBuffer(value), { message: '请选择一张图片' })
    .meta({ type: 'string', format: 'binary', description: 'The image file (JPG, PNG, WebP or GIF)' }),
});

/** Staff upload as themselves; residents (post pictures) as residents; a caller who is neither is refused. */
function uploaderOf(req: Parameters<typeof principalOf>[0]): MediaUploader {
  const principal = principalOf(req);
  if (principal.staff) return { kind: 'staff', id: principal.staff.id };
  if (principal.residentId) return { kind: 'resident', id: principal.residentId };
  throw AppError.forbidden('请先登录后再上传图片');
}

/** Refuses a caller who may not upload before the file is read. */
const uploadersOnly: RequestHandler = (req, _res, next) => {
  try {
    uploaderOf(req);
    next();
  } catch (error) {
    next(error);
  }
};

/**
 * `/media`: staff (broadcast pictures) and residents (post pictures) upload images (broadcast pictures); anyone with an image's id (the bot, WeChat's
 * image component, the H5 page) can fetch it. Ids are hashes of the content, so they cannot be guessed.
 */
export function mediaRouter(services: Services): ApiRouter {
  const { guards, config, media } = services;
  const tags = ['media'];
  return new ApiRouter('/media')
    .route({
      method: 'post', path: '/images', tags, status: 201, errors: [413, 415],
      summary: 'Upload an image (staff, or residents for their posts; multipart, field `file`): checked by its content, scaled to fit the longest side, stored once per distinct file; the same file again answers the same image',
      guards: [...guards.signedIn, uploadersOnly, receiveImage(config.MEDIA_MAX_UPLOAD_BYTES)], authenticated: true,
      bodyContentType: 'multipart/form-data', body: uploadBodySchema, response: mediaImageSchema,
      handler: async ({ body, req }) => media.uploadImage(body.file, uploaderOf(req)),
    })
    .route({
      method: 'get', path: '/images/:imageId', tags, errors: [404],
      summary: 'An uploaded image, with cache headers for a year (an id never changes content)',
      params: z.object({ imageId: mediaImageIdSchema }), response: z.any().describe('image/jpeg or image/webp'), responseContentType: 'image/*',
      handler: async ({ params, res }) => {
        const { image, body } = await media.readImage(params.imageId);
        res.setHeader('Content-Type', image.mime);
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('ETag', `"${image.id}"`);
        // Shown by pages on other origins (the H5 build in development, WeChat's image component).
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.send(body);
      },
    });
}
