import { DAY_MS } from '@o2o/shared/rules/china-time';
import type { RedemptionService } from './redemption.service';
import { CouponModel, CouponUseModel, RedemptionModel, RewardLimitSlotModel, RewardStockSlotModel, type CouponUseRecord, type RedemptionRecord } from './rewards.model';

const REPAIR_BATCH = 500;

export interface RedemptionRepairReport {
  /** Redemptions found pending past the grace period. */
  checked: number;
  completed: number;
  unwound: number;
  /** Redemptions that could not be settled this time (e.g. the points ledger was busy), for the next run. */
  stillPending: string[];
  /** Slots left behind by failed redemptions (a runner crashed after claiming) and now freed. */
  releasedSlots: number;
  /** Coupons whose used-mirror lagged their use marker. */
  couponMirrorsRepaired: number;
}

/** The `rewards-repair` job: settles stuck redemptions, frees slots left by failed ones, catches up coupon mirrors. */
export class RedemptionRepair {
  constructor(private readonly redemptions: RedemptionService) {}

  /**
   * Settles redemptions left pending longer than the grace period (a crash, a timeout). One that
   * already decided to proceed is completed (its points may be spent, so it must get its coupon,
   * or be unwound if the points were short); one that had not decided yet is unwound, since
   * nothing was taken from the resident. Also frees slots a crashed runner left behind for a failed
   * redemption and catches up coupon mirrors, looking back `lookbackMs` (a day by default: the
   * job is meant to run every few minutes). Safe to run at any time and on several instances.
   */
  async repairRedemptions(options: { now?: Date; graceMs?: number; lookbackMs?: number } = {}): Promise<RedemptionRepairReport> {
    const now = options.now ?? new Date();
    const settledBefore = new Date(now.getTime() - (options.graceMs ?? 5 * 60_000));
    const lookbackFrom = new Date(now.getTime() - (options.lookbackMs ?? DAY_MS));
    const report: RedemptionRepairReport = { checked: 0, completed: 0, unwound: 0, stillPending: [], releasedSlots: 0, couponMirrorsRepaired: 0 };

    const stuck = RedemptionModel.find({ status: 'pending', createdAt: { $lt: settledBefore } }).cursor();
    for await (const document of stuck) {
      report.checked += 1;
      const redemption = document.toObject() as RedemptionRecord;
      try {
        const settled = await this.redemptions.settle(redemption, now, 'no-claim');
        if (settled.status === 'completed') report.completed += 1;
        else report.unwound += 1;
      } catch {
        report.stillPending.push(String(redemption._id));
      }
    }

    for (const slots of [RewardStockSlotModel, RewardLimitSlotModel]) {
      const recent = slots.find({ at: { $gte: lookbackFrom, $lt: settledBefore } }, { redemptionId: 1 }).lean().cursor();
      await inBatches(recent, async (batch) => {
        const failed = await RedemptionModel.find({ _id: { $in: batch.map((slot) => slot.redemptionId) }, status: 'failed' }, { _id: 1 }).lean();
        if (failed.length === 0) return;
        report.releasedSlots += (await slots.deleteMany({ redemptionId: { $in: failed.map((redemption) => redemption._id) } })).deletedCount ?? 0;
      });
    }

    const uses = CouponUseModel.find({ at: { $gte: lookbackFrom } }).lean<CouponUseRecord[]>().cursor();
    await inBatches(uses, async (batch) => {
      const lagging = new Set(
        (await CouponModel.find({ _id: { $in: batch.map((use) => use.couponId) }, usedAt: null }, { _id: 1 }).lean()).map((coupon) => String(coupon._id)),
      );
      for (const use of batch.filter((row) => lagging.has(String(row.couponId)))) {
        await CouponModel.updateOne({ _id: use.couponId, usedAt: null }, { $set: { usedAt: use.at, usedStoreId: use.storeId, usedByStaffId: use.staffId } });
        report.couponMirrorsRepaired += 1;
      }
    });
    return report;
  }
}

/** Streams a cursor in batches, so a sweep over many documents keeps each `$in` small. */
async function inBatches<T>(cursor: AsyncIterable<T>, handle: (batch: T[]) => Promise<void>): Promise<void> {
  let batch: T[] = [];
  for await (const row of cursor) {
    batch.push(row);
    if (batch.length < REPAIR_BATCH) continue;
    await handle(batch);
    batch = [];
  }
  if (batch.length > 0) await handle(batch);
}
