import type { z } from 'zod';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { penaltyFor } from '@o2o/shared/rules/moderation';
import type { ModerationCase, ModerationDecision, moderationReportSchema } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { storeFilter } from '../staff/staff-scope';
import { GroupModel, GroupModerationCaseModel, GroupStrikeModel, type GroupModerationCaseRecord } from './groups.model';
import { insertOnce, isDuplicateKey } from '../../db/unique-insert';

type Report = z.output<typeof moderationReportSchema>;
const MAX_STRIKE_ATTEMPTS = 50;

export function caseView(record: GroupModerationCaseRecord): ModerationCase {
  return {
    id: String(record._id),
    groupId: idString(record.groupId),
    roomId: record.roomId,
    wxid: record.wxid,
    name: record.name ?? '',
    rule: record.rule,
    detail: record.detail ?? '',
    evidence: { messageId: record.evidence?.messageId ?? '', kind: record.evidence?.kind ?? '', text: record.evidence?.text ?? '' },
    strike: record.strike,
    penalty: record.penalty,
    outcome: record.outcome ?? null,
    at: record.at.toISOString(),
  };
}

/**
 * The moderation log and the escalation ladder. Each reported message is one case (keyed by room
 * and message id) holding the evidence; each case takes the member's next strike in the room by
 * unique insert, so two violations at once get strikes n and n+1, and the strike picks the penalty.
 */
export class ModerationService {
  async report(report: Report): Promise<ModerationDecision> {
    const messageKey = `${report.roomId}:${report.evidence.messageId}`;
    const existing = await GroupModerationCaseModel.findOne({ messageKey }).lean<GroupModerationCaseRecord>();
    if (existing) return { caseId: String(existing._id), strike: existing.strike, penalty: existing.penalty, duplicate: true };

    const strike = await this.takeStrike(report.roomId, report.wxid, messageKey, new Date(report.at));
    const group = await GroupModel.findOne({ roomId: report.roomId }, { _id: 1 }).lean();
    const at = new Date(report.at);
    try {
      const created = await GroupModerationCaseModel.create({
        messageKey,
        groupId: group?._id ?? null,
        roomId: report.roomId,
        wxid: report.wxid,
        name: report.name,
        rule: report.rule,
        detail: report.detail,
        evidence: report.evidence,
        strike,
        penalty: penaltyFor(strike),
        day: chinaDateKey(at),
        at,
      });
      return { caseId: String(created._id), strike, penalty: penaltyFor(strike), duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const raced = await GroupModerationCaseModel.findOne({ messageKey }).lean<GroupModerationCaseRecord>();
      return { caseId: String(raced!._id), strike: raced!.strike, penalty: raced!.penalty, duplicate: true };
    }
  }

  async recordOutcome(caseId: string, outcome: NonNullable<ModerationCase['outcome']>): Promise<void> {
    const updated = await GroupModerationCaseModel.updateOne({ _id: toObjectId(caseId) }, { $set: { outcome } });
    if (updated.matchedCount === 0) throw AppError.notFound('违规记录');
  }

  async list(staff: StaffPrincipal, query: { groupId?: string; limit: number }): Promise<ModerationCase[]> {
    const groups = await GroupModel.find(query.groupId ? { _id: toObjectId(query.groupId), ...(await storeFilter(staff)) } : await storeFilter(staff), { _id: 1 }).lean();
    const cases = await GroupModerationCaseModel.find({ groupId: { $in: groups.map((group) => group._id) } }).sort({ at: -1 }).limit(query.limit).lean<GroupModerationCaseRecord[]>();
    return cases.map(caseView);
  }

  /** The member's next strike number in the room; the same message never takes two (unique caseKey). */
  private async takeStrike(roomId: string, wxid: string, caseKey: string, at: Date): Promise<number> {
    const taken = await GroupStrikeModel.countDocuments({ roomId, wxid });
    for (let n = taken + 1; n <= taken + MAX_STRIKE_ATTEMPTS; n += 1) {
      try {
        if (await insertOnce(GroupStrikeModel, { _id: `${roomId}:${wxid}:${n}`, roomId, wxid, n, caseKey, at })) return n;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const mine = await GroupStrikeModel.findOne({ caseKey }).lean();
      if (mine) return mine.n;
    }
    throw new AppError('STRIKE_CONTENTION', '同时处理的违规记录太多，请稍后重试', 503);
  }
}
