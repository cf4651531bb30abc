import type { Types } from 'mongoose';
import type { Coupon, CouponState, Redemption, Reward, RewardInput, RewardPatch, ResidentReward } from '@o2o/shared/schemas/rewards';
import type { StaffPrincipal } from '../auth/auth.guard';
import type { PointsService } from '../points/points.service';
import { CouponService } from './coupon.service';
import { RedemptionService } from './redemption.service';
import { RewardCatalogue } from './reward-catalogue.service';
import { RedemptionRepair, type RedemptionRepairReport } from './rewards-repair.service';

export { REDEMPTION_FAILURES, RedemptionFailedError, type RedemptionFailureCode } from './redemption-failures';
export type { RedemptionRepairReport } from './rewards-repair.service';

/**
 * The points mall, the component's one entry point for routes and jobs, built from its parts:
 * the catalogue (`reward-catalogue.service.ts`), the redemption saga (`redemption.service.ts`),
 * coupons (`coupon.service.ts`) and the repair job's sweep (`rewards-repair.service.ts`).
 *
 * Nothing here counts with `$inc` or decides with a conditional update, because the embedded
 * database loses such updates under concurrency: stock and limits are numbered slots taken by
 * unique insert, each redemption step is a fact written once, a coupon's use marker is keyed by it.
 */
export class RewardsService {
  readonly catalogue = new RewardCatalogue();
  readonly coupons = new CouponService();
  readonly redemptions: RedemptionService;
  readonly repair: RedemptionRepair;

  constructor(points: PointsService) {
    this.redemptions = new RedemptionService(points, this.catalogue, this.coupons);
    this.repair = new RedemptionRepair(this.redemptions);
  }

  createReward(staff: StaffPrincipal, input: RewardInput, now = new Date()): Promise<Reward> {
    return this.catalogue.createReward(staff, input, now);
  }

  updateReward(staff: StaffPrincipal, rewardId: Types.ObjectId, patch: RewardPatch, now = new Date()): Promise<Reward> {
    return this.catalogue.updateReward(staff, rewardId, patch, now);
  }

  listForStaff(staff: StaffPrincipal, query: { storeId?: Types.ObjectId; active?: boolean } = {}): Promise<Reward[]> {
    return this.catalogue.listForStaff(staff, query);
  }

  listForResident(residentId: Types.ObjectId, now = new Date()): Promise<ResidentReward[]> {
    return this.catalogue.listForResident(residentId, now);
  }

  redeem(residentId: Types.ObjectId, rewardId: Types.ObjectId, idempotencyKey: string, now = new Date()): Promise<Redemption> {
    return this.redemptions.redeem(residentId, rewardId, idempotencyKey, now);
  }

  repairRedemptions(options: { now?: Date; graceMs?: number; lookbackMs?: number } = {}): Promise<RedemptionRepairReport> {
    return this.repair.repairRedemptions(options);
  }

  myCoupons(residentId: Types.ObjectId, state?: CouponState, now = new Date()): Promise<Coupon[]> {
    return this.coupons.myCoupons(residentId, state, now);
  }

  verifyCoupon(staff: StaffPrincipal, code: string, now = new Date()): Promise<Coupon> {
    return this.coupons.verifyCoupon(staff, code, now);
  }

  useCoupon(staff: StaffPrincipal, code: string, input: { storeId?: Types.ObjectId }, now = new Date()): Promise<Coupon> {
    return this.coupons.useCoupon(staff, code, input, now);
  }
}
