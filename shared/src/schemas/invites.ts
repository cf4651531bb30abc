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
      comments: z.number().int(),
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
