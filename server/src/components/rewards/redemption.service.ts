import type { Types } from 'mongoose';
import type { Redemption } from '@o2o/shared/schemas/rewards';
import { isDuplicateKey } from '../../db/unique-insert';
import { AppError } from '../../lib/app-error';
import { InsufficientPointsError, type PointsService } from '../points/points.service';
import type { CouponService } from './coupon.service';
import { claimNumberedSlot, releaseSlots } from './numbered-slots';
import { RedemptionFailedError, type RedemptionFailureCode } from './redemption-failures';
import type { RewardCatalogue } from './reward-catalogue.service';
import {
  CouponModel,
  RedemptionDecisionModel,
  RedemptionModel,
  RewardLimitSlotModel,
  RewardModel,
  RewardStockSlotModel,
  rewardTerms,
  type CouponRecord,
  type RedemptionDecisionRecord,
  type RedemptionRecord,
  type RewardRecord,
} from './rewards.model';

/** `claim` takes slots for an undecided redemption; `no-claim` (repair) unwinds it instead. */
export type SettleMode = 'claim' | 'no-claim';

/**
 * The redemption saga. A redemption moves through facts that are each written once (redemption →
 * slots → decision → points entry → coupon), so rerunning it from any point, by a retry or by the
 * repair job, finishes it or unwinds it the same way. Stock and per-resident limits are numbered
 * slots taken by unique insert, never counted with `$inc` (the embedded database loses such
 * updates under concurrency).
 */
export class RedemptionService {
  constructor(
    private readonly points: PointsService,
    private readonly catalogue: RewardCatalogue,
    private readonly coupons: CouponService,
  ) {}

  /**
   * Redeems a reward for a coupon: the points and one unit of stock are taken exactly once. The
   * (resident, idempotency key) pair names the attempt, so a retry returns its original outcome —
   * the same coupon, or the same 409 — and a retry after a crash finishes what was started.
   */
  async redeem(residentId: Types.ObjectId, rewardId: Types.ObjectId, idempotencyKey: string, now = new Date()): Promise<Redemption> {
    let redemption = await RedemptionModel.findOne({ residentId, idempotencyKey }).lean<RedemptionRecord>();
    if (!redemption) {
      const reward = await this.catalogue.redeemableReward(residentId, rewardId, now);
      try {
        const created = await RedemptionModel.create({
          residentId,
          rewardId,
          idempotencyKey,
          reward: { ...rewardTerms(reward), validity: reward.validity },
          createdAt: now,
        });
        redemption = created.toObject() as RedemptionRecord;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        redemption = await RedemptionModel.findOne({ residentId, idempotencyKey }).lean<RedemptionRecord>();
        if (!redemption) throw error;
      }
    }
    if (!redemption.rewardId.equals(rewardId)) throw AppError.conflict('这个请求编号已用于兑换另一个奖励', { idempotencyKey });
    const settled = await this.settle(redemption, now, 'claim');
    if (settled.status === 'failed') throw new RedemptionFailedError(settled.failureCode as RedemptionFailureCode, settled._id);
    return this.redemptionView(settled, now);
  }

  /**
   * Takes a redemption from wherever it stopped to completed or failed. Each step is a fact
   * written once, so concurrent runners of the same redemption converge on one outcome:
   * 1. the decision (keyed by redemption): proceed once both slots are held, else fail;
   * 2. on proceed, the spend (points idempotency key `redeem:<id>`); short of points → unwind;
   * 3. the coupon (unique per redemption).
   * `no-claim` (repair) never claims slots: an undecided redemption is unwound instead.
   */
  async settle(redemption: RedemptionRecord, now: Date, mode: SettleMode): Promise<RedemptionRecord> {
    if (redemption.status !== 'pending') return redemption;
    const decision = (await RedemptionDecisionModel.findById(String(redemption._id)).lean<RedemptionDecisionRecord>()) ?? (await this.decide(redemption, now, mode));
    if (!decision.proceed) return this.unwind(redemption, (decision.failureCode ?? 'REDEMPTION_INTERRUPTED') as RedemptionFailureCode, now);

    let entryId: Types.ObjectId;
    try {
      const entry = await this.points.spend({
        residentId: redemption.residentId,
        amount: redemption.reward.pointsCost,
        reasonCode: 'reward_redeemed',
        note: `兑换：${redemption.reward.name}`,
        source: 'redemption',
        sourceId: String(redemption._id),
        idempotencyKey: `redeem:${redemption._id}`,
        now,
      });
      entryId = entry._id;
    } catch (error) {
      if (error instanceof InsufficientPointsError) return this.unwind(redemption, 'INSUFFICIENT_POINTS', now);
      throw error;
    }
    const coupon = await this.coupons.issueFor(redemption, now);
    return this.markSettled(redemption, { status: 'completed', couponId: coupon._id, pointEntryId: entryId }, now);
  }

  /** Claims the slots (unless repairing) and stores the decision; the first decision stored wins. */
  private async decide(redemption: RedemptionRecord, now: Date, mode: SettleMode): Promise<RedemptionDecisionRecord> {
    const failureCode = mode === 'claim' ? await this.claimSlots(redemption, now) : 'REDEMPTION_INTERRUPTED';
    try {
      const created = await RedemptionDecisionModel.create({ _id: String(redemption._id), proceed: failureCode === null, failureCode, at: now });
      return created.toObject() as RedemptionDecisionRecord;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await RedemptionDecisionModel.findById(String(redemption._id)).lean<RedemptionDecisionRecord>();
      if (!first) throw error;
      return first;
    }
  }

  /** One of the resident's limit slots, then one unit of stock; returns why not, or null when both are held. */
  private async claimSlots(redemption: RedemptionRecord, now: Date): Promise<RedemptionFailureCode | null> {
    const reward = await RewardModel.findById(redemption.rewardId, { stock: 1, perResidentLimit: 1 }).lean<Pick<RewardRecord, '_id' | 'stock' | 'perResidentLimit'>>();
    if (!reward) return 'REWARD_UNAVAILABLE';
    // Cheap early answer; the spend itself is what guarantees the balance never goes below zero.
    if ((await this.points.balance(redemption.residentId, now)).available < redemption.reward.pointsCost) return 'INSUFFICIENT_POINTS';
    const { residentId, rewardId, _id: redemptionId } = redemption;
    const withinLimit = await claimNumberedSlot(RewardLimitSlotModel, {
      prefix: `${rewardId}:${residentId}`,
      pool: { rewardId, residentId },
      capacity: reward.perResidentLimit,
      redemptionId,
      fields: { rewardId, residentId },
      now,
    });
    if (!withinLimit) return 'LIMIT_REACHED';
    const inStock = await claimNumberedSlot(RewardStockSlotModel, {
      prefix: String(rewardId),
      pool: { rewardId },
      capacity: reward.stock,
      redemptionId,
      fields: { rewardId, residentId },
      now,
    });
    return inStock ? null : 'OUT_OF_STOCK';
  }

  private async unwind(redemption: RedemptionRecord, failureCode: RedemptionFailureCode, now: Date): Promise<RedemptionRecord> {
    await Promise.all([releaseSlots(RewardStockSlotModel, redemption._id), releaseSlots(RewardLimitSlotModel, redemption._id)]);
    return this.markSettled(redemption, { status: 'failed', failureCode }, now);
  }

  /** Writes the outcome mirror; every runner writes the same outcome, so the order does not matter. */
  private async markSettled(
    redemption: RedemptionRecord,
    outcome: { status: 'completed'; couponId: Types.ObjectId; pointEntryId: Types.ObjectId } | { status: 'failed'; failureCode: RedemptionFailureCode },
    now: Date,
  ): Promise<RedemptionRecord> {
    await RedemptionModel.updateOne({ _id: redemption._id, status: 'pending' }, { $set: { ...outcome, settledAt: now } });
    return { ...redemption, ...outcome, settledAt: now } as RedemptionRecord;
  }

  private async redemptionView(redemption: RedemptionRecord, now: Date): Promise<Redemption> {
    const coupon = redemption.couponId ? await CouponModel.findById(redemption.couponId).lean<CouponRecord>() : null;
    return {
      id: String(redemption._id),
      rewardId: String(redemption.rewardId),
      residentId: String(redemption.residentId),
      idempotencyKey: redemption.idempotencyKey,
      pointsCost: redemption.reward.pointsCost,
      status: redemption.status,
      coupon: coupon ? (await this.coupons.couponViews([coupon], now))[0] : null,
      createdAt: redemption.createdAt.toISOString(),
    };
  }
}
