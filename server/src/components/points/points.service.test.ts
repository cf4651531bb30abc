import { Types } from 'mongoose';
import { ResidentModel } from '../residents/resident.model';
import { useTestDatabase } from '../../testing/test-database';
import { PointAuditModel, PointEntryModel, PointStepModel } from './points.model';
import { InsufficientPointsError, PointsService } from './points.service';

useTestDatabase();
jest.setTimeout(60_000);

const points = new PointsService({ kind: 'end_of_next_year' });
let sequence = 0;

async function newResident(): Promise<Types.ObjectId> {
  sequence += 1;
  const resident = await ResidentModel.create({
    openid: `points-test-${sequence}`,
    attribution: { source: 'organic', at: new Date() },
    inviteCode: `pt${String(sequence).padStart(6, '0')}`,
    registeredAt: new Date(),
    creationToken: 'x',
  });
  return resident._id;
}

const earn = (residentId: Types.ObjectId, amount: number, key: string, extra: Partial<Parameters<PointsService['earn']>[0]> = {}) =>
  points.earn({ residentId, amount, reasonCode: 'task_completed', note: '完成任务', source: 'task', sourceId: key, idempotencyKey: key, ...extra });
const spend = (residentId: Types.ObjectId, amount: number, key: string) =>
  points.spend({ residentId, amount, reasonCode: 'redeem_reward', note: '兑换奖励', source: 'redemption', idempotencyKey: key });

/** The balance of record, and the mirror on the resident agrees with it. */
async function stored(residentId: Types.ObjectId) {
  const { available, pending } = await points.balance(residentId);
  const resident = await ResidentModel.findById(residentId).lean();
  expect({ available: resident!.points!.available, pending: resident!.points!.pending }).toEqual({ available, pending });
  return { available, pending };
}

describe('points ledger', () => {
  it('when 50 identical award requests arrive at once, then one entry and one balance change result', async () => {
    const residentId = await newResident();
    const results = await Promise.all(Array.from({ length: 50 }, () => earn(residentId, 10, 'award:same-key-0001')));
    expect(new Set(results.map((entry) => String(entry._id))).size).toBe(1);
    expect(await PointEntryModel.countDocuments({ residentId })).toBe(1);
    expect(await stored(residentId)).toEqual({ available: 10, pending: 0 });
  });

  it('when 50 redemptions race against a balance enough for 10, then exactly 10 succeed and the balance is zero', async () => {
    const residentId = await newResident();
    await earn(residentId, 100, 'award:race-0001');
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => spend(residentId, 10, `redeem:race-${index}`)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(failures.every((failure) => failure.reason instanceof InsufficientPointsError)).toBe(true);
    expect(await stored(residentId)).toEqual({ available: 0, pending: 0 });
    expect(await PointEntryModel.countDocuments({ residentId, 'intent.kind': 'spend', 'applied.rejected': null, applied: { $ne: null } })).toBe(10);
    expect((await points.balance(residentId)).available).toBe(0);
    expect((await points.verify(residentId)).consistent).toBe(true);
  });

  it('when a spend is retried with the same key, then the original result comes back and nothing changes', async () => {
    const residentId = await newResident();
    await earn(residentId, 30, 'award:retry-0001');
    const first = await spend(residentId, 20, 'redeem:retry-0001');
    const second = await spend(residentId, 20, 'redeem:retry-0001');
    expect(String(second._id)).toBe(String(first._id));
    expect(await stored(residentId)).toEqual({ available: 10, pending: 0 });
    await expect(earn(residentId, 99, 'redeem:retry-0001')).rejects.toThrow(/已用于另一笔积分变动/);
  });

  it('spends the oldest lots first across several lots', async () => {
    const residentId = await newResident();
    const old = await earn(residentId, 30, 'award:fifo-old', { now: new Date('2025-03-01T00:00:00Z') });
    const middle = await earn(residentId, 40, 'award:fifo-mid', { now: new Date('2026-02-01T00:00:00Z') });
    const recent = await earn(residentId, 50, 'award:fifo-new', { now: new Date('2026-06-01T00:00:00Z') });
    await spend(residentId, 50, 'redeem:fifo-1');
    const remaining = async (id: Types.ObjectId) => {
      const head = await PointStepModel.findOne({ residentId }).sort({ version: -1 }).lean();
      return (head!.state as { lots: { id: string; remaining: number }[] }).lots.find((lot) => lot.id === String(id))?.remaining ?? 0;
    };
    expect([await remaining(old._id), await remaining(middle._id), await remaining(recent._id)]).toEqual([0, 20, 50]);
    await spend(residentId, 30, 'redeem:fifo-2');
    expect([await remaining(old._id), await remaining(middle._id), await remaining(recent._id)]).toEqual([0, 0, 40]);
    expect(await stored(residentId)).toEqual({ available: 40, pending: 0 });
  });

  it('expires lots at the end of the following year (China time) and shows points about to expire', async () => {
    const residentId = await newResident();
    const earnedAt = new Date('2024-12-31T15:30:00Z'); // 2024-12-31 23:30 in Shanghai
    const lot = await earn(residentId, 25, 'award:expiry-0001', { now: earnedAt });
    expect(lot.expiresAt!.toISOString()).toBe('2025-12-31T16:00:00.000Z');
    await spend(residentId, 5, 'redeem:expiry-0001');
    const warning = await points.balance(residentId, new Date('2025-12-15T00:00:00Z'));
    expect(warning).toMatchObject({ available: 20, expiringSoonTotal: 20, expiringSoon: [{ amount: 20, expiresAt: '2025-12-31T16:00:00.000Z' }] });

    await points.expireDue(new Date('2025-12-31T15:59:59Z'));
    expect(await PointEntryModel.countDocuments({ residentId, source: 'expiry' })).toBe(0);
    await points.expireDue(new Date('2025-12-31T16:00:00Z'));
    expect(await stored(residentId)).toEqual({ available: 0, pending: 0 });
    const expiry = await PointEntryModel.findOne({ residentId, source: 'expiry' }).lean();
    expect(expiry).toMatchObject({ reasonCode: 'points_expired', applied: { amount: -20, rejected: null } });
    await points.expireDue(new Date('2025-12-31T17:00:00Z'));
    await points.expireDue(new Date('2026-01-02T00:00:00Z'));
    expect(await PointEntryModel.countDocuments({ residentId, source: 'expiry' })).toBe(1);
  });

  it('keeps held points pending until released, and a cancelled hold never becomes available', async () => {
    const residentId = await newResident();
    const held = await earn(residentId, 50, 'invite:held-0001', { held: true, source: 'invite', reasonCode: 'invite_reward' });
    expect(await stored(residentId)).toEqual({ available: 0, pending: 50 });
    await expect(spend(residentId, 10, 'redeem:held-0001')).rejects.toBeInstanceOf(InsufficientPointsError);
    await points.release(held._id, '邀请的邻居完成首单');
    await points.release(held._id, '邀请的邻居完成首单');
    expect(await stored(residentId)).toEqual({ available: 50, pending: 0 });
    await expect(points.cancelHold(held._id, '已发放')).rejects.toThrow('这笔待到账积分已经到账');

    const other = await earn(residentId, 30, 'invite:held-0002', { held: true, source: 'invite', reasonCode: 'invite_reward' });
    await points.cancelHold(other._id, '邀请已失效');
    expect(await stored(residentId)).toEqual({ available: 50, pending: 0 });
    await expect(points.release(other._id, 'x')).rejects.toThrow('这笔待到账积分已经取消');
  });

  it('claws back what a refunded order earned, held or available', async () => {
    const residentId = await newResident();
    await earn(residentId, 40, 'order:o-1001:reward', { source: 'order', sourceId: 'o-1001', reasonCode: 'order_reward' });
    await earn(residentId, 15, 'order:o-1001:held', { source: 'order', sourceId: 'o-1001', reasonCode: 'order_bonus', held: true });
    await earn(residentId, 10, 'award:unrelated-0001');
    expect(await stored(residentId)).toEqual({ available: 50, pending: 15 });
    await points.clawback('order', 'o-1001', '订单退款，积分已扣回');
    await points.clawback('order', 'o-1001', '订单退款，积分已扣回');
    expect(await stored(residentId)).toEqual({ available: 10, pending: 0 });
  });

  it('reconcile repairs a balance corrupted on purpose and reports it, and finishes a half-applied entry', async () => {
    const residentId = await newResident();
    await earn(residentId, 70, 'award:reconcile-0001');
    await spend(residentId, 20, 'redeem:reconcile-0001');
    // A crash after the entry was written but before it took its step:
    await PointEntryModel.create({
      residentId, intent: { kind: 'earn', amount: 5 }, reasonCode: 'task_completed', note: '完成任务', source: 'task',
      idempotencyKey: 'award:crashed-0001', createdAt: new Date(Date.now() - 5 * 60_000),
    });
    expect((await points.reconcile()).finishedEntries).toBeGreaterThanOrEqual(1);
    expect((await points.balance(residentId)).available).toBe(55);

    await ResidentModel.updateOne({ _id: residentId }, { $set: { 'points.available': 999 } });
    const report = await points.reconcile();
    expect(report.repaired).toContainEqual({ residentId: String(residentId), before: { available: 999, pending: 0 }, after: { available: 55, pending: 0 } });
    expect((await points.verify(residentId)).consistent).toBe(true);
    expect(await stored(residentId)).toEqual({ available: 55, pending: 0 });
    expect(await PointAuditModel.countDocuments({ residentId, kind: 'reconcile_repair' })).toBe(1);
    const again = await points.reconcile();
    expect(again.repaired.find((row) => row.residentId === String(residentId))).toBeUndefined();
  });

  it('audits a manual grant and a manual deduction with who and why', async () => {
    const residentId = await newResident();
    const staff = { id: new Types.ObjectId(), role: 'store_manager' };
    await points.adjustManually({ residentId, amount: 30, reason: '线下活动补发', idempotencyKey: 'm-grant-0001', staff });
    await points.adjustManually({ residentId, amount: -10, reason: '误发扣回', idempotencyKey: 'm-deduct-0001', staff });
    await expect(points.adjustManually({ residentId, amount: -100, reason: '过度扣减', idempotencyKey: 'm-deduct-0002', staff })).rejects.toBeInstanceOf(InsufficientPointsError);
    expect(await stored(residentId)).toEqual({ available: 20, pending: 0 });
    const audits = await PointAuditModel.find({ residentId, kind: 'manual_adjustment' }).sort({ at: 1 }).lean();
    expect(audits.map((audit) => [audit.reason, String(audit.staffId), audit.staffRole])).toEqual([
      ['线下活动补发', String(staff.id), 'store_manager'],
      ['误发扣回', String(staff.id), 'store_manager'],
    ]);
  });
});
