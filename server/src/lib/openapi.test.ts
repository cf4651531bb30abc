import request from 'supertest';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';

useTestDatabase();

describe('GET /openapi.json', () => {
  it('documents every route of the app with its error body', async () => {
    const response = await request(createTestApp()).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.0.3');
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(response.body.paths['/readyz'].get.responses['503'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorBody',
    });
    expect(response.body.components.schemas.ErrorBody.properties.error.required).toEqual(['code', 'message', 'details']);
  });
});
