import { z } from 'zod';
import { TOUCH_KINDS } from '../rules/order-credit';
import { objectIdSchema } from './common';
import { dayKeySchema } from './metrics';

/**
 * `POST /credits/touches`: the resident opened the mini-program from a link that names what it came from
 * (`shared/rules/order-credit`). `touchId` is made once per opening by the app, so a retry of the
 * same report is stored once.
 */
export const touchInputSchema = z
  .object({
    touchId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '触达编号应为 8 到 64 位字母、数字、下划线或连字符'),
    kind: z.enum(TOUCH_KINDS),
    refId: objectIdSchema.nullish(),
    groupId: objectIdSchema.nullish(),
    sharerId: objectIdSchema.nullish(),
    /** In WeChat, what `wx.getGroupEnterInfo` gave for the shareTicket: the group the link was opened in, encrypted with the session key. */
    groupInfo: z.object({ encryptedData: z.string().min(1).max(4096), iv: z.string().min(1).max(64) }).nullish(),
  })
  .superRefine((input, ctx) => {
    if (input.kind !== 'share' && !input.refId) ctx.addIssue({ code: 'custom', path: ['refId'], message: '群发和订阅消息的触达需要带上它的编号' });
    if (input.kind === 'share' && !input.sharerId) ctx.addIssue({ code: 'custom', path: ['sharerId'], message: '分享的触达需要带上分享人' });
  });
export type TouchInput = z.infer<typeof touchInputSchema>;

export const touchResultSchema = z.object({
  touchId: z.string(),
  kind: z.enum(TOUCH_KINDS),
  /** The group the touch was credited to, when one is known. */
  groupId: objectIdSchema.nullable(),
  /** False when this touchId had been stored before (a retry). */
  created: z.boolean(),
});
export type TouchResult = z.infer<typeof touchResultSchema>;

export const groupShareQuerySchema = z
  .object({ storeId: objectIdSchema.optional(), from: dayKeySchema, to: dayKeySchema })
  .refine((query) => query.from <= query.to, { message: '结束日期不能早于开始日期', path: ['to'] });

/** `GET /credits/group-share`: completed orders of a store's residents over China days, and how many a group touch led to. */
export const groupShareSchema = z.object({
  storeId: objectIdSchema.nullable(),
  from: z.string(),
  to: z.string(),
  /** Completed orders (still completed now) over the range, by completion day. */
  orders: z.number().int(),
  /** Of them, credited (last touch) to a group: a broadcast card in a group, or a share opened in a known group. */
  viaGroups: z.number().int(),
  /** Of them, credited to any touch (broadcast, push, share). */
  viaTouches: z.number().int(),
  /** viaGroups / orders, null when there were no orders. */
  groupShare: z.number().nullable(),
  byKind: z.object({ broadcast: z.number().int(), sop: z.number().int(), push: z.number().int(), share: z.number().int() }),
});
export type GroupShare = z.infer<typeof groupShareSchema>;
