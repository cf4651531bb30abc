import mongoose from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
jest.setTimeout(120_000);

const app = createTestApp({ env: { RATE_LIMIT_MAX: '100000', H5_BASE_URL: 'https://h5.example.com/h5' } });

beforeAll(() => seedDemo());

describe('the store\'s live code for residents', () => {
  it('is null before a manager makes one; then the store-wide code, linking to the store page that joins through it', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const storeId = manager.staff!.storeId!;
    const resident = await login(app, 'dev:live-code-resident');
    expect((await request(app).get(`/group-codes/stores/${storeId}/live`)).status).toBe(401);
    expect((await request(app).get(`/group-codes/stores/${storeId}/live`).set(bearer(resident)).expect(200)).body).toEqual({ code: null });

    const placement = await mongoose.connection.collection('placements').findOne({});
    await request(app).post('/group-codes').set(bearer(manager)).send({ storeId, placementId: String(placement!._id), name: '收银台群活码' }).expect(201);
    const storeWide = (await request(app).post('/group-codes').set(bearer(manager)).send({ storeId, name: '门店群活码' }).expect(201)).body;
    const live = await request(app).get(`/group-codes/stores/${storeId}/live`).set(bearer(resident)).expect(200);
    expect(live.body).toEqual({ code: { id: storeWide.id, name: '门店群活码', url: `https://h5.example.com/h5/#/pages/store/index?groupCode=${storeWide.id}` } });
  });
});
