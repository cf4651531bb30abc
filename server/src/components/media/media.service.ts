import { createHash } from 'node:crypto';
import type { Types } from 'mongoose';
import sharp from 'sharp';
import { ACCEPTED_IMAGE_FORMATS, mediaImagePath, type MediaImage } from '@o2o/shared/schemas/media';
import { AppError } from '../../lib/app-error';
import { insertOnce } from '../../db/unique-insert';
import type { MediaStorage } from './media-storage';
import { MediaImageModel, type MediaImageRecord } from './media.model';

/** Who uploaded an image: staff (broadcast pictures) or a resident (post pictures). */
export interface MediaUploader {
  kind: 'staff' | 'resident';
  id: Types.ObjectId;
}

export interface MediaLimits {
  /** Longest side of a stored image, in pixels. */
  maxSide: number;
}

/** Larger than any photo a phone takes; a tiny file that claims more is a decompression bomb. */
const MAX_INPUT_PIXELS = 50_000_000;
const ACCEPTED_NAMES = 'JPG、PNG、WebP 或 GIF';

export const unsupportedImage = () => new AppError('UNSUPPORTED_MEDIA_TYPE', `只能上传 ${ACCEPTED_NAMES} 图片，这个文件不是`, 415);
export const brokenImage = () => new AppError('IMAGE_BROKEN', '图片文件不完整或已损坏（可能没有传完），请重新选择', 400);

function view(record: MediaImageRecord): MediaImage {
  return {
    id: record._id,
    path: mediaImagePath(record._id),
    mime: record.mime as MediaImage['mime'],
    width: record.width,
    height: record.height,
    bytes: record.bytes,
    createdAt: record.createdAt.toISOString(),
  };
}

/**
 * Images staff and residents upload: checked by what the bytes decode as (never the name or declared type),
 * scaled to fit `maxSide`, re-encoded (which also drops EXIF such as a phone's location), stored
 * under the hash of the uploaded bytes and recorded once.
 */
export class MediaService {
  constructor(
    readonly storage: MediaStorage,
    private readonly limits: MediaLimits,
  ) {}

  async uploadImage(upload: Buffer, uploader: MediaUploader): Promise<MediaImage> {
    if (upload.length === 0) throw AppError.badRequest('请选择一张图片');
    const id = createHash('sha256').update(upload).digest('hex');
    const existing = await MediaImageModel.findById(id).lean<MediaImageRecord>();
    if (existing) return view(existing);

    const encoded = await this.reencode(upload);
    const key = `images/${id}.${encoded.extension}`;
    // The file first, then the record: a record always has its file; a file without a record
    // (a crash between the two) is rewritten by the next upload of the same bytes.
    await this.storage.put(key, encoded.data, encoded.mime);
    const record: MediaImageRecord = { _id: id, key, mime: encoded.mime, width: encoded.width, height: encoded.height, bytes: encoded.data.length, uploadedBy: uploader.id, uploaderKind: uploader.kind, createdAt: new Date() };
    if (await insertOnce(MediaImageModel, record)) return view(record);
    // Someone uploaded the same bytes at the same moment: theirs is the record.
    const winner = await MediaImageModel.findById(id).lean<MediaImageRecord>();
    if (!winner) throw new AppError('INTERNAL', '服务器出了点问题，请稍后再试', 500);
    return view(winner);
  }

  /** The images with these ids, in the given order; an unknown id is refused (upload it first). */
  async describeImages(ids: readonly string[]): Promise<MediaImage[]> {
    if (ids.length === 0) return [];
    const records = await MediaImageModel.find({ _id: { $in: [...new Set(ids)] } }).lean<MediaImageRecord[]>();
    const byId = new Map(records.map((record) => [record._id, record]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw AppError.badRequest('有图片没有上传成功，请重新选择图片', { missing });
    return ids.map((id) => view(byId.get(id)!));
  }

  /** The stored file and its record, for serving. */
  async readImage(id: string): Promise<{ image: MediaImage; body: Buffer }> {
    const record = await MediaImageModel.findById(id).lean<MediaImageRecord>();
    if (!record) throw AppError.notFound('图片');
    const body = await this.storage.get(record.key);
    if (!body) throw AppError.notFound('图片');
    return { image: view(record), body };
  }

  private async reencode(upload: Buffer) {
    let format: string | undefined;
    let hasAlpha = false;
    try {
      const metadata = await sharp(upload, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
      format = metadata.format;
      hasAlpha = Boolean(metadata.hasAlpha);
    } catch {
      throw unsupportedImage();
    }
    if (!format || !(ACCEPTED_IMAGE_FORMATS as readonly string[]).includes(format)) throw unsupportedImage();
    try {
      // failOn 'warning': a truncated JPEG or PNG decodes with a warning, and is refused.
      const decode = () => sharp(upload, { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS });
      // Many PNGs (screenshots, exported posters) carry an alpha channel that is opaque everywhere: JPEG for those too.
      const transparent = hasAlpha && !(await decode().stats()).isOpaque;
      const pipeline = decode()
        .rotate()
        .resize({ width: this.limits.maxSide, height: this.limits.maxSide, fit: 'inside', withoutEnlargement: true });
      const encoded = transparent ? pipeline.webp({ quality: 85 }) : pipeline.removeAlpha().jpeg({ quality: 85, mozjpeg: true });
      const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
      return transparent
        ? { data, width: info.width, height: info.height, mime: 'image/webp' as const, extension: 'webp' }
        : { data, width: info.width, height: info.height, mime: 'image/jpeg' as const, extension: 'jpg' };
    } catch (error) {
      if (/pixel limit/i.test((error as Error).message)) throw AppError.badRequest('图片像素太多了，请换一张小一些的图片');
      throw brokenImage();
    }
  }
}
