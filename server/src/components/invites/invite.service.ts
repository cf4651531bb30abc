import type { Types } from 'mongoose';
import mongoose from 'mongoose';
import { burstFindings, classifyInvitee, inviteeEvidence, lowQualityFinding, type FraudThresholds, type InviteeActivity } from '@o2o/shared/rules/invite-fraud';
import { INVITE_STAGE_TEXT, inviteStage } from '@o2o/shared/schemas/invites';
import { AppError } from '../../lib/app-error';
import type { Logger } from '../../lib/logger';
import type { StaffPrincipal } from '../auth/auth.guard';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { PointEntryModel } from '../points/points.model';
import type { PointsService } from '../points/points.service';
import { ResidentModel, type ResidentRecord } from '../residents/resident.model';
import { storeIdsInScope } from '../staff/staff-scope';
import { FraudDecisionModel, FraudFlagModel, InviteModel, type FraudFlagRecord, type InviteRecord } from './invite.model';
import { isDuplicateKey } from '../../db/unique-insert';
import { InviteTiers } from './invite-tiers.service';

export interface InviteSettings {
  /** The first-order inviter reward until operations set tiers (`PUT /invites/tiers`). */
  rewardPoints: number;
  /** The invitee must complete the qualifying action (first order) within this many days. */
  qualifyDays: number;
  thresholds: FraudThresholds;
}

/** Where invitees' actions since sign-up are read from (task events and orders). */
export type InviteeActivitySource = (residentIds: Types.ObjectId[]) => Promise<Map<string, InviteeActivity>>;

const DAY_MS = 24 * 3600_000;
/** Low-quality judgement looks at invitees registered within this many days. */
const QUALITY_LOOKBACK_DAYS = 60;

/** Default activity source: task events by type, and whether the resident has ordered. */
export const taskEventActivity: InviteeActivitySource = async (residentIds) => {
  const activity = new Map<string, InviteeActivity>();
  const residents = await ResidentModel.find({ _id: { $in: residentIds } }, { firstOrderAt: 1 }).lean();
  for (const resident of residents) activity.set(String(resident._id), { actions: {}, hasOrder: Boolean(resident.firstOrderAt) });
  const events = mongoose.connection.db?.collection('task_events');
  if (events) {
    const rows = await events
      .aggregate<{ _id: { residentId: Types.ObjectId; type: string }; count: number }>([
        { $match: { residentId: { $in: residentIds } } },
        { $group: { _id: { residentId: '$residentId', type: '$type' }, count: { $sum: 1 } } },
      ])
      .toArray();
    for (const row of rows) {
      const entry = activity.get(String(row._id.residentId));
      if (entry) entry.actions[row._id.type] = row.count;
    }
  }
  return activity;
};

function maskName(nickname: string | null | undefined): string {
  if (!nickname) return '新邻居';
  return `${[...nickname][0]}**`;
}

/**
 * Invites and bonus-hunter control. The inviter's reward is held at the invitee's sign-up and
 * released only when the invitee completes a qualifying action within the window (else it
 * lapses); inviters flagged by the fraud rules keep their rewards held until city ops decide.
 */
/** Where a successful invite is recorded as the inviter's `invite_succeeded` event (the task service). */
export interface InviteSuccessEvents {
  recordEvent(input: { residentId: Types.ObjectId; type: 'invite_succeeded'; idempotencyKey: string; occurredAt: Date; source: 'server'; meta?: Record<string, unknown> }): Promise<unknown>;
}

export class InviteService {
  private readonly successEvents: InviteSuccessEvents | null;
  private readonly activity: InviteeActivitySource;
  readonly tiers: InviteTiers;

  /**
   * An invite succeeds when its invitee makes the qualifying first order in time and the reward is
   * not held for review: the inviter's `invite_succeeded` event (activity that day, and the invite
   * task "邀请 3 位邻居注册并完成首单") is recorded then, once per invitee, through `successEvents`.
   */
  constructor(
    private readonly points: PointsService,
    private readonly settings: InviteSettings,
    private readonly logger: Logger,
    options: { successEvents?: InviteSuccessEvents | null; activity?: InviteeActivitySource } = {},
  ) {
    this.successEvents = options.successEvents ?? null;
    this.activity = options.activity ?? taskEventActivity;
    this.tiers = new InviteTiers(points, settings.rewardPoints);
  }

  private async recordSuccess(invite: InviteRecord, at: Date): Promise<void> {
    await this.successEvents?.recordEvent({
      residentId: invite.inviterId, type: 'invite_succeeded', idempotencyKey: `invite_succeeded:${invite._id}`, occurredAt: at, source: 'server',
      meta: { inviteeId: String(invite._id) },
    });
  }

  /**
   * Called when a resident finishes sign-up (an invitee who only opened the link is nobody's
   * invitee yet); only invite arrivals matter. The invite's `registeredAt` is the sign-up time.
   * Safe to call again.
   */
  async onRegistered(invitee: Pick<ResidentRecord, '_id' | 'attribution' | 'registeredAt' | 'signedUpAt' | 'firstOrderAt'>): Promise<InviteRecord | null> {
    const inviterId = invitee.attribution.source === 'invite' ? invitee.attribution.inviterResidentId : null;
    if (!inviterId || inviterId.equals(invitee._id) || !invitee.signedUpAt) return null;
    const signedUpAt = invitee.signedUpAt;
    // The first-order tier's inviter reward, held from sign-up at the amount then in force.
    const firstOrderTier = (await this.tiers.current()).tiers.find((tier) => tier.key === 'first_order');
    try {
      await InviteModel.create({
        _id: invitee._id,
        inviterId,
        registeredAt: signedUpAt,
        qualifyBy: new Date(signedUpAt.getTime() + this.settings.qualifyDays * DAY_MS),
        rewardPoints: firstOrderTier?.inviterPoints ?? this.settings.rewardPoints,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const stored = (await InviteModel.findById(invitee._id, { rewardPoints: 1 }).lean())!;
    const reward = await this.points.earn({
      residentId: inviterId,
      amount: stored.rewardPoints,
      held: true,
      reasonCode: 'invite_reward',
      note: '邀请邻居注册（待邻居完成首单后发放）',
      source: 'invite',
      sourceId: String(invitee._id),
      idempotencyKey: `invite:${invitee._id}`,
      now: signedUpAt,
    });
    await InviteModel.updateOne({ _id: invitee._id }, { $set: { rewardEntryId: reward._id } });
    await this.checkBurst(inviterId, signedUpAt);
    if (await this.hasOpenFlag(inviterId)) await InviteModel.updateOne({ _id: invitee._id, state: 'pending' }, { $set: { state: 'held_for_review' } });
    // A first order that came before sign-up finished still qualifies.
    if (invitee.firstOrderAt) return this.onQualifyingAction(invitee._id, invitee.firstOrderAt);
    return InviteModel.findById(invitee._id).lean<InviteRecord>();
  }

  /**
   * The invitee did the qualifying action (default: first completed order): the first-order tier.
   * The invitee's tier points are paid; the inviter's held reward is released, held for review (an
   * open fraud flag) or cancelled when the inviter is excluded (rejected flag, low-quality label).
   * A reward cancelled by a fraud review earlier stays cancelled; the invitee is still paid.
   */
  async onQualifyingAction(inviteeId: Types.ObjectId, at: Date): Promise<InviteRecord | null> {
    const invite = await InviteModel.findById(inviteeId).lean<InviteRecord>();
    if (!invite || invite.qualifiedAt || at > invite.qualifyBy || invite.state === 'lapsed') return invite;
    // Before `qualifiedAt`, which makes a repeat return early: a crash in between decides and pays on the repeat.
    const decision = await this.tiers.reach(invite, 'first_order', at);
    if (invite.state === 'cancelled') {
      await InviteModel.updateOne({ _id: inviteeId, qualifiedAt: null }, { $set: { qualifiedAt: at } });
      return InviteModel.findById(inviteeId).lean<InviteRecord>();
    }
    if (decision.inviterOutcome === 'paid') await this.recordSuccess(invite, at);
    await InviteModel.updateOne({ _id: inviteeId, qualifiedAt: null }, { $set: { qualifiedAt: at } });
    if (decision.inviterOutcome === 'held') {
      await InviteModel.updateOne({ _id: inviteeId }, { $set: { state: 'held_for_review' } });
    } else if (decision.inviterOutcome === 'skipped') {
      await this.cancelReward(invite, `邀请奖励未发放：${decision.inviterSkipReason ?? '邀请人不符合条件'}`, 'cancelled');
    } else {
      await this.releaseReward(invite);
    }
    return InviteModel.findById(inviteeId).lean<InviteRecord>();
  }

  /** An order of the invitee settled: checks the next-month repurchase tier. Safe to repeat and to run concurrently. */
  async onOrderSettled(inviteeId: Types.ObjectId, now = new Date()): Promise<void> {
    const invite = await InviteModel.findById(inviteeId).lean<InviteRecord>();
    if (invite) await this.tiers.checkRepurchase(invite, now);
  }

  /** Re-checks the repurchase tier of invitees qualified in the last 70 days (a settle a crash cut short). */
  async sweepTiers(now = new Date()): Promise<{ checked: number }> {
    let checked = 0;
    const recent = InviteModel.find({ qualifiedAt: { $gte: new Date(now.getTime() - 70 * DAY_MS) } }).cursor();
    for await (const invite of recent) {
      await this.tiers.checkRepurchase(invite.toObject() as InviteRecord, now);
      checked += 1;
    }
    return { checked };
  }

  /**
   * The invitee's qualifying order was refunded or cancelled and no completed order is left: the
   * reward is taken back (held points dropped, released ones clawed back) and the invite is
   * cancelled for good, so a later order does not pay it again. Safe to repeat: the clawback is
   * keyed per entry.
   */
  async onQualifyingActionReversed(inviteeId: Types.ObjectId, now = new Date()): Promise<InviteRecord | null> {
    const invite = await InviteModel.findById(inviteeId).lean<InviteRecord>();
    if (!invite || !invite.qualifiedAt) return invite;
    await this.points.clawback('invite', String(inviteeId), '邀请的邻居首单已退款，邀请奖励已收回', now);
    await InviteModel.updateOne({ _id: inviteeId }, { $set: { state: 'cancelled' } });
    return InviteModel.findById(inviteeId).lean<InviteRecord>();
  }

  /** Rewards whose invitee never qualified in time lapse. Flagged ones stay for review. */
  async lapseExpired(now = new Date()): Promise<{ lapsed: number }> {
    let lapsed = 0;
    const due = InviteModel.find({ state: 'pending', qualifiedAt: null, qualifyBy: { $lt: now } }).cursor();
    for await (const invite of due) {
      await this.cancelReward(invite.toObject() as InviteRecord, '邀请的邻居未在期限内完成首单，奖励已失效', 'lapsed');
      lapsed += 1;
    }
    return { lapsed };
  }

  /** Creates invites a crash left out, for invitees who signed up within the last qualify window. */
  async repairMissing(now = new Date()): Promise<{ repaired: number }> {
    let repaired = 0;
    const recent = ResidentModel.find(
      { 'attribution.source': 'invite', signedUpAt: { $gte: new Date(now.getTime() - this.settings.qualifyDays * DAY_MS) } },
      { attribution: 1, registeredAt: 1, signedUpAt: 1, firstOrderAt: 1 },
    ).cursor();
    for await (const resident of recent) {
      const invite = await InviteModel.findById(resident._id, { rewardEntryId: 1 }).lean();
      if (invite?.rewardEntryId) continue;
      await this.onRegistered(resident.toObject() as unknown as ResidentRecord);
      repaired += 1;
    }
    return { repaired };
  }

  /** Runs both fraud rules over recent inviters; flags are idempotent per inviter and rule. */
  async scanFraud(now = new Date()): Promise<{ flagged: number }> {
    const { thresholds } = this.settings;
    let flagged = 0;
    const since = new Date(now.getTime() - Math.max(QUALITY_LOOKBACK_DAYS, thresholds.windowDays) * DAY_MS);
    const inviterIds: Types.ObjectId[] = await InviteModel.distinct('inviterId', { registeredAt: { $gte: since } });
    for (const inviterId of inviterIds) {
      if (await this.checkBurst(inviterId, now)) flagged += 1;
      if (await this.checkQuality(inviterId, now)) flagged += 1;
    }
    return { flagged };
  }

  async decide(flagId: Types.ObjectId, staff: StaffPrincipal, decision: 'release' | 'cancel', note: string, now = new Date()): Promise<FraudFlagRecord> {
    const flag = await this.flagInScope(staff, flagId);
    try {
      await FraudDecisionModel.create({ _id: flag._id, inviterId: flag.inviterId, decision, note, staffId: staff.id, staffRole: staff.role, at: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await FraudDecisionModel.findById(flag._id).lean();
      if (existing?.decision !== decision || !existing.staffId.equals(staff.id)) throw AppError.conflict('这个风控标记已经处理过了', { decision: existing?.decision });
    }
    await FraudFlagModel.updateOne(
      { _id: flag._id },
      { $set: { status: decision === 'release' ? 'released' : 'cancelled', decidedBy: staff.id, decidedAt: now, decisionNote: note } },
    );
    const stillFlagged = await this.hasOpenFlag(flag.inviterId);
    const held = await InviteModel.find({ inviterId: flag.inviterId, state: { $in: ['pending', 'held_for_review'] } }).lean<InviteRecord[]>();
    for (const invite of held) {
      if (decision === 'cancel') {
        await this.cancelReward(invite, `风控审核未通过：${note}`, 'cancelled');
        await this.tiers.settleHeld(invite._id, 'skipped', '邀请人的风控标记审核未通过');
      } else if (!stillFlagged) {
        if (invite.qualifiedAt) {
          await this.recordSuccess(invite, invite.qualifiedAt);
          await this.releaseReward(invite);
          await this.tiers.settleHeld(invite._id, 'paid', null);
        }
        else await InviteModel.updateOne({ _id: invite._id }, { $set: { state: 'pending' } });
      }
    }
    return (await FraudFlagModel.findById(flag._id).lean<FraudFlagRecord>())!;
  }

  /**
   * A flag with what a reviewer decides on: the inviter, each invitee (newest first, at most 200)
   * with their orders, comments, posts and 晒单, likes/saves/shares and point-only actions, and the
   * decision once made.
   */
  async review(staff: StaffPrincipal, flagId: Types.ObjectId) {
    const flag = await this.flagInScope(staff, flagId);
    const [inviter, invites, decision] = await Promise.all([
      ResidentModel.findById(flag.inviterId, { nickname: 1, phone: 1, storeId: 1, registeredAt: 1 }).lean(),
      InviteModel.find({ inviterId: flag.inviterId }).sort({ registeredAt: -1 }).limit(200).lean<InviteRecord[]>(),
      FraudDecisionModel.findById(flag._id).lean(),
    ]);
    const ids = invites.map((invite) => invite._id);
    const [residents, activity, store] = await Promise.all([
      ResidentModel.find({ _id: { $in: ids } }, { nickname: 1 }).lean(),
      this.activity(ids),
      inviter?.storeId ? StoreModel.findById(inviter.storeId, { name: 1 }).lean() : Promise.resolve(null),
    ]);
    const names = new Map(residents.map((resident) => [String(resident._id), resident.nickname ?? null]));
    return {
      flag,
      inviter: {
        id: String(flag.inviterId),
        nickname: inviter?.nickname ?? null,
        phoneTail: inviter?.phone ? inviter.phone.slice(-4) : null,
        storeName: store?.name ?? null,
        registeredAt: inviter?.registeredAt ? inviter.registeredAt.toISOString() : null,
      },
      invitees: invites.map((invite) => {
        const done = activity.get(String(invite._id)) ?? { actions: {}, hasOrder: false };
        return {
          id: String(invite._id),
          nickname: names.get(String(invite._id)) ?? null,
          registeredAt: invite.registeredAt.toISOString(),
          state: invite.state,
          hasOrder: done.hasOrder,
          ...inviteeEvidence(done.actions),
          quality: classifyInvitee(done),
        };
      }),
      decision: decision
        ? { decision: decision.decision, note: decision.note, staffId: String(decision.staffId), staffRole: decision.staffRole, at: decision.at.toISOString() }
        : null,
    };
  }

  /** The inviter's invitees who really signed up, newest first, each with its stage (已注册 … 奖励已到账 / 已失效). */
  async myInvites(inviterId: Types.ObjectId) {
    const invites = await InviteModel.find({ inviterId }).sort({ registeredAt: -1 }).limit(500).lean<InviteRecord[]>();
    const residents = await ResidentModel.find({ _id: { $in: invites.map((invite) => invite._id) } }, { nickname: 1, signedUpAt: 1, communityId: 1 }).lean();
    const invitees = new Map(residents.map((resident) => [String(resident._id), resident]));
    const communities = new Map(
      (await CommunityModel.find({ _id: { $in: residents.map((resident) => resident.communityId).filter(Boolean) } }, { name: 1 }).lean()).map((community) => [String(community._id), community.name]),
    );
    return invites
      .filter((invite) => invitees.get(String(invite._id))?.signedUpAt)
      .map((invite) => {
        const invitee = invitees.get(String(invite._id))!;
        const stage = inviteStage(invite.state, Boolean(invite.qualifiedAt));
        const community = invitee.communityId ? communities.get(String(invitee.communityId)) : undefined;
        return {
          inviteeId: String(invite._id),
          displayName: invitee.nickname ? maskName(invitee.nickname) : community ? `${community}的邻居` : maskName(null),
          registeredAt: invite.registeredAt.toISOString(),
          qualifyBy: invite.qualifyBy.toISOString(),
          rewardState: invite.state,
          stage,
          stageText: INVITE_STAGE_TEXT[stage],
          rewardPoints: invite.rewardPoints,
        };
      });
  }

  /** Rewards of the inviter still waiting (pending or held for review). */
  async heldCount(inviterId: Types.ObjectId): Promise<number> {
    return InviteModel.countDocuments({ inviterId, state: { $in: ['pending', 'held_for_review'] } });
  }

  async listFlags(staff: StaffPrincipal, status?: 'open' | 'released' | 'cancelled'): Promise<FraudFlagRecord[]> {
    const storeIds = await storeIdsInScope(staff);
    return FraudFlagModel.find({ ...(storeIds === 'all' ? {} : { storeId: { $in: storeIds } }), ...(status ? { status } : {}) })
      .sort({ createdAt: -1 })
      .limit(500)
      .lean<FraudFlagRecord[]>();
  }

  private async flagInScope(staff: StaffPrincipal, flagId: Types.ObjectId): Promise<FraudFlagRecord> {
    const flag = await FraudFlagModel.findById(flagId).lean<FraudFlagRecord>();
    if (!flag) throw AppError.notFound('风控标记');
    const storeIds = await storeIdsInScope(staff);
    if (storeIds !== 'all' && !storeIds.some((id) => flag.storeId?.equals(id))) throw AppError.forbidden('这个风控标记不在你的负责范围内');
    return flag;
  }

  private async hasOpenFlag(inviterId: Types.ObjectId): Promise<boolean> {
    return Boolean(await FraudFlagModel.exists({ inviterId, status: 'open' }));
  }

  private async checkBurst(inviterId: Types.ObjectId, now: Date): Promise<boolean> {
    const since = new Date(now.getTime() - this.settings.thresholds.windowDays * DAY_MS);
    const recent = await InviteModel.find({ inviterId, registeredAt: { $gte: since, $lte: now } }, { registeredAt: 1 }).lean();
    const findings = burstFindings(recent.map((invite) => invite.registeredAt.toISOString()), this.settings.thresholds);
    let flagged = false;
    for (const finding of findings) {
      if (await this.raiseFlag(inviterId, finding.rule, { count: finding.count, threshold: finding.threshold, windowStart: finding.windowStart }, now)) flagged = true;
    }
    return flagged;
  }

  private async checkQuality(inviterId: Types.ObjectId, now: Date): Promise<boolean> {
    const { thresholds } = this.settings;
    const judgeable = await InviteModel.find(
      { inviterId, registeredAt: { $gte: new Date(now.getTime() - QUALITY_LOOKBACK_DAYS * DAY_MS), $lte: new Date(now.getTime() - thresholds.judgeAfterDays * DAY_MS) } },
      { _id: 1 },
    ).lean();
    if (judgeable.length < thresholds.lowQualityMinInvitees) return false;
    const activity = await this.activity(judgeable.map((invite) => invite._id as Types.ObjectId));
    const qualities = judgeable.map((invite) => classifyInvitee(activity.get(String(invite._id)) ?? { actions: {}, hasOrder: false }));
    const finding = lowQualityFinding(qualities, thresholds);
    return finding ? this.raiseFlag(inviterId, 'low_quality_invitees', { ...finding, threshold: thresholds.lowQualityShare }, now) : false;
  }

  /** One open flag per inviter and rule: the key counts the decided ones, so a rescan never duplicates. */
  private async raiseFlag(inviterId: Types.ObjectId, rule: FraudFlagRecord['rule'], evidence: Record<string, unknown>, now: Date): Promise<boolean> {
    const decided = await FraudFlagModel.countDocuments({ inviterId, rule, status: { $ne: 'open' } });
    const inviter = await ResidentModel.findById(inviterId, { storeId: 1 }).lean();
    try {
      await FraudFlagModel.create({ key: `${inviterId}:${rule}:${decided + 1}`, inviterId, storeId: inviter?.storeId ?? null, rule, evidence, createdAt: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
    this.logger.warn({ inviterId: String(inviterId), rule, evidence }, 'invite fraud flag raised; rewards held for review');
    await InviteModel.updateMany({ inviterId, state: 'pending' }, { $set: { state: 'held_for_review' } });
    return true;
  }

  private async releaseReward(invite: InviteRecord): Promise<void> {
    const entryId = invite.rewardEntryId ?? (await PointEntryModel.findOne({ idempotencyKey: `invite:${invite._id}` }, { _id: 1 }).lean())?._id;
    if (!entryId) return;
    try {
      await this.points.release(entryId, '邀请的邻居完成首单，奖励已发放');
    } catch (error) {
      if (!(error instanceof AppError && error.status === 409)) throw error;
    }
    const entry = await PointEntryModel.findById(entryId, { holdStatus: 1 }).lean();
    await InviteModel.updateOne({ _id: invite._id }, { $set: { state: entry?.holdStatus === 'cancelled' ? 'cancelled' : 'available' } });
  }

  private async cancelReward(invite: InviteRecord, note: string, state: 'lapsed' | 'cancelled'): Promise<void> {
    const entryId = invite.rewardEntryId ?? (await PointEntryModel.findOne({ idempotencyKey: `invite:${invite._id}` }, { _id: 1 }).lean())?._id;
    if (entryId) {
      try {
        await this.points.cancelHold(entryId, note);
      } catch (error) {
        if (!(error instanceof AppError && error.status === 409)) throw error;
      }
      const entry = await PointEntryModel.findById(entryId, { holdStatus: 1 }).lean();
      if (entry?.holdStatus === 'released') {
        await InviteModel.updateOne({ _id: invite._id }, { $set: { state: 'available' } });
        return;
      }
    }
    await InviteModel.updateOne({ _id: invite._id }, { $set: { state } });
  }
}
