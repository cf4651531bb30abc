import type { Types } from 'mongoose';
import type { Reward, RewardInput, RewardPatch, ResidentReward } from '@o2o/shared/schemas/rewards';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { REDEMPTION_FAILURES } from './redemption-failures';
import { appliesAtStore, appliesAtStoreFilter, canManageReward, manageFilter, resolveScope, scopeView, whereTexts, type StoreRef } from './reward-scope';
import { assertValidityOpen, hasEnded, validityRecord, validityView } from './reward-validity';
import { CouponModel, CouponUseModel, RewardLimitSlotModel, RewardModel, RewardStockSlotModel, type RewardRecord } from './rewards.model';

/** The rewards catalogue: staff manage rewards in their scope; residents see what they can redeem at their store. */
export class RewardCatalogue {
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

  /** The store a resident belongs to (null before they chose a community). */
  async residentStore(residentId: Types.ObjectId): Promise<StoreRef | null> {
    const resident = await ResidentModel.findById(residentId, { storeId: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');
    return resident.storeId ? StoreModel.findById(resident.storeId, { cityId: 1 }).lean<StoreRef>() : null;
  }

  /** The reward a resident may redeem now at their store, or the reason in their words. */
  async redeemableReward(residentId: Types.ObjectId, rewardId: Types.ObjectId, now: Date): Promise<RewardRecord> {
    const store = await this.residentStore(residentId);
    if (!store) throw new AppError('SIGN_UP_REQUIRED', '请先完成注册并选择您的小区', 409);
    const reward = await RewardModel.findById(rewardId).lean<RewardRecord>();
    if (!reward || !appliesAtStore(reward, store)) throw new AppError('NOT_FOUND', '没有找到该奖励', 404);
    if (!reward.active) throw new AppError('REWARD_UNAVAILABLE', REDEMPTION_FAILURES.REWARD_UNAVAILABLE, 409);
    if (hasEnded(reward.validity, now)) throw new AppError('REWARD_ENDED', '该奖励的兑换已结束', 409);
    return reward;
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
