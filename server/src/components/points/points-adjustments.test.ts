import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentModel } from '../residents/resident.model';
import { PointAuditModel, PointEntryModel, PointStepModel } from './points.model';
import { PointsService } from './points.service';

useTestDatabase();
jest.setTimeout(60_000);
const app = createTestApp();
const points = new PointsService({ kind: 'end_of_next_year' });

beforeAll(async () => {
  await seedDemoData();
});

const adjust = (token: { token: string }, body: Record<string, unknown>) => request(app).post('/points/adjustments').set(bearer(token)).send(body);

describe('manual points adjustments through HTTP', () => {
  it('when one grant is sent five times at once, then one entry, one step and one audit with the balance after it are stored', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const resident = await login(app, 'dev:adjust-burst');
    const body = { residentId: resident.residentId, amount: 30, reason: '线下活动补发', idempotencyKey: 'adjust-burst-0001' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => adjust(admin, body)));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(answers[0]!.body).toMatchObject({ amount: 30, state: 'applied' });

    const residentId = resident.residentId!;
    expect(await PointEntryModel.countDocuments({ residentId })).toBe(1);
    expect(await PointStepModel.countDocuments({ residentId })).toBe(1);
    const audits = await PointAuditModel.find({ residentId, kind: 'manual_adjustment' }).lean();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ reason: '线下活动补发', staffRole: 'admin', after: { available: 30, pending: 0 } });
    expect(String(audits[0]!.entryId)).toBe(answers[0]!.body.id);
    expect((await ResidentModel.findById(residentId).lean())!.points).toMatchObject({ available: 30, version: 1 });
  });

  it('when the balance mirror lags behind the ledger, then the next grant still lands on the latest step', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const resident = await login(app, 'dev:adjust-lagging');
    const residentId = resident.residentId!;
    for (const [index, amount] of [10, 20].entries()) {
      expect((await adjust(admin, { residentId, amount, reason: '补发积分', idempotencyKey: `adjust-lag-${index}-0001` })).status).toBe(201);
    }
    // What a crash after a step but before its mirror leaves: the mirror names an older step.
    await ResidentModel.updateOne({ _id: residentId }, { $set: { points: { available: 10, pending: 0, version: 1 } } });

    const answer = await adjust(admin, { residentId, amount: -5, reason: '误发扣回', idempotencyKey: 'adjust-lag-2-0001' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ amount: -5, state: 'applied' });
    const steps = await PointStepModel.find({ residentId }).sort({ version: 1 }).lean();
    expect(steps.map((step) => [step.version, (step.state as { available: number }).available])).toEqual([[1, 10], [2, 30], [3, 25]]);
    expect((await ResidentModel.findById(residentId).lean())!.points).toMatchObject({ available: 25, version: 3 });
    expect((await PointAuditModel.findOne({ kind: 'manual_adjustment', entryId: answer.body.id }).lean())!.after).toEqual({ available: 25, pending: 0 });
    expect((await points.verify(steps[0]!.residentId)).consistent).toBe(true);
  });

  it('when a deduction exceeds the balance, then it is refused in Chinese and nothing is audited', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const resident = await login(app, 'dev:adjust-refused');
    const answer = await adjust(admin, { residentId: resident.residentId, amount: -50, reason: '过度扣减', idempotencyKey: 'adjust-refused-0001' });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'INSUFFICIENT_POINTS', message: '积分不足' });
    expect(await PointAuditModel.countDocuments({ residentId: resident.residentId })).toBe(0);
  });
});
