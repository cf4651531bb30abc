import { chinaDateKey, chinaDayStart, DAY_MS } from '@o2o/shared/rules/china-time';
import type { RewardValidity } from '@o2o/shared/schemas/rewards';
import { AppError } from '../../lib/app-error';

/** A reward's or coupon's validity as stored. */
export interface ValidityRecord {
  kind: 'days_after_redemption' | 'until';
  days?: number | null;
  endsAt?: Date | null;
}

/** `days` counts the redemption day as day 1 and ends at midnight China time; `until` ends at its instant. */
export function couponExpiry(validity: ValidityRecord, issuedAt: Date): Date {
  if (validity.kind === 'until') return validity.endsAt!;
  return chinaDayStart(chinaDateKey(new Date(issuedAt.getTime() + (validity.days ?? 1) * DAY_MS)));
}

export function hasEnded(validity: ValidityRecord, now: Date): boolean {
  return validity.kind === 'until' && Boolean(validity.endsAt) && validity.endsAt!.getTime() <= now.getTime();
}

export function assertValidityOpen(validity: RewardValidity, now: Date): void {
  if (validity.kind === 'until' && new Date(validity.endsAt).getTime() <= now.getTime()) {
    throw AppError.badRequest('结束日期必须晚于今天', [{ path: 'body.validity.endsAt', message: 'must be in the future' }]);
  }
}

export function validityRecord(validity: RewardValidity): ValidityRecord {
  return validity.kind === 'until' ? { kind: 'until', days: null, endsAt: new Date(validity.endsAt) } : { kind: 'days_after_redemption', days: validity.days, endsAt: null };
}

export function validityView(validity: ValidityRecord): RewardValidity {
  return validity.kind === 'until' ? { kind: 'until', endsAt: validity.endsAt!.toISOString() } : { kind: 'days_after_redemption', days: validity.days ?? 1 };
}
