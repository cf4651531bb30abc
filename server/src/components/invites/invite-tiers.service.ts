import type { Types } from 'mongoose';
import { chinaDayStart, chinaMonthKey } from '@o2o/shared/rules/china-time';
import { addMonths } from '@o2o/shared/rules/metrics';
import { INVITE_TIER_NAMES, inviteTiersText, type InviteLeaderboard, type InviteTier, type InviteTierConfig, type InviteTierKey } from '@o2o/shared/schemas/invites';
import { AppError } from '../../lib/app-error';
import { isDuplicateKey } from '../../db/unique-insert';
import type { StaffPrincipal } from '../auth/auth.guard';
import { ResidentLabelsModel } from '../labels/labels.model';
import { OrderModel } from '../orders/orders.model';
import type { PointsService } from '../points/points.service';
import { ResidentModel } from '../residents/resident.model';
import { storeIdsInScope } from '../staff/staff-scope';
import { FraudFlagModel, InviteModel, InviteTierConfigModel, InviteTierRewardModel, type InviteRecord, type InviteTierConfigRecord, type InviteTierRewardRecord } from './invite.model';
import { findByIds } from '../../db/find-by-ids';

/** Invite-quality label values that exclude an inviter from tier rewards and the leaderboard. */
const EXCLUDING_QUALITY_LABELS = ['low', 'flagged'];
const LEADERBOARD_SIZE = 20;
/** Staff read at most this many rows (a city's month can have thousands of inviters). */
const STAFF_LEADERBOARD_SIZE = 500;

/** Inviters among `ids` with an excluding invite-quality label (read whole: the embedded database has no `$elemMatch`). */
async function lowQualityInviters(ids: Types.ObjectId[]): Promise<Set<string>> {
  const docs = await findByIds<{ _id: Types.ObjectId; labels: { key: string; values: string[] }[] }>(ResidentLabelsModel, ids, { labels: 1 });
  return new Set(
    docs.filter((doc) => doc.labels.some((label) => label.key === 'invite_quality' && label.values.some((value) => EXCLUDING_QUALITY_LABELS.includes(value)))).map((doc) => String(doc._id)),
  );
}

export const tierRewardId = (inviteeId: Types.ObjectId, tier: InviteTierKey) => `${inviteeId}:${tier}`;
/** The points source id of a tier's entries: the first-order tier shares the invitee's id with the held reward, so a first-order refund claws all of them back. */
const tierSourceId = (inviteeId: Types.ObjectId, tier: InviteTierKey) => (tier === 'first_order' ? String(inviteeId) : `${inviteeId}:${tier}`);

function maskName(nickname: string | null | undefined): string {
  return nickname ? `${[...nickname][0]}**` : '新邻居';
}

/**
 * Invite reward tiers: the versioned configuration operations set, the once-only decision of what
 * an invitee reaching a tier pays (and whether the inviter is excluded), and the leaderboard of
 * qualified invitees. The first-order tier's inviter reward is the held reward `InviteService`
 * creates at sign-up; everything else is paid here.
 */
export class InviteTiers {
  constructor(
    private readonly points: PointsService,
    /** The first-order inviter reward before operations set any tiers (INVITE_REWARD_POINTS). */
    private readonly defaultRewardPoints: number,
  ) {}

  async current(): Promise<InviteTierConfig> {
    const latest = await InviteTierConfigModel.findOne().sort({ _id: -1 }).lean<InviteTierConfigRecord>();
    const tiers: InviteTier[] = latest
      ? latest.tiers.map(({ key, inviterPoints, inviteePoints }) => ({ key, inviterPoints, inviteePoints }))
      : [{ key: 'first_order', inviterPoints: this.defaultRewardPoints, inviteePoints: 0 }];
    return { version: latest?._id ?? 0, tiers, setAt: latest?.setAt.toISOString() ?? null, setBy: latest ? String(latest.setBy) : null, summaryText: inviteTiersText(tiers) };
  }

  /** Saves a new version; two saves racing for the same version: the second is told to reload. */
  async set(staff: StaffPrincipal, tiers: InviteTier[], now = new Date()): Promise<InviteTierConfig> {
    const { version } = await this.current();
    try {
      await InviteTierConfigModel.create({ _id: version + 1, tiers, setBy: staff.id, setAt: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw AppError.conflict('奖励档位刚被其他人修改，请刷新后再保存');
    }
    return this.current();
  }

  /** Why an inviter gets no tier reward (an open or rejected fraud flag, a low-quality invite label), or null. */
  async exclusion(inviterId: Types.ObjectId): Promise<{ reason: string; openFlag: boolean } | null> {
    const flags = await FraudFlagModel.find({ inviterId, status: { $in: ['open', 'cancelled'] } }, { status: 1 }).lean();
    if (flags.some((flag) => flag.status === 'open')) return { reason: '邀请人有待审核的风控标记', openFlag: true };
    if (flags.length > 0) return { reason: '邀请人的风控标记审核未通过', openFlag: false };
    const labelled = (await lowQualityInviters([inviterId])).size > 0;
    return labelled ? { reason: '邀请人被标为低质邀请', openFlag: false } : null;
  }

  /**
   * The invitee reached a tier: decides once what it pays (the tier version in force now; an
   * excluded inviter is skipped with the reason, the invitee is paid regardless) and pays what is
   * not the held first-order reward. A retry or a concurrent call re-applies the stored decision;
   * the points' idempotency keys `invite:<inviteeId>:<tier>:inviter|invitee` pay each once.
   */
  async reach(invite: InviteRecord, tier: InviteTierKey, at: Date, now = new Date()): Promise<InviteTierRewardRecord> {
    const id = tierRewardId(invite._id, tier);
    let decision = await InviteTierRewardModel.findById(id).lean<InviteTierRewardRecord>();
    if (!decision) {
      const config = await this.current();
      const configured = config.tiers.find((candidate) => candidate.key === tier);
      const excluded = await this.exclusion(invite.inviterId);
      // The first-order inviter reward was held at sign-up with the amount then in force.
      const inviterPoints = tier === 'first_order' ? invite.rewardPoints : (configured?.inviterPoints ?? 0);
      const outcome = !configured ? 'skipped' : excluded ? (tier === 'first_order' && excluded.openFlag ? 'held' : 'skipped') : 'paid';
      const reason = !configured ? '当时未设置这个奖励档位' : outcome === 'paid' ? null : excluded!.reason;
      try {
        await InviteTierRewardModel.create({
          _id: id, inviteeId: invite._id, inviterId: invite.inviterId, tier, tierVersion: config.version, reachedAt: at,
          inviterPoints, inviteePoints: configured?.inviteePoints ?? 0, inviterOutcome: outcome, inviterSkipReason: reason, decidedAt: now,
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      decision = (await InviteTierRewardModel.findById(id).lean<InviteTierRewardRecord>())!;
    }
    await this.pay(decision, invite, at);
    return decision;
  }

  private async pay(decision: InviteTierRewardRecord, invite: InviteRecord, at: Date): Promise<void> {
    const tier = decision.tier as InviteTierKey;
    const common = { source: 'invite' as const, sourceId: tierSourceId(invite._id, tier), reasonCode: 'invite_tier_reward', now: at };
    if (decision.inviteePoints > 0) {
      await this.points.earn({
        ...common, residentId: invite._id, amount: decision.inviteePoints,
        note: tier === 'first_order' ? '受邀完成首单奖励' : '受邀次月复购奖励', idempotencyKey: `invite:${invite._id}:${tier}:invitee`,
      });
    }
    if (tier !== 'first_order' && decision.inviterOutcome === 'paid' && decision.inviterPoints > 0) {
      await this.points.earn({
        ...common, residentId: invite.inviterId, amount: decision.inviterPoints,
        note: `${INVITE_TIER_NAMES[tier]}奖励`, idempotencyKey: `invite:${invite._id}:${tier}:inviter`,
      });
    }
  }

  /** Mirrors a fraud review of a held first-order reward onto its tier decision. */
  async settleHeld(inviteeId: Types.ObjectId, outcome: 'paid' | 'skipped', reason: string | null): Promise<void> {
    await InviteTierRewardModel.updateOne({ _id: tierRewardId(inviteeId, 'first_order'), inviterOutcome: 'held' }, { $set: { inviterOutcome: outcome, inviterSkipReason: reason } });
  }

  /**
   * Checks the repurchase tier against the invitee's completed orders: reached when one completed
   * in the China-time calendar month after their first completed order's month (the metrics'
   * definition). Once all those orders are refunded or cancelled, the tier's points are clawed
   * back, as a first-order refund takes back the first-order reward; the keys never pay it again.
   */
  async checkRepurchase(invite: InviteRecord, now = new Date()): Promise<void> {
    if (!invite.qualifiedAt) return;
    const completed = await OrderModel.find({ residentId: invite._id, state: 'completed' }, { completedAt: 1 }).lean();
    const times = completed.map((order) => order.completedAt).filter((at): at is Date => Boolean(at)).sort((a, b) => a.getTime() - b.getTime());
    const nextMonth = times.length > 0 ? addMonths(chinaMonthKey(times[0]), 1) : null;
    const repurchase = times.find((at) => chinaMonthKey(at) === nextMonth);
    if (repurchase) {
      await this.reach(invite, 'next_month_repurchase', repurchase, now);
    } else if (await InviteTierRewardModel.exists({ _id: tierRewardId(invite._id, 'next_month_repurchase') })) {
      await this.points.clawback('invite', tierSourceId(invite._id, 'next_month_repurchase'), '邻居次月复购订单已退款，复购奖励已收回', now);
    }
  }

  /** An inviter's tier decisions, for staff whose stores include the inviter's. */
  async decisionsFor(staff: StaffPrincipal, inviterId: Types.ObjectId): Promise<InviteTierRewardRecord[]> {
    const inviter = await ResidentModel.findById(inviterId, { storeId: 1 }).lean();
    if (!inviter) throw AppError.notFound('邀请人');
    const scope = await storeIdsInScope(staff);
    if (scope !== 'all' && !scope.some((id) => inviter.storeId?.equals(id))) throw AppError.forbidden('这位邀请人不在你的负责范围内');
    return this.decisionsOf(inviterId);
  }

  async decisionsOf(inviterId: Types.ObjectId): Promise<InviteTierRewardRecord[]> {
    return InviteTierRewardModel.find({ inviterId }).sort({ reachedAt: -1 }).limit(500).lean<InviteTierRewardRecord[]>();
  }

  /**
   * Inviters ranked by invitees whose first order arrived in the month (China time) and still
   * stands, leaving out excluded inviters. Residents see the top 20 masked and their own place;
   * staff see names (the top 500), limited to inviters of the stores in their scope.
   */
  async leaderboard(month: string, viewer: { residentId: Types.ObjectId } | { staff: StaffPrincipal; storeId?: Types.ObjectId }): Promise<InviteLeaderboard> {
    const start = chinaDayStart(`${month}-01`);
    const end = chinaDayStart(`${addMonths(month, 1)}-01`);
    const rows = await InviteModel.aggregate<{ _id: Types.ObjectId; count: number }>([
      { $match: { qualifiedAt: { $gte: start, $lt: end }, state: { $nin: ['cancelled', 'lapsed'] } } },
      { $group: { _id: '$inviterId', count: { $sum: 1 } } },
    ]);
    const inviterIds = rows.map((row) => row._id);
    const [flagged, labelled, inviters] = await Promise.all([
      FraudFlagModel.distinct('inviterId', { inviterId: { $in: inviterIds }, status: { $in: ['open', 'cancelled'] } }),
      lowQualityInviters(inviterIds),
      findByIds<{ _id: Types.ObjectId; nickname?: string | null; storeId?: Types.ObjectId | null }>(ResidentModel, inviterIds, { nickname: 1, storeId: 1 }),
    ]);
    const excluded = new Set([...flagged, ...labelled].map(String));
    const byId = new Map(inviters.map((inviter) => [String(inviter._id), inviter]));
    let storeIds: string[] | 'all' = 'all';
    if ('staff' in viewer) {
      const scope = await storeIdsInScope(viewer.staff);
      if (viewer.storeId && scope !== 'all' && !scope.some((id) => id.equals(viewer.storeId))) throw AppError.forbidden('这个门店不在你的负责范围内');
      storeIds = viewer.storeId ? [String(viewer.storeId)] : scope === 'all' ? 'all' : scope.map(String);
    }
    const ranked = rows
      .filter((row) => !excluded.has(String(row._id)))
      .filter((row) => storeIds === 'all' || storeIds.includes(String(byId.get(String(row._id))?.storeId ?? '')))
      .sort((a, b) => b.count - a.count || (String(a._id) < String(b._id) ? -1 : 1));
    // Competition ranking: equal counts share a rank (1, 2, 2, 4).
    const ranks: number[] = [];
    ranked.forEach((row, index) => ranks.push(index > 0 && ranked[index - 1].count === row.count ? ranks[index - 1] : index + 1));
    const isStaff = 'staff' in viewer;
    const list = ranked.map((row, index) => {
      const inviter = byId.get(String(row._id));
      return {
        rank: ranks[index],
        displayName: isStaff ? (inviter?.nickname ?? '未填写昵称') : maskName(inviter?.nickname),
        qualifiedInvitees: row.count,
        inviterId: isStaff ? String(row._id) : null,
        storeId: isStaff && inviter?.storeId ? String(inviter.storeId) : null,
      };
    });
    if (isStaff) return { month, rows: list.slice(0, STAFF_LEADERBOARD_SIZE), mine: null };
    const own = String(viewer.residentId);
    const mineIndex = ranked.findIndex((row) => String(row._id) === own);
    const ownRow = rows.find((row) => String(row._id) === own);
    const reason = excluded.has(own) ? ((await this.exclusion(viewer.residentId))?.reason ?? '邀请人被排除在排行榜外') : null;
    return {
      month,
      rows: list.slice(0, LEADERBOARD_SIZE),
      mine: { rank: mineIndex >= 0 ? ranks[mineIndex] : null, qualifiedInvitees: ownRow?.count ?? 0, excludedReason: reason },
    };
  }
}
