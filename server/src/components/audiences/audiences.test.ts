import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { seedLabelCatalogue } from '../labels/labels.catalogue';
import { AudienceModel } from './audiences.model';

useTestDatabase();
const app = createTestApp();
let manager: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  await seedDemoData();
  await seedLabelCatalogue();
  manager = await login(app, DEMO_LOGINS.managers[0]);
}, 30_000);

function nested(levels: number): unknown {
  let condition: unknown = { label: 'store', op: 'exists' };
  for (let level = 1; level < levels; level += 1) condition = level % 2 ? { all: [condition] } : { any: [condition] };
  return condition;
}

describe('audience conditions nested too deep', () => {
  it('are refused with 400 and the depth before any recursion, for a thousand levels as for five', async () => {
    for (const levels of [1000, 5]) {
      const preview = await request(app).post('/audiences/preview').set(bearer(manager)).send({ conditions: nested(levels) });
      expect(preview.status).toBe(400);
      expect(preview.body.error.code).toBe('VALIDATION_FAILED');
      expect(preview.body.error.details).toEqual([{ path: 'body.conditions', message: '条件最多嵌套 4 层，这里至少有 5 层' }]);
      const saved = await request(app).post('/audiences').set(bearer(manager)).send({ name: '深层', storeId: manager.staff!.storeId, conditions: nested(levels) });
      expect(saved.status).toBe(400);
    }
    expect(await AudienceModel.countDocuments()).toBe(0);
  });

  it('accepts four levels', async () => {
    const preview = await request(app).post('/audiences/preview').set(bearer(manager)).send({ storeId: manager.staff!.storeId, conditions: nested(4) });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ count: expect.any(Number) });
  });
});
