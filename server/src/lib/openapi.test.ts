import request from 'supertest';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';

useTestDatabase();

const EXPECTED_OPERATIONS = [
  'get /healthz', 'get /readyz',
  'post /auth/wechat-login', 'post /auth/logout',
  'post /staff/invites', 'post /staff/invites/accept', 'get /staff/me', 'get /staff', 'patch /staff/{staffId}/goal',
  'get /cities', 'post /cities', 'get /stores', 'post /stores', 'get /stores/{storeId}', 'patch /stores/{storeId}',
  'get /stores/{storeId}/communities', 'get /stores/{storeId}/community-choices', 'post /communities', 'get /communities/{communityId}',
  'patch /communities/{communityId}/portrait', 'get /communities/{communityId}/sections', 'post /communities/{communityId}/sections',
  'put /sections/{sectionId}/owner', 'delete /sections/{sectionId}/owner', 'get /sections/{sectionId}/history',
  'get /residents/me', 'post /residents/me/sign-up', 'get /residents', 'get /residents/{residentId}',
  'get /attribution/channels', 'post /attribution/channels', 'get /attribution/campaigns', 'post /attribution/campaigns',
  'get /attribution/placements', 'post /attribution/placements',
  'post /codes', 'get /codes', 'get /codes/{codeId}', 'patch /codes/{codeId}', 'get /codes/{codeId}/image',
  'post /scans', 'post /residents/{residentId}/touchpoints', 'get /residents/{residentId}/touches',
];

describe('GET /openapi.json', () => {
  it('documents every endpoint, with parameters, bodies, auth and the shared error body', async () => {
    const response = await request(createTestApp()).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.0.3');
    const paths = response.body.paths as Record<string, Record<string, { parameters: { name: string; in: string }[]; security?: unknown; requestBody?: unknown; responses: Record<string, unknown> }>>;
    const operations = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(operations).toEqual(expect.arrayContaining(EXPECTED_OPERATIONS));

    expect(paths['/readyz'].get.responses['503']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } });
    expect(paths['/stores/{storeId}'].get.parameters).toEqual([expect.objectContaining({ name: 'storeId', in: 'path' })]);
    expect(paths['/codes'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(paths['/codes'].post.requestBody).toMatchObject({ content: { 'application/json': { schema: { properties: { type: { enum: ['brand', 'advisor', 'advisor_activity', 'store_activity'] } } } } } });
    expect(response.body.components.schemas.ErrorBody.properties.error.required).toEqual(['code', 'message', 'details']);
  });
});

describe('the OpenAPI document for contract tools', () => {
  it('has no reference that does not resolve inside the document (audience conditions used #/definitions/__schema0)', async () => {
    const document = (await request(createTestApp()).get('/openapi.json')).body as Record<string, unknown>;
    const references: string[] = [];
    const stack: unknown[] = [document];
    while (stack.length > 0) {
      const node = stack.pop();
      if (!node || typeof node !== 'object') continue;
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string') references.push(ref);
      stack.push(...Object.values(node));
    }
    const resolves = (ref: string): boolean => {
      if (!ref.startsWith('#/')) return false;
      let target: unknown = document;
      for (const part of ref.slice(2).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))) {
        if (!target || typeof target !== 'object' || !(part in target)) return false;
        target = (target as Record<string, unknown>)[part];
      }
      return true;
    };
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((ref) => !resolves(ref))).toEqual([]);
  });
});
