import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { COUPON_CODE_ALPHABET, COUPON_CODE_LENGTH, type Coupon, type CouponState } from '@o2o/shared/schemas/rewards';
import { isDuplicateKey } from '../../db/unique-insert';
import { AppError } from '../../lib/app-error';
import { idString, isoString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { canAccessStore } from '../staff/staff-scope';
import { appliesAtStore, scopeView, staffCoversTarget, whereTexts, type StoreRef } from './reward-scope';
import { couponExpiry } from './reward-validity';
import { CouponModel, CouponUseModel, rewardTerms, type CouponRecord, type CouponUseRecord, type RedemptionRecord } from './rewards.model';
import { findByIds } from '../../db/find-by-ids';

const MAX_CODE_ATTEMPTS = 5;
const MY_COUPONS_LIMIT = 200;

/**
 * Coupons: issued once per redemption (unique `redemptionId`), shown to the resident, verified and
 * used in store once (the use marker is keyed by the coupon id).
 */
export class CouponService {
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

  /** The redemption's coupon, issued once (unique redemptionId); a clash on the random code draws another. */
  async issueFor(redemption: RedemptionRecord, now: Date): Promise<CouponRecord> {
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
          ...rewardTerms(reward),
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

  private async couponForStaff(staff: StaffPrincipal, code: string): Promise<CouponRecord> {
    const coupon = await CouponModel.findOne({ code }).lean<CouponRecord>();
    if (!coupon) throw new AppError('NOT_FOUND', '券码不存在', 404);
    if (!(await staffCoversTarget(staff, coupon))) throw new AppError('COUPON_NOT_FOR_THIS_STORE', '该券不适用于您的门店', 403);
    return coupon;
  }

  /** Coupon state comes from the use markers (the facts); the mirror on the coupon may lag. */
  async couponViews(coupons: CouponRecord[], now: Date): Promise<Coupon[]> {
    const [uses, where] = await Promise.all([
      findByIds<CouponUseRecord>(CouponUseModel, coupons.map((coupon) => String(coupon._id))),
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
}

function alreadyUsed(use: CouponUseRecord): AppError {
  return new AppError('COUPON_ALREADY_USED', '该券已使用', 409, { usedAt: use.at.toISOString(), storeId: String(use.storeId) });
}

function newCouponCode(): string {
  // 32 symbols: every byte maps onto the alphabet without bias.
  return Array.from(randomBytes(COUPON_CODE_LENGTH), (byte) => COUPON_CODE_ALPHABET[byte % COUPON_CODE_ALPHABET.length]).join('');
}
