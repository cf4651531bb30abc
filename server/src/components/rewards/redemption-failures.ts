import type { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';

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
