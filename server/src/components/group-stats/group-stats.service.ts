import type { Model, Types } from 'mongoose';
import { chinaDateKey, chinaDayStart } from '@o2o/shared/rules/china-time';
import { addDays, daysBetween } from '@o2o/shared/rules/metrics';
import type { GroupStatsDay, GroupStatsRange } from '@o2o/shared/schemas/group-stats';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { GroupActivityModel, GroupAnswerModel, GroupCheckinModel, GroupMemberEventModel, GroupMemberModel, GroupModel, GroupModerationCaseModel } from '../groups/groups.model';
import { creditedByDay } from '../credits/credits.service';
import { assertStoreAccess } from '../staff/staff-scope';
import { TicketModel } from '../tickets/tickets.model';

type DayCount = { _id: string; count: number };

/** Documents of one group per `day` key in the range, counted with one `$group`. */
async function countByDay(model: Model<never>, groupId: Types.ObjectId, from: string, to: string, extra: Record<string, unknown> = {}): Promise<Map<string, number>> {
  const rows = await model.aggregate<DayCount>([{ $match: { groupId, day: { $gte: from, $lte: to }, ...extra } }, { $group: { _id: '$day', count: { $sum: 1 } } }]);
  return new Map(rows.map((row) => [row._id, row.count]));
}

/**
 * A group's stats over a range of China-time days: the same counts as the one-day
 * `GET /groups/:groupId/stats` (which the bot's 统计 also reads), each kind read once for the
 * whole range instead of once per day.
 */
export class GroupStatsService {
  async range(staff: StaffPrincipal, groupId: string, from: string, to: string): Promise<GroupStatsRange> {
    const group = await GroupModel.findById(toObjectId(groupId), { storeId: 1 }).lean<{ _id: Types.ObjectId; storeId: Types.ObjectId }>();
    if (!group) throw AppError.notFound('社群');
    await assertStoreAccess(staff, group.storeId);
    const id = group._id;
    const [members, activity, joins, leaves, checkins, moderation, answered, tickets, credited] = await Promise.all([
      GroupMemberModel.countDocuments({ groupId: id, leftAt: null }),
      // The bot's reports of the range (a few a day per group), summed here: FerretDB 1.x does not group by a compound key.
      GroupActivityModel.find({ groupId: id, day: { $gte: from, $lte: to } }, { day: 1, counts: 1 }).lean<{ day: string; counts: { wxid: string; messages: number }[] }[]>(),
      countByDay(GroupMemberEventModel as unknown as Model<never>, id, from, to, { kind: 'join' }),
      countByDay(GroupMemberEventModel as unknown as Model<never>, id, from, to, { kind: 'leave' }),
      countByDay(GroupCheckinModel as unknown as Model<never>, id, from, to),
      countByDay(GroupModerationCaseModel as unknown as Model<never>, id, from, to),
      countByDay(GroupAnswerModel as unknown as Model<never>, id, from, to),
      // Tickets keep an instant, not a day key: read the range's instants (a group's hand-offs are few) and key them here.
      TicketModel.find({ groupId: id, createdAt: { $gte: chinaDayStart(from), $lt: chinaDayStart(addDays(to, 1)) } }, { createdAt: 1 }).lean<{ createdAt: Date }[]>(),
      creditedByDay(id, { $gte: from, $lte: to }),
    ]);
    const toStaff = new Map<string, number>();
    for (const ticket of tickets) {
      const day = chinaDateKey(ticket.createdAt);
      toStaff.set(day, (toStaff.get(day) ?? 0) + 1);
    }
    const messages = new Map<string, { messages: number; speakers: Set<string> }>();
    for (const report of activity) {
      const day = messages.get(report.day) ?? { messages: 0, speakers: new Set<string>() };
      for (const count of report.counts) {
        day.messages += count.messages;
        day.speakers.add(count.wxid);
      }
      messages.set(report.day, day);
    }
    const days: GroupStatsDay[] = Array.from({ length: daysBetween(from, to) + 1 }, (_, index) => {
      const day = addDays(from, index);
      return {
        day,
        messages: messages.get(day)?.messages ?? 0,
        activeMembers: messages.get(day)?.speakers.size ?? 0,
        joins: joins.get(day) ?? 0,
        leaves: leaves.get(day) ?? 0,
        checkins: checkins.get(day) ?? 0,
        moderationActions: moderation.get(day) ?? 0,
        questionsAnswered: answered.get(day) ?? 0,
        questionsToStaff: toStaff.get(day) ?? 0,
        ordersCredited: credited.get(day)?.orders ?? 0,
        revenueCreditedCents: credited.get(day)?.cents ?? 0,
      };
    });
    const sum = (pick: (day: GroupStatsDay) => number) => days.reduce((total, day) => total + pick(day), 0);
    return {
      groupId: String(id),
      from,
      to,
      members,
      days,
      totals: {
        messages: sum((d) => d.messages),
        joins: sum((d) => d.joins),
        leaves: sum((d) => d.leaves),
        checkins: sum((d) => d.checkins),
        moderationActions: sum((d) => d.moderationActions),
        questionsAnswered: sum((d) => d.questionsAnswered),
        questionsToStaff: sum((d) => d.questionsToStaff),
        ordersCredited: sum((d) => d.ordersCredited),
        revenueCreditedCents: sum((d) => d.revenueCreditedCents),
      },
    };
  }
}
