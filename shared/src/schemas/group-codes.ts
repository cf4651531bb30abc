import { z } from 'zod';
import { objectIdSchema } from './common';

/**
 * Live group codes (群活码): one stable code per store (and per placement) that sends each resident
 * to the least-full active group of the store, never to a second group of the same store.
 */

/** WeChat ordinary groups accept QR joins only below 200 members: the code switches before that. */
export const WECHAT_QR_JOIN_LIMIT = 200;

export const groupCodeInputSchema = z.object({
  storeId: objectIdSchema,
  /** The placement the code is printed for (attribution); none for the store's general code. */
  placementId: objectIdSchema.nullable().default(null),
  name: z.string().trim().min(1, '请填写活码名称').max(60, '活码名称不能超过 60 字'),
});

export const groupCodeTargetInputSchema = z.object({
  /** The group's own join QR code (an image URL staff took from WeChat; it changes every 7 days). */
  qrImageUrl: z.url('请填写群二维码图片的链接').max(500),
  active: z.boolean().default(true),
});

export const groupCodeParamsSchema = z.object({ codeId: objectIdSchema });
export const groupParamsSchema = z.object({ groupId: objectIdSchema });

export const groupCodeSchema = z.object({
  id: objectIdSchema,
  storeId: objectIdSchema,
  placementId: objectIdSchema.nullable(),
  name: z.string(),
  /** The path residents open (the code's QR encodes it). */
  path: z.string(),
  createdAt: z.string(),
  /** Residents sent to a group through this code. */
  assigned: z.number().int(),
});
export type GroupCode = z.infer<typeof groupCodeSchema>;

export const groupCodeJoinSchema = z.object({
  groupId: objectIdSchema,
  topic: z.string(),
  qrImageUrl: z.string(),
  /** True when the resident had been sent to (or was already in) this group before. */
  again: z.boolean(),
});
export type GroupCodeJoin = z.infer<typeof groupCodeJoinSchema>;

export const groupCodeStatsSchema = z.object({
  codeId: objectIdSchema,
  assigned: z.number().int(),
  groups: z.array(z.object({ groupId: objectIdSchema, topic: z.string(), members: z.number().int(), seats: z.number().int(), assignedByThisCode: z.number().int() })),
});

/** The store's live code as a resident sees it (store page, store poster): its link opens the store page and joins. */
export const storeLiveCodeSchema = z.object({
  code: z.object({ id: objectIdSchema, name: z.string(), url: z.string() }).nullable(),
});
export type StoreLiveCode = z.infer<typeof storeLiveCodeSchema>;
export const storeParamsSchema = z.object({ storeId: objectIdSchema });
