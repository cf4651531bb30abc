import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { MediaImageModel } from './media.model';

useTestDatabase();
jest.setTimeout(120_000);

const dataDir = mkdtempSync(path.join(tmpdir(), 'media-test-'));
const mediaDir = path.join(dataDir, 'media');
const app = createTestApp({ env: { DATA_DIR: dataDir, RATE_LIMIT_MAX: '100000' } });
type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;

beforeAll(async () => {
  await seedDemo();
  manager = await login(app, DEMO_LOGINS.managers[0]);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A picture with detail (noise), so its encoding has a realistic size and truncating it loses data. */
async function picture(width: number, height: number, format: 'jpeg' | 'png', options: { alpha?: number; seed?: number } = {}): Promise<Buffer> {
  const channels = options.alpha === undefined ? 3 : 4;
  const pixels = Buffer.alloc(width * height * channels);
  const seed = options.seed ?? 1;
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 7919 + seed * 104729 + (i >> 7)) % 251;
  if (options.alpha !== undefined) for (let i = 3; i < pixels.length; i += 4) pixels[i] = options.alpha;
  const image = sharp(pixels, { raw: { width, height, channels } });
  return format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.png().toBuffer();
}

function storedFiles(): string[] {
  try {
    return readdirSync(mediaDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(mediaDir, path.join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}

const upload = (bytes: Buffer, filename: string, contentType: string, target = app, session = manager) =>
  request(target).post('/media/images').set(bearer(session)).attach('file', bytes, { filename, contentType });

describe('uploading an image', () => {
  it('when a manager uploads a large JPEG, then it is scaled to 1280 px on its long side, stored and served with cache headers', async () => {
    const original = await picture(2000, 1500, 'jpeg');
    const response = await upload(original, 'poster.jpg', 'image/jpeg');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ mime: 'image/jpeg', width: 1280, height: 960, path: `/media/images/${response.body.id}` });

    const record = await MediaImageModel.findById(response.body.id).lean();
    expect(record).toMatchObject({ key: `images/${response.body.id}.jpg`, mime: 'image/jpeg', width: 1280, height: 960, bytes: response.body.bytes });
    expect(String(record!.uploadedBy)).toBe(manager.staff!.id);
    expect(record!.uploaderKind).toBe('staff');
    const file = readFileSync(path.join(mediaDir, record!.key));
    expect(file.length).toBe(response.body.bytes);
    expect(await sharp(file).metadata()).toMatchObject({ format: 'jpeg', width: 1280, height: 960 });

    const served = await request(app).get(response.body.path).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/jpeg');
    expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(served.headers.etag).toBe(`"${response.body.id}"`);
    expect(Buffer.compare(served.body as Buffer, file)).toBe(0);
    const revalidated = await request(app).get(response.body.path).set('If-None-Match', served.headers.etag);
    expect(revalidated.status).toBe(304);
  });

  it('when a PNG is opaque (with or without an alpha channel) it is stored as JPEG; with transparency as WebP, and a small one is not enlarged', async () => {
    const opaque = await upload(await picture(3000, 1000, 'png'), 'banner.png', 'image/png');
    expect(opaque.status).toBe(201);
    expect(opaque.body).toMatchObject({ mime: 'image/jpeg', width: 1280, height: 427 });

    const opaqueAlpha = await upload(await picture(1000, 1000, 'png', { alpha: 255 }), 'screenshot.png', 'image/png');
    expect(opaqueAlpha.body).toMatchObject({ mime: 'image/jpeg', width: 1000, height: 1000 });

    const transparent = await upload(await picture(600, 400, 'png', { alpha: 128 }), 'logo.png', 'image/png');
    expect(transparent.status).toBe(201);
    expect(transparent.body).toMatchObject({ mime: 'image/webp', width: 600, height: 400 });
    const served = await request(app).get(transparent.body.path).buffer(true);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(await sharp(served.body as Buffer).metadata()).toMatchObject({ format: 'webp', width: 600, height: 400, hasAlpha: true });
    expect(storedFiles()).toEqual(expect.arrayContaining([`images/${opaque.body.id}.jpg`, `images/${transparent.body.id}.webp`]));
  });

  it('when the same file is uploaded twice, and twice more at once, then it is one image: same id, one record, one file', async () => {
    const bytes = await picture(800, 600, 'jpeg', { seed: 7 });
    const filesBefore = storedFiles().length;
    const first = await upload(bytes, 'a.jpg', 'image/jpeg');
    const again = await Promise.all([upload(bytes, 'b.jpg', 'image/jpeg'), upload(bytes, 'c.jpeg', 'image/jpeg'), upload(bytes, 'renamed.png', 'image/png')]);
    expect(first.status).toBe(201);
    for (const response of again) expect(response.body).toEqual(first.body);
    expect(await MediaImageModel.countDocuments({ _id: first.body.id })).toBe(1);
    expect(storedFiles().length).toBe(filesBefore + 1);
  });
});

describe('bad uploads store nothing', () => {
  async function expectNothingStored(run: () => Promise<request.Response>, status: number, message: RegExp) {
    const [recordsBefore, filesBefore] = [await MediaImageModel.countDocuments(), storedFiles()];
    const response = await run();
    expect(response.status).toBe(status);
    expect(response.body.error.message).toMatch(message);
    expect(response.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await MediaImageModel.countDocuments()).toBe(recordsBefore);
    expect(storedFiles()).toEqual(filesBefore);
  }

  it('when a text file is named .png and declared image/png, then it is refused by its content', async () => {
    await expectNothingStored(() => upload(Buffer.from('这不是图片，只是一段文字。\n'.repeat(20)), 'fake.png', 'image/png'), 415, /只能上传 JPG、PNG、WebP 或 GIF 图片/);
  });

  it('when an SVG is uploaded, then it is refused (it decodes, but is not an accepted format)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="red"/></svg>');
    await expectNothingStored(() => upload(svg, 'icon.png', 'image/png'), 415, /只能上传/);
  });

  it('when a JPEG is truncated, then it is refused as incomplete', async () => {
    const whole = await picture(900, 700, 'jpeg', { seed: 3 });
    await expectNothingStored(() => upload(whole.subarray(0, Math.floor(whole.length * 0.6)), 'cut.jpg', 'image/jpeg'), 400, /图片文件不完整/);
  });

  it('when a file is over the size limit, then it is refused with the limit named', async () => {
    const small = createTestApp({ env: { DATA_DIR: dataDir, MEDIA_MAX_UPLOAD_BYTES: String(64 * 1024), RATE_LIMIT_MAX: '100000' } });
    const big = await sharp(randomBytes(600 * 400 * 3), { raw: { width: 600, height: 400, channels: 3 } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(64 * 1024);
    await expectNothingStored(() => upload(big, 'big.png', 'image/png', small), 413, /图片不能超过 64 KB/);
  });

  it('when the upload has no file, or is JSON, then it is refused', async () => {
    await expectNothingStored(() => request(app).post('/media/images').set(bearer(manager)).field('note', 'x'), 400, /请选择一张图片/);
    await expectNothingStored(() => request(app).post('/media/images').set(bearer(manager)).send({ file: 'aGVsbG8=' }), 415, /请以表单文件/);
  });

  it('when no one signed in uploads, then it is refused', async () => {
    const bytes = await picture(100, 100, 'jpeg', { seed: 11 });
    await expectNothingStored(() => request(app).post('/media/images').attach('file', bytes, 'x.jpg'), 401, /请先登录/);
  });

  it('when a resident uploads (a picture for a post), then it is stored with the resident as its uploader', async () => {
    const resident = await login(app, 'dev:media-resident');
    const response = await upload(await picture(300, 200, 'jpeg', { seed: 12 }), 'post.jpg', 'image/jpeg', app, resident);
    expect(response.status).toBe(201);
    const record = await MediaImageModel.findById(response.body.id).lean();
    expect(record).toMatchObject({ uploaderKind: 'resident' });
    expect(String(record!.uploadedBy)).toBe(resident.residentId);
  });
});

describe('methods', () => {
  it('another method on the upload path with a multipart body is 405, not 415', async () => {
    const response = await request(app).put('/media/images').set(bearer(manager)).attach('file', Buffer.from('x'), 'x.png');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });
});

describe('serving', () => {
  it('an unknown image is a 404 in Chinese; a malformed id a 400', async () => {
    const unknown = await request(app).get(`/media/images/${'0'.repeat(64)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('图片不存在');
    expect((await request(app).get('/media/images/not-an-id')).status).toBe(400);
  });
});
