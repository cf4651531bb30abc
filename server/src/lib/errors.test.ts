import request from 'supertest';
import mongoose from 'mongoose';
import { z } from 'zod';
import { ApiRouter } from './api-router';
import { AppError } from './app-error';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';

useTestDatabase();

const Gadget = mongoose.model('ErrorTestGadget', new mongoose.Schema({ sku: { type: String, unique: true } }));

const probe = new ApiRouter('/probe')
  .route({
    method: 'post',
    path: '/gadgets',
    summary: 'create a gadget',
    body: z.object({ sku: z.string().min(3), size: z.object({ width: z.number().positive() }) }),
    response: z.object({ sku: z.string() }),
    status: 201,
    handler: async ({ body }) => {
      await Gadget.create({ sku: body.sku });
      return { sku: body.sku };
    },
  })
  .route({
    method: 'get',
    path: '/private',
    summary: 'needs a token',
    guards: [(req, _res, next) => next(req.header('authorization') ? undefined : AppError.unauthenticated())],
    response: z.object({}),
    handler: () => {
      throw AppError.forbidden();
    },
  })
  .route({
    method: 'get',
    path: '/boom',
    summary: 'fails unexpectedly',
    response: z.object({}),
    handler: async () => {
      throw new Error('secret internal detail at /srv/app.js:42');
    },
  });

const app = createTestApp({ routers: [probe], env: { BODY_LIMIT: '1kb' } });

function expectErrorBody(body: unknown, code: string): void {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.anything() } });
}

describe('error responses', () => {
  it('400 lists each invalid field with its path', async () => {
    const response = await request(app).post('/probe/gadgets').send({ sku: 'x', size: { width: -1 } });
    expect(response.status).toBe(400);
    expectErrorBody(response.body, 'VALIDATION_FAILED');
    expect(response.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['body.size.width', 'body.sku']);
  });

  it('400 for malformed JSON', async () => {
    const response = await request(app).post('/probe/gadgets').set('content-type', 'application/json').send('{"sku": ');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('MALFORMED_JSON');
  });

  it('401 without a token, 403 with one that is not allowed', async () => {
    const anonymous = await request(app).get('/probe/private');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const signedIn = await request(app).get('/probe/private').set('authorization', 'Bearer x');
    expect(signedIn.status).toBe(403);
    expect(signedIn.body.error.code).toBe('FORBIDDEN');
  });

  it('404 for an unknown route', async () => {
    const response = await request(app).get('/nowhere');
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual({ code: 'NOT_FOUND', message: '没有找到这个页面或接口', details: { method: 'GET', path: '/nowhere' } });
  });

  it('409 when a unique key is taken, and the first record is kept', async () => {
    expect((await request(app).post('/probe/gadgets').send({ sku: 'abc', size: { width: 1 } })).status).toBe(201);
    const response = await request(app).post('/probe/gadgets').send({ sku: 'abc', size: { width: 2 } });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('CONFLICT');
    expect(await Gadget.countDocuments({ sku: 'abc' })).toBe(1);
  });

  it('413 for a body over the limit', async () => {
    const response = await request(app).post('/probe/gadgets').send({ sku: 'a'.repeat(2000), size: { width: 1 } });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('415 for a body that is not JSON', async () => {
    const response = await request(app).post('/probe/gadgets').set('content-type', 'text/plain').send('sku=abc');
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('500 hides the cause and the stack', async () => {
    const response = await request(app).get('/probe/boom');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: 'INTERNAL', message: '服务器出了点问题，请稍后再试', details: null } });
    expect(JSON.stringify(response.body)).not.toMatch(/secret|app\.js|at /);
  });

  it('every response carries a request id, echoing a valid incoming one', async () => {
    const echoed = await request(app).get('/healthz').set('x-request-id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await request(app).get('/healthz').set('x-request-id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and allows only configured CORS origins', async () => {
    const corsApp = createTestApp({ env: { CORS_ORIGINS: 'https://ok.example' } });
    const allowed = await request(corsApp).get('/healthz').set('origin', 'https://ok.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ok.example');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    const refused = await request(corsApp).get('/healthz').set('origin', 'https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});
