import { Types } from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentModel } from '../residents/resident.model';
import { PointEntryModel } from './points.model';

useTestDatabase();
const app = createTestApp();

beforeAll(async () => {
  await seedDemoData();
});

describe('after a crash between writing a points entry and applying it', () => {
  it('the 5-minute points-repair job applies it, so the balance matches its history long before 03:00', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const resident = await login(app, 'dev:crashed-award');
    const before = (await ResidentModel.findById(resident.residentId).lean())!.points?.available ?? 0;
    // What a crash leaves: the entry is written, its step never taken, the mirror untouched.
    await PointEntryModel.create({
      residentId: new Types.ObjectId(resident.residentId!), intent: { kind: 'earn', amount: 30, now: null }, expiresAt: null,
      reasonCode: 'manual_grant', note: '补偿测试', source: 'manual', sourceId: null, idempotencyKey: 'crash-test-1',
      createdAt: new Date(Date.now() - 5 * 60_000), applied: null,
    });
    const run = await request(app).post('/jobs/points-repair/run').set(bearer(admin));
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'succeeded', counts: { finishedEntries: 1 } });
    expect((await ResidentModel.findById(resident.residentId).lean())!.points?.available).toBe(before + 30);
    expect((await PointEntryModel.findOne({ idempotencyKey: 'crash-test-1' }).lean())!.applied).toMatchObject({ amount: 30 });

    const again = await request(app).post('/jobs/points-repair/run').set(bearer(admin));
    expect(again.body.counts).toMatchObject({ finishedEntries: 0, repaired: 0 });
  });
});
