import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import {
  COUPON_CODE_ALPHABET,
  COUPON_CODE_LENGTH,
  type Coupon,
  type CouponState,
  type Redemption,
  type Reward,
  type RewardInput,
  type RewardPatch,
  type RewardValidity,
  type ResidentReward,
} from '@o2o/shared/schemas/rewards';
import { chinaDateKey, chinaDayStart, DAY_MS } from '@o2o/shared/rules/china-time';
import { AppError } from '../../lib/app-error';
import { idString, isoString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { InsufficientPointsError, type PointsService } from '../points/points.service';
import { ResidentModel } from '../residents/resident.model';
import { canAccessStore } from '../staff/staff-scope';
import { claimNumberedSlot, releaseSlots } from './numbered-slots';
import {
  appliesAtStore,
  appliesAtStoreFilter,
  canManageReward,
  manageFilter,
  resolveScope,
  scopeView,
  staffCoversTarget,
  whereTexts,
  type StoreRef,
} from './reward-scope';
import {
  CouponModel,
  CouponUseModel,
  RedemptionDecisionModel,
  RedemptionModel,
  RewardLimitSlotModel,
  RewardModel,
  RewardStockSlotModel,
  type CouponRecord,
  type CouponUseRecord,
  type RedemptionDecisionRecord,
  type RedemptionRecord,
  type RewardRecord,
} from './rewards.model';
import { isDuplicateKey } from '../../db/unique-insert';

const MAX_CODE_ATTEMPTS = 5;
const MY_COUPONS_LIMIT = 200;
const REPAIR_BATCH = 500;

/** Why a redemption failed, in the words the resident sees. */
export const REDEMPTION_FAILURES = {
  OUT_OF_STOCK: '该奖励已兑完',
  LIMIT_REACHED: '您已达到该奖励的兑换上限',
  INSUFFICIENT_POINTS: '积分不足',
  REWARD_UNAVAILABLE: '该奖励已下架',
  REDEMPTION_INTERRUPTED: '兑换未完成，积分未扣除，请重新兑换',
} as const;
export type RedemptionFailureCode = keyof typeof REDEMPTION_FAILURES;

export class RedemptionFailedError extends AppError {
  constructor(code: RedemptionFailureCode, redemptionId: Types.ObjectId) {
    super(code, REDEMPTION_FAILURES[code], 409, { redemptionId: String(redemptionId) });
  }
}

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

interface ValidityRecord {
  kind: 'days_after_redemption' | 'until';
  days?: number | null;
  endsAt?: Date | null;
}

type SettleMode = 'claim' | 'no-claim';

/**
 * The points mall: the rewards catalogue, redeeming rewards for coupons and using coupons in store.
 *
 * Nothing here counts with `$inc` or decides with a conditional update, because the embedded
 * database loses such updates under concurrency. Stock and per-resident limits are numbered slots
 * taken by unique insert; a redemption moves through facts that are each written once
 * (redemption → slots → decision → points entry → coupon), so rerunning it from any point, by a
 * retry or by `repairRedemptions()`, finishes it or unwinds it the same way. A coupon is used once
 * because its use marker is keyed by the coupon id.
 */
export class RewardsService {
  constructor(private readonly points: PointsService) {}

  // ── Catalogue ────────────────────────────────────────────────────────────

  async createReward(staff: StaffPrincipal, input: RewardInput, now = new Date()): Promise<Reward> {
    const target = await resolveScope(input.scope);
    if (!canManageReward(staff, target)) throw AppError.forbidden('你不能管理这个范围的奖励');
    assertValidityOpen(input.validity, now);
    const reward = await RewardModel.create({
      ...target,
      name: input.name,
      description: input.description,
      kind: input.kind,
      pointsCost: input.pointsCost,
      stock: input.stock,
      perResidentLimit: input.perResidentLimit,
      validity: validityRecord(input.validity),
      active: input.active,
      displayOrder: input.displayOrder,
      createdBy: staff.id,
      updatedBy: staff.id,
    });
    return (await this.staffViews(staff, [reward.toObject() as RewardRecord]))[0];
  }

  /**
   * Changes a reward. Cost, validity and scope changes apply to later redemptions (a redemption
   * keeps what the reward was). Lowering the stock below what is taken stops further redemptions.
   */
  async updateReward(staff: StaffPrincipal, rewardId: Types.ObjectId, patch: RewardPatch, now = new Date()): Promise<Reward> {
    const reward = await RewardModel.findById(rewardId).lean<RewardRecord>();
    if (!reward) throw AppError.notFound('奖励');
    if (!canManageReward(staff, reward)) throw AppError.forbidden('你不能管理这个奖励');
    const set: Record<string, unknown> = { updatedBy: staff.id };
    if (patch.scope) {
      const target = await resolveScope(patch.scope);
      if (!canManageReward(staff, target)) throw AppError.forbidden('你不能把这个奖励改到那个范围');
      Object.assign(set, target);
    }
    if (patch.validity) {
      assertValidityOpen(patch.validity, now);
      set.validity = validityRecord(patch.validity);
    }
    for (const field of ['name', 'description', 'kind', 'pointsCost', 'stock', 'perResidentLimit', 'active', 'displayOrder'] as const) {
      if (patch[field] !== undefined) set[field] = patch[field];
    }
    const updated = await RewardModel.findByIdAndUpdate(rewardId, { $set: set }, { returnDocument: 'after' }).lean<RewardRecord>();
    return (await this.staffViews(staff, [updated!]))[0];
  }

  /** The catalogue within the staff member's scope, with stock taken and coupons issued and used. */
  async listForStaff(staff: StaffPrincipal, query: { storeId?: Types.ObjectId; active?: boolean } = {}): Promise<Reward[]> {
    const filters: Record<string, unknown>[] = [await manageFilter(staff)];
    if (query.storeId) {
      const store = await StoreModel.findById(query.storeId, { cityId: 1 }).lean<StoreRef>();
      if (!store) throw AppError.notFound('门店');
      filters.push(appliesAtStoreFilter(store));
    }
    if (query.active !== undefined) filters.push({ active: query.active });
    const rewards = await RewardModel.find({ $and: filters }).sort({ displayOrder: 1, _id: 1 }).limit(500).lean<RewardRecord[]>();
    return this.staffViews(staff, rewards);
  }

  /** What a resident can redeem at their store: active, not ended, with stock left and their own count. */
  async listForResident(residentId: Types.ObjectId, now = new Date()): Promise<ResidentReward[]> {
    const store = await this.residentStore(residentId);
    if (!store) return [];
    const rewards = (await RewardModel.find({ ...appliesAtStoreFilter(store), active: true }).sort({ displayOrder: 1, _id: 1 }).lean<RewardRecord[]>()).filter(
      (reward) => !hasEnded(reward.validity, now),
    );
    const rewardIds = rewards.map((reward) => reward._id);
    const [claimed, mine, where] = await Promise.all([
      countByReward(RewardStockSlotModel, { rewardId: { $in: rewardIds } }),
      countByReward(RewardLimitSlotModel, { residentId, rewardId: { $in: rewardIds } }),
      whereTexts(rewards),
    ]);
    return rewards.map((reward) => {
      const remainingStock = Math.max(0, reward.stock - (claimed.get(String(reward._id)) ?? 0));
      const redeemedByMe = mine.get(String(reward._id)) ?? 0;
      const unavailableReason = remainingStock === 0 ? 'OUT_OF_STOCK' : redeemedByMe >= reward.perResidentLimit ? 'LIMIT_REACHED' : null;
      return {
        id: String(reward._id),
        name: reward.name,
        description: reward.description ?? '',
        kind: reward.kind,
        pointsCost: reward.pointsCost,
        validity: validityView(reward.validity),
        whereText: where(reward),
        remainingStock,
        perResidentLimit: reward.perResidentLimit,
        redeemedByMe,
        canRedeem: unavailableReason === null,
        unavailableReason,
        unavailableText: unavailableReason === 'OUT_OF_STOCK' ? '已兑完' : unavailableReason === 'LIMIT_REACHED' ? '已达兑换上限' : null,
      };
    });
  }

  // ── Redemption ───────────────────────────────────────────────────────────

  /**
   * Redeems a reward for a coupon: the points and one unit of stock are taken exactly once. The
   * (resident, idempotency key) pair names the attempt, so a retry returns its original outcome —
   * the same coupon, or the same 409 — and a retry after a crash finishes what was started.
   */
  async redeem(residentId: Types.ObjectId, rewardId: Types.ObjectId, idempotencyKey: string, now = new Date()): Promise<Redemption> {
    let redemption = await RedemptionModel.findOne({ residentId, idempotencyKey }).lean<RedemptionRecord>();
    if (!redemption) {
      const reward = await this.redeemableReward(residentId, rewardId, now);
      try {
        const created = await RedemptionModel.create({
          residentId,
          rewardId,
          idempotencyKey,
          reward: {
            cityId: reward.cityId,
            scopeKind: reward.scopeKind,
            storeIds: reward.storeIds,
            name: reward.name,
            description: reward.description,
            kind: reward.kind,
            pointsCost: reward.pointsCost,
            validity: reward.validity,
          },
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
        const settled = await this.settle(redemption, now, 'no-claim');
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

  // ── Coupons ──────────────────────────────────────────────────────────────

  /** The resident's coupons, newest first, with the state to show and the code to show in store. */
  async myCoupons(residentId: Types.ObjectId, state?: CouponState, now = new Date()): Promise<Coupon[]> {
    const coupons = await CouponModel.find({ residentId }).sort({ issuedAt: -1 }).limit(MY_COUPONS_LIMIT).lean<CouponRecord[]>();
    const views = await this.couponViews(coupons, now);
    return state ? views.filter((coupon) => coupon.state === state) : views;
  }

  /** Looks a coupon up by its code for store staff: for what, where, and whether it can still be used. */
  async verifyCoupon(staff: StaffPrincipal, code: string, now = new Date()): Promise<Coupon> {
    const coupon = await this.couponForStaff(staff, code);
    return (await this.couponViews([coupon], now))[0];
  }

  /** Marks a coupon used, once, at a store where it applies, recording who and where. */
  async useCoupon(staff: StaffPrincipal, code: string, input: { storeId?: Types.ObjectId }, now = new Date()): Promise<Coupon> {
    const coupon = await this.couponForStaff(staff, code);
    const storeId = input.storeId ?? staff.storeId;
    if (!storeId) throw AppError.badRequest('请选择核销门店', [{ path: 'body.storeId', message: 'required for staff without a store' }]);
    const store = await StoreModel.findById(storeId, { cityId: 1 }).lean<StoreRef>();
    if (!store) throw AppError.notFound('门店');
    if (!canAccessStore(staff, store)) throw AppError.forbidden('这个门店不在你的负责范围内');
    if (!appliesAtStore(coupon, store)) throw new AppError('COUPON_NOT_FOR_THIS_STORE', '该券不适用于此门店', 403);

    const couponKey = String(coupon._id);
    const earlier = await CouponUseModel.findById(couponKey).lean<CouponUseRecord>();
    if (earlier) throw alreadyUsed(earlier);
    if (now.getTime() >= coupon.expiresAt.getTime()) throw new AppError('COUPON_EXPIRED', '该券已过期', 409, { expiresAt: coupon.expiresAt.toISOString() });
    try {
      await CouponUseModel.create({ _id: couponKey, couponId: coupon._id, rewardId: coupon.rewardId, storeId: store._id, staffId: staff.id, staffRole: staff.role, at: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const winner = await CouponUseModel.findById(couponKey).lean<CouponUseRecord>();
      throw winner ? alreadyUsed(winner) : error;
    }
    await CouponModel.updateOne({ _id: coupon._id, usedAt: null }, { $set: { usedAt: now, usedStoreId: store._id, usedByStaffId: staff.id } });
    return (await this.couponViews([{ ...coupon, usedAt: now, usedStoreId: store._id, usedByStaffId: staff.id }], now))[0];
  }

  // ── Redemption steps ─────────────────────────────────────────────────────

  /**
   * Takes a redemption from wherever it stopped to completed or failed. Each step is a fact
   * written once, so concurrent runners of the same redemption converge on one outcome:
   * 1. the decision (keyed by redemption): proceed once both slots are held, else fail;
   * 2. on proceed, the spend (points idempotency key `redeem:<id>`); short of points → unwind;
   * 3. the coupon (unique per redemption).
   * `no-claim` (repair) never claims slots: an undecided redemption is unwound instead.
   */
  private async settle(redemption: RedemptionRecord, now: Date, mode: SettleMode): Promise<RedemptionRecord> {
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
    const coupon = await this.issueCoupon(redemption, now);
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

  /** The redemption's coupon, issued once (unique redemptionId); a clash on the random code draws another. */
  private async issueCoupon(redemption: RedemptionRecord, now: Date): Promise<CouponRecord> {
    const existing = await CouponModel.findOne({ redemptionId: redemption._id }).lean<CouponRecord>();
    if (existing) return existing;
    const reward = redemption.reward;
    for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt += 1) {
      try {
        const coupon = await CouponModel.create({
          code: newCouponCode(),
          redemptionId: redemption._id,
          rewardId: redemption.rewardId,
          residentId: redemption.residentId,
          cityId: reward.cityId,
          scopeKind: reward.scopeKind,
          storeIds: reward.storeIds,
          name: reward.name,
          description: reward.description,
          kind: reward.kind,
          pointsCost: reward.pointsCost,
          issuedAt: now,
          expiresAt: couponExpiry(reward.validity, now),
        });
        return coupon.toObject() as CouponRecord;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const issued = await CouponModel.findOne({ redemptionId: redemption._id }).lean<CouponRecord>();
        if (issued) return issued;
      }
    }
    throw new AppError('BUSY', '券码生成失败，请稍后重试', 503);
  }

  // ── Lookups and views ────────────────────────────────────────────────────

  private async residentStore(residentId: Types.ObjectId): Promise<StoreRef | null> {
    const resident = await ResidentModel.findById(residentId, { storeId: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');
    return resident.storeId ? StoreModel.findById(resident.storeId, { cityId: 1 }).lean<StoreRef>() : null;
  }

  private async redeemableReward(residentId: Types.ObjectId, rewardId: Types.ObjectId, now: Date): Promise<RewardRecord> {
    const store = await this.residentStore(residentId);
    if (!store) throw new AppError('SIGN_UP_REQUIRED', '请先完成注册并选择您的小区', 409);
    const reward = await RewardModel.findById(rewardId).lean<RewardRecord>();
    if (!reward || !appliesAtStore(reward, store)) throw new AppError('NOT_FOUND', '没有找到该奖励', 404);
    if (!reward.active) throw new AppError('REWARD_UNAVAILABLE', REDEMPTION_FAILURES.REWARD_UNAVAILABLE, 409);
    if (hasEnded(reward.validity, now)) throw new AppError('REWARD_ENDED', '该奖励的兑换已结束', 409);
    return reward;
  }

  private async couponForStaff(staff: StaffPrincipal, code: string): Promise<CouponRecord> {
    const coupon = await CouponModel.findOne({ code }).lean<CouponRecord>();
    if (!coupon) throw new AppError('NOT_FOUND', '券码不存在', 404);
    if (!(await staffCoversTarget(staff, coupon))) throw new AppError('COUPON_NOT_FOR_THIS_STORE', '该券不适用于您的门店', 403);
    return coupon;
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
      coupon: coupon ? (await this.couponViews([coupon], now))[0] : null,
      createdAt: redemption.createdAt.toISOString(),
    };
  }

  /** Coupon state comes from the use markers (the facts); the mirror on the coupon may lag. */
  private async couponViews(coupons: CouponRecord[], now: Date): Promise<Coupon[]> {
    const [uses, where] = await Promise.all([
      coupons.length > 0 ? CouponUseModel.find({ _id: { $in: coupons.map((coupon) => String(coupon._id)) } }).lean<CouponUseRecord[]>() : [],
      whereTexts(coupons),
    ]);
    const useOf = new Map(uses.map((use) => [use._id, use]));
    return coupons.map((coupon) => {
      const use = useOf.get(String(coupon._id));
      const usedAt = use?.at ?? coupon.usedAt ?? null;
      const state: CouponState = usedAt ? 'used' : now.getTime() >= coupon.expiresAt.getTime() ? 'expired' : 'available';
      return {
        id: String(coupon._id),
        code: coupon.code,
        rewardId: String(coupon.rewardId),
        redemptionId: String(coupon.redemptionId),
        residentId: String(coupon.residentId),
        name: coupon.name,
        description: coupon.description ?? '',
        kind: coupon.kind,
        pointsCost: coupon.pointsCost,
        scope: scopeView(coupon),
        whereText: where(coupon),
        state,
        stateText: { available: '可使用', used: '已使用', expired: '已过期' }[state],
        issuedAt: coupon.issuedAt.toISOString(),
        expiresAt: coupon.expiresAt.toISOString(),
        usedAt: isoString(usedAt),
        usedStoreId: idString(use?.storeId ?? coupon.usedStoreId),
        usedByStaffId: idString(use?.staffId ?? coupon.usedByStaffId),
      };
    });
  }

  private async staffViews(staff: StaffPrincipal, rewards: RewardRecord[]): Promise<Reward[]> {
    const match = { rewardId: { $in: rewards.map((reward) => reward._id) } };
    const [claimed, issued, used, where] = await Promise.all([
      countByReward(RewardStockSlotModel, match),
      countByReward(CouponModel, match),
      countByReward(CouponUseModel, match),
      whereTexts(rewards),
    ]);
    return rewards.map((reward) => {
      const key = String(reward._id);
      const claimedStock = claimed.get(key) ?? 0;
      return {
        id: key,
        cityId: String(reward.cityId),
        name: reward.name,
        description: reward.description ?? '',
        kind: reward.kind,
        pointsCost: reward.pointsCost,
        stock: reward.stock,
        perResidentLimit: reward.perResidentLimit,
        validity: validityView(reward.validity),
        scope: scopeView(reward),
        active: reward.active ?? true,
        displayOrder: reward.displayOrder ?? 0,
        whereText: where(reward),
        claimedStock,
        remainingStock: Math.max(0, reward.stock - claimedStock),
        issuedCoupons: issued.get(key) ?? 0,
        usedCoupons: used.get(key) ?? 0,
        editable: canManageReward(staff, reward),
        createdAt: reward.createdAt.toISOString(),
        updatedAt: reward.updatedAt.toISOString(),
      };
    });
  }
}

async function countByReward(model: { aggregate: typeof RewardModel.aggregate }, match: Record<string, unknown>): Promise<Map<string, number>> {
  const rows = await model.aggregate<{ _id: Types.ObjectId; count: number }>([{ $match: match }, { $group: { _id: '$rewardId', count: { $sum: 1 } } }]);
  return new Map(rows.map((row) => [String(row._id), row.count]));
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

function alreadyUsed(use: CouponUseRecord): AppError {
  return new AppError('COUPON_ALREADY_USED', '该券已使用', 409, { usedAt: use.at.toISOString(), storeId: String(use.storeId) });
}

function newCouponCode(): string {
  // 32 symbols: every byte maps onto the alphabet without bias.
  return Array.from(randomBytes(COUPON_CODE_LENGTH), (byte) => COUPON_CODE_ALPHABET[byte % COUPON_CODE_ALPHABET.length]).join('');
}

/** `days` counts the redemption day as day 1 and ends at midnight China time; `until` ends at its instant. */
export function couponExpiry(validity: ValidityRecord, issuedAt: Date): Date {
  if (validity.kind === 'until') return validity.endsAt!;
  return chinaDayStart(chinaDateKey(new Date(issuedAt.getTime() + (validity.days ?? 1) * DAY_MS)));
}

function hasEnded(validity: ValidityRecord, now: Date): boolean {
  return validity.kind === 'until' && Boolean(validity.endsAt) && validity.endsAt!.getTime() <= now.getTime();
}

function assertValidityOpen(validity: RewardValidity, now: Date): void {
  if (validity.kind === 'until' && new Date(validity.endsAt).getTime() <= now.getTime()) {
    throw AppError.badRequest('结束日期必须晚于今天', [{ path: 'body.validity.endsAt', message: 'must be in the future' }]);
  }
}

function validityRecord(validity: RewardValidity): ValidityRecord {
  return validity.kind === 'until' ? { kind: 'until', days: null, endsAt: new Date(validity.endsAt) } : { kind: 'days_after_redemption', days: validity.days, endsAt: null };
}

function validityView(validity: ValidityRecord): RewardValidity {
  return validity.kind === 'until' ? { kind: 'until', endsAt: validity.endsAt!.toISOString() } : { kind: 'days_after_redemption', days: validity.days ?? 1 };
}

