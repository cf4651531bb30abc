import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config/config';

/**
 * Where image bytes live. Keys are content-addressed (`images/<sha256>.<ext>`), so writing the same
 * key twice writes the same bytes and a retry is harmless.
 */
export interface MediaStorage {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The stored bytes, or null when nothing is stored under the key. */
  get(key: string): Promise<Buffer | null>;
}

const KEY_PATTERN = /^[a-z]+\/[a-f0-9]{64}\.[a-z]{3,4}$/;

function assertKey(key: string): void {
  // Keys are made by the service; this keeps a bug from ever reaching outside the media folder.
  if (!KEY_PATTERN.test(key)) throw new Error(`not a media key: ${key}`);
}

/** Files under `DATA_DIR/media`: the default, for one server or a shared volume. */
export class LocalStorage implements MediaStorage {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  async put(key: string, body: Buffer): Promise<void> {
    assertKey(key);
    const target = path.join(this.root, key);
    await mkdir(path.dirname(target), { recursive: true });
    // Write then rename: a reader never sees half a file, and a crash leaves only a temp file.
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, body);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    assertKey(key);
    try {
      return await readFile(path.join(this.root, key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
  keyPrefix: string;
}

/** An S3-compatible bucket (AWS S3, MinIO, COS, OSS) through the official AWS SDK client. */
export class S3Storage implements MediaStorage {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle,
      maxAttempts: 3,
      // The SDK's default CRC checksums (since 3.729) are refused by several S3-compatible services.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertKey(key);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: `${this.options.keyPrefix}${key}`,
        Body: body,
        ContentType: contentType,
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    assertKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: `${this.options.keyPrefix}${key}` }));
      return object.Body ? Buffer.from(await object.Body.transformToByteArray()) : null;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** S3 when MEDIA_S3_BUCKET is set, else local files under DATA_DIR/media. */
export function createMediaStorage(config: Config): MediaStorage {
  if (!config.MEDIA_S3_BUCKET) return new LocalStorage(path.join(config.DATA_DIR, 'media'));
  return new S3Storage({
    bucket: config.MEDIA_S3_BUCKET,
    region: config.MEDIA_S3_REGION,
    endpoint: config.MEDIA_S3_ENDPOINT,
    credentials:
      config.MEDIA_S3_ACCESS_KEY_ID && config.MEDIA_S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.MEDIA_S3_ACCESS_KEY_ID, secretAccessKey: config.MEDIA_S3_SECRET_ACCESS_KEY }
        : undefined,
    forcePathStyle: config.MEDIA_S3_FORCE_PATH_STYLE,
    keyPrefix: config.MEDIA_S3_KEY_PREFIX,
  });
}
