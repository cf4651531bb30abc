import { z } from 'zod';
import { objectIdSchema } from './common';
import { clientIdSchema, wechatIdSchema } from './groups';

/**
 * Hand-off tickets: what the bot could not handle in a group (a complaint, a question it cannot
 * answer, an @-mention it does not understand) becomes a ticket for the store's staff, who answer
 * it from the staff workbench; the bot relays the answer to the resident.
 */

/** `bot_account`: a bot account was logged out or restricted (opened by the server, one per group it ran). */
export const TICKET_REASONS = ['complaint', 'unanswered', 'bot_account'] as const;
export const TICKET_STATUSES = ['open', 'answered', 'closed'] as const;
export const TICKET_ANSWER_CHANNELS = ['group', 'private'] as const;

/** The bot heard something it hands to staff. `messageId` makes a re-sent request the same ticket. */
export const botTicketRequestSchema = z.object({
  roomId: wechatIdSchema,
  wxid: wechatIdSchema,
  name: z.string().max(80).transform((value) => value.slice(0, 80)),
  messageId: z.string().min(1).max(160),
  text: z.string().min(1).max(2000),
  reason: z.enum(TICKET_REASONS),
  at: z.iso.datetime({ offset: true }),
});
export type BotTicketRequest = z.input<typeof botTicketRequestSchema>;

export const botTicketResultSchema = z.object({
  ticketId: objectIdSchema,
  /** False when this message had already become a ticket (a retry). */
  created: z.boolean(),
  /** Staff members told by private message (0 when none of the store's staff is bound to WeChat). */
  notified: z.number().int(),
});
export type BotTicketResult = z.infer<typeof botTicketResultSchema>;

export const ticketAnswerViewSchema = z.object({
  id: z.string(),
  text: z.string(),
  staffName: z.string(),
  via: z.enum(TICKET_ANSWER_CHANNELS),
  at: z.string(),
  /** Whether the bot confirmed it relayed the answer. */
  relayed: z.boolean(),
});

export const ticketSchema = z.object({
  id: objectIdSchema,
  storeId: objectIdSchema,
  groupId: objectIdSchema,
  topic: z.string(),
  wxid: z.string(),
  name: z.string(),
  text: z.string(),
  reason: z.enum(TICKET_REASONS),
  status: z.enum(TICKET_STATUSES),
  createdAt: z.string(),
  firstAnsweredAt: z.string().nullable(),
  /** Seconds from the ticket to its first answer; null while unanswered. */
  firstAnswerSeconds: z.number().int().nullable(),
  answers: z.array(ticketAnswerViewSchema),
});
export type Ticket = z.infer<typeof ticketSchema>;

export const ticketListQuerySchema = z.object({
  status: z.enum(TICKET_STATUSES).optional(),
  storeId: objectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ticketParamsSchema = z.object({ ticketId: objectIdSchema });

export const ticketAnswerInputSchema = z.object({
  text: z.string().trim().min(1, '请填写回复内容').max(1000, '回复不能超过 1000 字'),
  /** In the group (mentioning the resident) or by private message. */
  via: z.enum(TICKET_ANSWER_CHANNELS).default('group'),
  /** The client's id for this answer: a retried request is the same answer. */
  requestId: clientIdSchema,
  /** Close the ticket with this answer. */
  close: z.boolean().default(true),
});
export type TicketAnswerInput = z.input<typeof ticketAnswerInputSchema>;

export const ticketStatsQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  days: z.coerce.number().int().min(1).max(90).default(7),
});
export const ticketStatsSchema = z.object({
  days: z.number().int(),
  created: z.number().int(),
  open: z.number().int(),
  answered: z.number().int(),
  /** Median and 90th percentile of seconds to the first answer, over answered tickets; null when none. */
  medianFirstAnswerSeconds: z.number().int().nullable(),
  p90FirstAnswerSeconds: z.number().int().nullable(),
});
export type TicketStats = z.infer<typeof ticketStatsSchema>;
