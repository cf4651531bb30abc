import { z } from 'zod';
import { objectIdSchema } from './common';

export const INVITE_REWARD_STATES = ['pending', 'held_for_review', 'available', 'lapsed', 'cancelled'] as const;
export const inviteRewardStateSchema = z.enum(INVITE_REWARD_STATES);

export const myInvitesSchema = z.object({
  inviteCode: z.string(),
  scene: z.string(),
  h5Url: z.string(),
  /** Simplified Chinese share-card text. */
  shareTitle: z.string(),
  rewardPoints: z.number().int(),
  qualifyDays: z.number().int(),
  invited: z.array(
    z.object({
      inviteeId: objectIdSchema,
      /** Masked, e.g. 王**. */
      displayName: z.string(),
      registeredAt: z.string(),
      qualifyBy: z.string(),
      rewardState: inviteRewardStateSchema,
      rewardPoints: z.number().int(),
    }),
  ),
});

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

export const fraudDecisionSchema = z.object({
  decision: z.enum(['release', 'cancel']),
  note: z.string().min(2).max(300),
});
