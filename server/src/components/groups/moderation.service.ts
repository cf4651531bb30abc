import type { z } from 'zod';
import { chinaDateKey, chinaTimeText } from '@o2o/shared/rules/china-time';
import { DEFAULT_MODERATION_LADDER, ladderStep, muteEnd, type ModerationLadder } from '@o2o/shared/rules/moderation';
import type { ModerationCase, ModerationDecision, ModerationUndoResult, moderationReportSchema } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { assertStoreAccess, storeFilter } from '../staff/staff-scope';
import type { DeliveryService } from './deliveries.service';
import {
  GroupModel,
  GroupModerationCaseModel,
  GroupModerationUndoModel,
  GroupStrikeModel,
  type GroupModerationCaseRecord,
  type GroupRecord,
} from './groups.model';
import type { GroupSettingsService } from './settings.service';
import { insertOnce, isDuplicateKey, takeNumberedSlot } from '../../db/unique-insert';

type Report = z.output<typeof moderationReportSchema>;
const MAX_STRIKE_ATTEMPTS = 50;
const RELEASE_BATCH = 200;

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
    muteDays: record.muteDays ?? null,
    muteUntil: record.muteUntil ? record.muteUntil.toISOString() : null,
    outcome: record.outcome ?? null,
    at: record.at.toISOString(),
    undo: record.undo ? { byStaffId: record.undo.byStaffId ?? '', byName: record.undo.byName ?? '', reason: record.undo.reason ?? '', at: (record.undo.at ?? record.at).toISOString() } : null,
  };
}

function decisionOf(record: GroupModerationCaseRecord, duplicate: boolean): ModerationDecision {
  return {
    caseId: String(record._id),
    strike: record.strike,
    penalty: record.penalty,
    muteDays: record.muteDays ?? null,
    muteUntil: record.muteUntil ? record.muteUntil.toISOString() : null,
    duplicate,
  };
}

/**
 * The moderation log and the store's penalty ladder (warnings, mutes of 1, 7, 15 days, removal by
 * default). Each reported message is one case (keyed by room and message id) holding the evidence;
 * each case takes a strike slot by unique insert, so two violations at once get distinct slots,
 * and the member's standing strikes (slots not undone) pick the ladder's step.
 *
 * A puppet cannot mute, so a mute is state here: the bot learns who is muted from the room's
 * context (and from the decision), reports whatever a muted member says as a strike, and the
 * member is told when the mute ends by a delivery this service queues once the mute is over.
 * Staff undo a wrong penalty: the strike stops counting, a mute is lifted (the member is told),
 * and the undo is kept with who and why.
 */
export class ModerationService {
  constructor(
    private readonly settings: GroupSettingsService,
    private readonly deliveries: DeliveryService,
    /** The server's clock (tests move it to see mutes end). */
    readonly now: () => Date = () => new Date(),
  ) {}

  async report(report: Report): Promise<ModerationDecision> {
    const messageKey = `${report.roomId}:${report.evidence.messageId}`;
    const existing = await GroupModerationCaseModel.findOne({ messageKey }).lean<GroupModerationCaseRecord>();
    if (existing) return decisionOf(existing, true);

    const at = new Date(report.at);
    // Said during a mute that no longer stands (undone, or reported after it ended): nothing to record.
    if (report.rule === 'muted_speech' && !(await this.muteAt(report.roomId, report.wxid, at))) {
      return { caseId: null, strike: 0, penalty: null, muteDays: null, muteUntil: null, duplicate: false };
    }
    const group = await GroupModel.findOne({ roomId: report.roomId }).lean<GroupRecord>();
    const ladder: ModerationLadder = group ? (await this.settings.effective(group)).moderationLadder : DEFAULT_MODERATION_LADDER;
    const slot = await this.takeStrike(report.roomId, report.wxid, messageKey, at);
    const strike = await GroupStrikeModel.countDocuments({ roomId: report.roomId, wxid: report.wxid, n: { $lte: slot }, undoneAt: null });
    const step = ladderStep(strike, ladder);
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
        penalty: step.penalty,
        muteDays: step.muteDays,
        muteUntil: step.muteDays ? muteEnd(at, step.muteDays) : null,
        day: chinaDateKey(at),
        at,
      });
      return decisionOf(created.toObject() as GroupModerationCaseRecord, false);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const raced = await GroupModerationCaseModel.findOne({ messageKey }).lean<GroupModerationCaseRecord>();
      return decisionOf(raced!, true);
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

  /** Members of the room muted at `now` (the longest mute each), for the bot's context. */
  async activeMutes(roomId: string, now = this.now()): Promise<{ wxid: string; until: string }[]> {
    const mutes = await GroupModerationCaseModel.find({ roomId, penalty: 'mute', muteUntil: { $gt: now }, undo: null }, { wxid: 1, muteUntil: 1 }).lean();
    const until = new Map<string, Date>();
    for (const mute of mutes) if (!until.has(mute.wxid) || until.get(mute.wxid)! < mute.muteUntil!) until.set(mute.wxid, mute.muteUntil!);
    return [...until].map(([wxid, end]) => ({ wxid, until: end.toISOString() }));
  }

  /**
   * Tells each member whose mute has ended (once: the delivery's key is the case). A mute that a
   * later, longer one outlasts ends silently. Called before the bot collects its deliveries, so
   * the notice goes out on the bot's next poll, after any restart of the bot.
   */
  async releaseEndedMutes(now = this.now()): Promise<number> {
    const ended = await GroupModerationCaseModel.find({ penalty: 'mute', muteEnd: null, muteUntil: { $lte: now } }).sort({ muteUntil: 1 }).limit(RELEASE_BATCH).lean<GroupModerationCaseRecord[]>();
    let told = 0;
    for (const mute of ended) {
      if (mute.undo) {
        await GroupModerationCaseModel.updateOne({ _id: mute._id }, { $set: { muteEnd: 'lifted' } });
        continue;
      }
      const longer = await this.muteAt(mute.roomId, mute.wxid, now, mute._id);
      if (!longer && mute.groupId) {
        await this.deliveries.queueDirect({
          id: `mute-end:${mute._id}`,
          group: { _id: mute.groupId, roomId: mute.roomId },
          kind: 'moderation_notice',
          text: '你的禁言已到期，现在可以正常发言了。请遵守群规，再次违规将受到更重的处罚。',
          toWxid: null,
          mentionWxids: [mute.wxid],
          now: mute.muteUntil!,
        });
        told += 1;
      }
      await GroupModerationCaseModel.updateOne({ _id: mute._id }, { $set: { muteEnd: longer ? 'superseded' : 'notified' } });
    }
    return told;
  }

  /**
   * Staff undo a case's penalty: the strike stops counting (the next one starts from the level
   * before), a running mute is lifted and the member told, a removal is noted with the advice to
   * re-invite (the bot cannot add anyone back). The first undo stands with who and why; every step
   * after it is idempotent, so a retry (or a rerun after a crash) repairs and never doubles.
   */
  async undo(staff: StaffPrincipal, caseId: string, reason: string, now = this.now()): Promise<ModerationUndoResult> {
    const record = await GroupModerationCaseModel.findById(toObjectId(caseId)).lean<GroupModerationCaseRecord>();
    if (!record) throw AppError.notFound('违规记录');
    const group = record.groupId ? await GroupModel.findById(record.groupId).lean<GroupRecord>() : null;
    if (!group) throw AppError.notFound('社群');
    await assertStoreAccess(staff, group.storeId);

    const changed = await insertOnce(GroupModerationUndoModel, { _id: caseId, byStaffId: String(staff.id), byName: staff.name, reason, at: now });
    const undo = (await GroupModerationUndoModel.findById(caseId).lean())!;
    await GroupStrikeModel.updateOne({ caseKey: record.messageKey }, { $set: { undoneAt: undo.at } });
    await GroupModerationCaseModel.updateOne({ _id: record._id }, { $set: { undo: { byStaffId: undo.byStaffId, byName: undo.byName, reason: undo.reason, at: undo.at } } });

    let message: string;
    if (record.penalty === 'remove') {
      message = `已撤销这次移出，下次违规从上一级处罚起算。小助手无法把成员拉回群，请店员重新邀请「${record.name}」入群。`;
    } else if (record.penalty === 'mute' && record.muteUntil && record.muteUntil > undo.at && record.muteEnd !== 'notified' && record.muteEnd !== 'superseded') {
      await GroupModerationCaseModel.updateOne({ _id: record._id }, { $set: { muteEnd: 'lifted' } });
      const other = await this.muteAt(record.roomId, record.wxid, undo.at, record._id);
      if (other) {
        message = `已撤销这次禁言，下次违规从上一级处罚起算。该成员另有一次禁言到 ${chinaTimeText(other.muteUntil!)} 才结束。`;
      } else {
        await this.deliveries.queueDirect({
          id: `mute-lifted:${record._id}`,
          group: { _id: group._id, roomId: group.roomId },
          kind: 'moderation_notice',
          text: '店员已撤销对你的禁言，现在可以正常发言了，给你带来不便很抱歉。',
          toWxid: null,
          mentionWxids: [record.wxid],
          now: undo.at,
        });
        message = '已撤销这次禁言，并在群里告知了该成员；下次违规从上一级处罚起算。';
      }
    } else if (record.penalty === 'mute') {
      message = '已撤销这次禁言记录（禁言已经结束），下次违规从上一级处罚起算。';
    } else {
      message = '已撤销这次警告，下次违规从上一级处罚起算。';
    }
    const updated = (await GroupModerationCaseModel.findById(record._id).lean<GroupModerationCaseRecord>())!;
    return { case: caseView(updated), message: changed ? message : `这条处罚已在 ${chinaTimeText(undo.at)} 由${undo.byName || '店员'}撤销过，没有重复撤销。`, changed };
  }

  /** The member's mute standing at `at` (the one ending last), other than `except`. */
  private async muteAt(roomId: string, wxid: string, at: Date, except?: unknown): Promise<GroupModerationCaseRecord | null> {
    const mutes = await GroupModerationCaseModel.find({ roomId, wxid, penalty: 'mute', muteUntil: { $gt: at }, undo: null }).lean<GroupModerationCaseRecord[]>();
    const standing = mutes.filter((mute) => mute.at <= at && String(mute._id) !== String(except)).sort((a, b) => b.muteUntil!.getTime() - a.muteUntil!.getTime());
    return standing[0] ?? null;
  }

  /** The member's next strike slot in the room; the same message never takes two (unique caseKey). */
  private async takeStrike(roomId: string, wxid: string, caseKey: string, at: Date): Promise<number> {
    const n = await takeNumberedSlot(GroupStrikeModel, { prefix: `${roomId}:${wxid}`, pool: { roomId, wxid }, keyField: 'caseKey', key: caseKey, fields: { roomId, wxid, at } }, MAX_STRIKE_ATTEMPTS);
    if (n !== null) return n;
    throw new AppError('STRIKE_CONTENTION', '同时处理的违规记录太多，请稍后重试', 503);
  }
}
