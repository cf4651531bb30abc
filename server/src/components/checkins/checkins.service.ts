import { Types } from 'mongoose';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { addDays } from '@o2o/shared/rules/metrics';
import type { CheckinOutcome, MyCheckin } from '@o2o/shared/schemas/checkins';
import { AppError } from '../../lib/app-error';
import { GroupCheckinModel } from '../groups/groups.model';
import { insertOnce } from '../../db/unique-insert';
import type { PointsService } from '../points/points.service';
import { ResidentModel } from '../residents/resident.model';
import { TaskCompletionModel } from '../tasks/tasks.model';
import type { TaskService } from '../tasks/tasks.service';

/** How far back a streak is counted (a longer one shows as this many days). */
const STREAK_LOOKBACK_DAYS = 60;

/**
 * The daily check-in from the mini-program. It is the same check-in as 签到 in a community group:
 * the day's record `<residentId>:<day>` (China time) and the task event
 * `group_checkin:<residentId>:<day>` are shared, so a resident checks in once a day whichever way
 * comes first, and a retry or a race between the two counts once.
 */
export class CheckinService {
  constructor(private readonly deps: { tasks: TaskService; points: PointsService }) {}

  async mine(residentId: Types.ObjectId, now = new Date()): Promise<MyCheckin> {
    const today = chinaDateKey(now);
    const days = Array.from({ length: STREAK_LOOKBACK_DAYS }, (_, index) => addDays(today, -index));
    // By resident (pushed down and indexed), the days' range applied after: `$in` on the ids would scan every check-in.
    const records = await GroupCheckinModel.find({ residentId, day: { $gte: days[days.length - 1] } }, { day: 1, groupId: 1, via: 1 }).lean();
    const byDay = new Map(records.map((record) => [record.day, record]));
    const todays = byDay.get(today);
    let streak = 0;
    for (const day of todays ? days : days.slice(1)) {
      if (!byDay.has(day)) break;
      streak += 1;
    }
    return {
      today,
      checkedInToday: Boolean(todays),
      todayVia: todays ? (todays.groupId ? 'group' : 'app') : null,
      streak,
      week: days.slice(0, 7).reverse().map((day) => ({ day, checkedIn: byDay.has(day) })),
      rewardPoints: await this.deps.tasks.openRewardPoints(residentId, 'group_checkin', now),
    };
  }

  async checkIn(residentId: Types.ObjectId, now = new Date()): Promise<CheckinOutcome> {
    const resident = await ResidentModel.findById(residentId, { signedUpAt: 1 }).lean();
    if (!resident?.signedUpAt) throw new AppError('SIGN_UP_REQUIRED', '请先选择小区完成注册，再来签到', 409);
    const day = chinaDateKey(now);
    const key = `${residentId}:${day}`;
    await insertOnce(GroupCheckinModel, { _id: key, residentId, groupId: null, via: 'app', day, at: now });
    const event = await this.deps.tasks.recordEvent({
      residentId,
      type: 'group_checkin',
      idempotencyKey: `group_checkin:${residentId}:${day}`,
      occurredAt: now,
      source: 'miniprogram',
      meta: { via: 'app' },
    });
    let pointsEarned = 0;
    if (!event.duplicate) {
      const completedIds = event.tasks.filter((task) => task.state === 'completed').map((task) => new Types.ObjectId(task.taskId));
      const completions = await TaskCompletionModel.find({ residentId, taskId: { $in: completedIds } }).lean();
      pointsEarned = completions.filter((completion) => completion.completedAt.getTime() === now.getTime()).reduce((sum, completion) => sum + completion.rewardPoints, 0);
      await GroupCheckinModel.updateOne({ _id: key, via: 'app' }, { $set: { pointsEarned } });
    }
    const [mine, balance] = await Promise.all([this.mine(residentId, now), this.deps.points.balance(residentId)]);
    return { ...mine, status: event.duplicate ? 'already_checked_in' : 'checked_in', pointsEarned, available: balance.available };
  }
}
