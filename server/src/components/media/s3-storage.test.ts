import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { S3Storage } from './media-storage';

useTestDatabase();
jest.setTimeout(120_000);

interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
  cacheControl: string | undefined;
}

/** The two calls the storage makes, answered as S3 answers them (path-style addressing). */
function fakeS3() {
  const objects = new Map<string, StoredObject>();
  const requests: { method: string; path: string; authorization: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const objectPath = decodeURIComponent(new URL(req.url ?? '/', 'http://fake').pathname);
      requests.push({ method: req.method ?? '', path: objectPath, authorization: req.headers.authorization ?? '' });
      if (req.method === 'PUT') {
        objects.set(objectPath, { body: Buffer.concat(chunks), contentType: req.headers['content-type'], cacheControl: req.headers['cache-control'] });
        res.writeHead(200, { ETag: '"fake"' }).end();
        return;
      }
      const object = objects.get(objectPath);
      if (req.method === 'GET' && object) {
        res.writeHead(200, { 'Content-Type': object.contentType ?? 'application/octet-stream', 'Content-Length': object.body.length }).end(object.body);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    });
  });
  return { server, objects, requests };
}

const s3 = fakeS3();
let endpoint: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => s3.server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(s3.server.address() as AddressInfo).port}`;
  await seedDemo();
});
afterAll(async () => {
  await new Promise((resolve) => s3.server.close(resolve));
});

const credentials = { accessKeyId: 'TESTACCESSKEY', secretAccessKey: 'test-secret-access-key' };

describe('S3 storage', () => {
  it('puts an object with its type and cache header, signed; reads it back; a missing key is null', async () => {
    const storage = new S3Storage({ bucket: 'broadcasts', region: 'us-east-1', endpoint, credentials, forcePathStyle: true, keyPrefix: 'media/' });
    const key = `images/${'a'.repeat(64)}.jpg`;
    await storage.put(key, Buffer.from('jpeg bytes'), 'image/jpeg');
    expect(s3.objects.get(`/broadcasts/media/${key}`)).toEqual({ body: Buffer.from('jpeg bytes'), contentType: 'image/jpeg', cacheControl: 'public, max-age=31536000, immutable' });
    expect(s3.requests.at(-1)?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=TESTACCESSKEY\/\d{8}\/us-east-1\/s3\/aws4_request/);
    expect(await storage.get(key)).toEqual(Buffer.from('jpeg bytes'));
    expect(await storage.get(`images/${'b'.repeat(64)}.jpg`)).toBeNull();
    storage.destroy();
  });

  it('when MEDIA_S3_BUCKET is set, then an upload through the API lands in the bucket and is served from it', async () => {
    const application = createTestApplication({
      env: {
        MEDIA_S3_BUCKET: 'uploads',
        MEDIA_S3_ENDPOINT: endpoint,
        MEDIA_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_S3_ACCESS_KEY_ID: credentials.accessKeyId,
        MEDIA_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    });
    expect(application.services.media.storage.kind).toBe('s3');
    const manager = await login(application.app, DEMO_LOGINS.managers[0]);
    const photo = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#2a7' } }).jpeg().toBuffer();
    const uploaded = await request(application.app).post('/media/images').set(bearer(manager)).attach('file', photo, 'photo.jpg');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ width: 1280, height: 720, mime: 'image/jpeg' });
    const object = s3.objects.get(`/uploads/media/images/${uploaded.body.id}.jpg`);
    expect(object?.contentType).toBe('image/jpeg');
    expect(object?.body.length).toBe(uploaded.body.bytes);

    const served = await request(application.app).get(uploaded.body.path).buffer(true);
    expect(served.status).toBe(200);
    expect(Buffer.compare(served.body as Buffer, object!.body)).toBe(0);
    await application.stop();
  });
});
