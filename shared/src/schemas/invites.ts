import { z } from 'zod';
import { objectIdSchema } from './common';

export const INVITE_REWARD_STATES = ['pending', 'held_for_review', 'available', 'lapsed', 'cancelled'] as const;
export const inviteRewardStateSchema = z.enum(INVITE_REWARD_STATES);

/**
 * Invite codes are read aloud and typed from posters: no 0/o, 1/i/l. Stored lowercase (the scene's
 * id alphabet), shown uppercase; 31 symbols, 8 of them = 8.5e11 codes.
 */
export const INVITE_CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const INVITE_CODE_LENGTH = 8;

/** How far an invitee has come, as the inviter's list shows it. */
export const INVITE_STAGES = ['registered', 'first_order', 'rewarded', 'lapsed'] as const;
export const inviteStageSchema = z.enum(INVITE_STAGES);
export type InviteStage = z.infer<typeof inviteStageSchema>;
export const INVITE_STAGE_TEXT: Record<InviteStage, string> = {
  registered: '已注册',
  first_order: '已下首单',
  rewarded: '奖励已到账',
  lapsed: '已失效',
};

/** The stage of an invite from its reward state and whether the invitee's first order came. */
export function inviteStage(rewardState: z.infer<typeof inviteRewardStateSchema>, qualified: boolean): InviteStage {
  if (rewardState === 'available') return 'rewarded';
  if (rewardState === 'lapsed' || rewardState === 'cancelled') return 'lapsed';
  return qualified ? 'first_order' : 'registered';
}

const inviteStoreSchema = z.object({ id: objectIdSchema, name: z.string(), address: z.string() });

export const myInvitesSchema = z.object({
  /** Shown uppercase, without look-alike characters (INVITE_CODE_ALPHABET). */
  inviteCode: z.string(),
  scene: z.string(),
  /** The invite link: the poster's QR code and the H5 share link. */
  h5Url: z.string(),
  /** The mini-program page the share card opens, with the scene. */
  sharePath: z.string(),
  /** Simplified Chinese share-card text. */
  shareTitle: z.string(),
  /** Who invites (the resident's nickname, or 你的邻居) and from which store: printed on the poster. */
  inviterName: z.string(),
  store: inviteStoreSchema.nullable(),
  rewardPoints: z.number().int(),
  qualifyDays: z.number().int(),
  /** What the invitee gets, e.g. 注册即得 20 积分，新人任务共 140 积分. */
  inviteeRewardText: z.string(),
  invited: z.array(
    z.object({
      inviteeId: objectIdSchema,
      /** Masked, e.g. 王**, or the community's neighbour when there is no nickname. */
      displayName: z.string(),
      registeredAt: z.string(),
      qualifyBy: z.string(),
      rewardState: inviteRewardStateSchema,
      stage: inviteStageSchema,
      /** 已注册 / 已下首单 / 奖励已到账 / 已失效 */
      stageText: z.string(),
      rewardPoints: z.number().int(),
    }),
  ),
});

/** What an invitee's landing page shows before signing up: who invited them, the store, what both get. */
export const inviteLandingSchema = z.object({
  valid: z.boolean(),
  /** Simplified Chinese, e.g. 邀请链接无效，您仍可正常注册使用. */
  message: z.string(),
  /** Masked, e.g. 王**. */
  inviterName: z.string().nullable(),
  store: inviteStoreSchema.nullable(),
  inviterRewardPoints: z.number().int(),
  qualifyDays: z.number().int(),
  inviteeRewardPoints: z.number().int(),
  inviteeRewardText: z.string(),
});
export type InviteLanding = z.infer<typeof inviteLandingSchema>;

export const FRAUD_RULES = ['burst_1d', 'burst_window', 'low_quality_invitees'] as const;

export const fraudFlagSchema = z.object({
  id: objectIdSchema,
  inviterId: objectIdSchema,
  storeId: objectIdSchema.nullable(),
  rule: z.enum(FRAUD_RULES),
  evidence: z.record(z.string(), z.unknown()),
  status: z.enum(['open', 'released', 'cancelled']),
  heldRewards: z.number().int(),
  decidedBy: objectIdSchema.nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  createdAt: z.string(),
});

export const INVITEE_QUALITIES = ['substantive', 'point_collecting', 'inactive'] as const;

/** `GET /invites/flags/:flagId/review`: what a reviewer needs to decide a flag. */
export const fraudReviewSchema = z.object({
  flag: fraudFlagSchema,
  inviter: z.object({
    id: objectIdSchema,
    nickname: z.string().nullable(),
    /** The last 4 digits only: enough to call back, not to leak. */
    phoneTail: z.string().nullable(),
    storeName: z.string().nullable(),
    registeredAt: z.string().nullable(),
  }),
  invitees: z.array(
    z.object({
      id: objectIdSchema,
      nickname: z.string().nullable(),
      registeredAt: z.string(),
      state: inviteRewardStateSchema,
      hasOrder: z.boolean(),
      orders: z.number().int(),
      /** Costly content actions (substantive, see rules/invite-fraud): comments, posts, and of the posts the 晒单. */
      comments: z.number().int(),
      posts: z.number().int(),
      orderShows: z.number().int(),
      /** Likes, saves and shares: cheap taps, judged like point collecting. */
      reactions: z.number().int(),
      /** Check-ins, page views and the like: the actions that only collect points. */
      pointActions: z.number().int(),
      quality: z.enum(INVITEE_QUALITIES),
    }),
  ),
  /** The decision and who made it, once decided (the audit record). */
  decision: z
    .object({ decision: z.enum(['release', 'cancel']), note: z.string(), staffId: objectIdSchema, staffRole: z.string(), at: z.string() })
    .nullable(),
});
export type FraudReview = z.infer<typeof fraudReviewSchema>;

export const fraudDecisionSchema = z.object({
  decision: z.enum(['release', 'cancel']),
  note: z.string().min(2).max(300),
});

// ---- reward tiers -------------------------------------------------------------------------

/**
 * The tiers an invite pays by: when the invitee's first order arrives, and when the invitee orders
 * again in the calendar month after their first order's month (次月复购, as `rules/metrics.ts` counts it).
 */
export const INVITE_TIER_KEYS = ['first_order', 'next_month_repurchase'] as const;
export const inviteTierKeySchema = z.enum(INVITE_TIER_KEYS, { error: '档位只能是 first_order（首单）或 next_month_repurchase（次月复购）' });
export type InviteTierKey = z.infer<typeof inviteTierKeySchema>;
export const INVITE_TIER_NAMES: Record<InviteTierKey, string> = { first_order: '邻居首单', next_month_repurchase: '邻居次月复购' };

const tierPointsSchema = (who: string) =>
  z
    .number({ error: `${who}积分必须是数字` })
    .int(`${who}积分必须是整数`)
    .min(0, `${who}积分不能为负数`)
    .max(10_000, `${who}积分不能超过 10000`);

export const inviteTierSchema = z.object({
  key: inviteTierKeySchema,
  inviterPoints: tierPointsSchema('邀请人'),
  inviteePoints: tierPointsSchema('被邀请人'),
});
export type InviteTier = z.infer<typeof inviteTierSchema>;

/**
 * `PUT /invites/tiers`: the ordered tiers. The first-order tier comes first and pays the inviter at
 * least 1 point (that reward is held from the invitee's sign-up, as before tiers existed); the
 * repurchase tier is optional; each key at most once.
 */
export const inviteTiersInputSchema = z
  .object({ tiers: z.array(inviteTierSchema, { error: '请填写奖励档位列表' }).min(1, '至少要有首单档位').max(INVITE_TIER_KEYS.length, '最多两个档位：首单、次月复购') })
  .superRefine(({ tiers }, ctx) => {
    if (tiers[0] && tiers[0].key !== 'first_order') ctx.addIssue({ code: 'custom', path: ['tiers', 0, 'key'], message: '第一个档位必须是邻居首单（first_order）' });
    if (new Set(tiers.map((tier) => tier.key)).size !== tiers.length) ctx.addIssue({ code: 'custom', path: ['tiers'], message: '每个档位只能出现一次' });
    if (tiers[0]?.key === 'first_order' && tiers[0].inviterPoints < 1) ctx.addIssue({ code: 'custom', path: ['tiers', 0, 'inviterPoints'], message: '首单档位的邀请人积分至少为 1' });
  });
export type InviteTiersInput = z.infer<typeof inviteTiersInputSchema>;

/** The tier configuration in force: version 0 is the default (the single first-order reward from the server's settings). */
export const inviteTierConfigSchema = z.object({
  version: z.number().int(),
  tiers: z.array(inviteTierSchema),
  setAt: z.string().nullable(),
  setBy: objectIdSchema.nullable(),
  /** For the invite page, e.g. 邻居首单你得 50 积分，次月复购再得 30 积分；邻居也得 10 积分. */
  summaryText: z.string(),
});
export type InviteTierConfig = z.infer<typeof inviteTierConfigSchema>;

/** The resident-facing sentence for a tier list. */
export function inviteTiersText(tiers: readonly InviteTier[]): string {
  const first = tiers.find((tier) => tier.key === 'first_order');
  const repurchase = tiers.find((tier) => tier.key === 'next_month_repurchase');
  const inviter = [first ? `邻居首单你得 ${first.inviterPoints} 积分` : null, repurchase && repurchase.inviterPoints > 0 ? `次月复购再得 ${repurchase.inviterPoints} 积分` : null].filter(Boolean).join('，');
  const inviteePoints = tiers.reduce((sum, tier) => sum + tier.inviteePoints, 0);
  return inviteePoints > 0 ? `${inviter}；邻居也得 ${inviteePoints} 积分` : inviter;
}

/** `GET /invites/tier-rewards`: one invitee's tier as decided once, with why the inviter was skipped (staff). */
export const inviteTierRewardSchema = z.object({
  inviteeId: objectIdSchema,
  tier: inviteTierKeySchema,
  tierVersion: z.number().int(),
  reachedAt: z.string(),
  inviterPoints: z.number().int(),
  inviteePoints: z.number().int(),
  /** paid, held (the first-order reward held for a fraud review) or skipped (an excluded inviter). */
  inviterOutcome: z.enum(['paid', 'held', 'skipped']),
  inviterSkipReason: z.string().nullable(),
});

// ---- leaderboard --------------------------------------------------------------------------

export const inviteLeaderboardQuerySchema = z.object({
  month: z.string({ error: '请选择月份' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM，例如 2026-03'),
  storeId: objectIdSchema.optional(),
});

const leaderboardRowSchema = z.object({
  rank: z.number().int(),
  /** Masked for residents (王**), the nickname for staff. */
  displayName: z.string(),
  /** Invitees whose first order arrived in the month. */
  qualifiedInvitees: z.number().int(),
  /** Staff only: the inviter and their store. */
  inviterId: objectIdSchema.nullable(),
  storeId: objectIdSchema.nullable(),
});

/**
 * `GET /invites/leaderboard`: inviters ranked by invitees whose first order arrived in the month,
 * counting only inviters with no open or rejected fraud flag and no low-quality invite label.
 */
export const inviteLeaderboardSchema = z.object({
  month: z.string(),
  rows: z.array(leaderboardRowSchema),
  /** The resident's own place; null for staff, or when they have no qualified invitee that month or are excluded. */
  mine: z.object({ rank: z.number().int().nullable(), qualifiedInvitees: z.number().int(), excludedReason: z.string().nullable() }).nullable(),
});
export type InviteLeaderboard = z.infer<typeof inviteLeaderboardSchema>;
