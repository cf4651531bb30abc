import { z } from 'zod';
import { objectIdSchema } from './common';

export const POINT_SOURCES = ['task', 'order', 'invite', 'redemption', 'manual', 'expiry', 'reversal'] as const;
export const pointSourceSchema = z.enum(POINT_SOURCES);
export type PointSource = z.infer<typeof pointSourceSchema>;

/** An idempotency key: the same key always means the same change, applied once. */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9:_.-]{8,120}$/, '8-120 characters of letters, digits and :_.-');

export const pointEntrySchema = z.object({
  id: objectIdSchema,
  residentId: objectIdSchema,
  /** Change to the available balance (signed). */
  amount: z.number().int(),
  /** Change to the held (pending) balance (signed). */
  pendingAmount: z.number().int(),
  reasonCode: z.string(),
  note: z.string(),
  source: pointSourceSchema,
  sourceId: z.string().nullable(),
  idempotencyKey: z.string(),
  state: z.enum(['applying', 'applied', 'rejected']),
  /** For held earnings: held until released or cancelled. */
  hold: z.enum(['held', 'released', 'cancelled']).nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
});
export type PointEntry = z.infer<typeof pointEntrySchema>;

/** A page of my points history, newest first; `nextBefore` asks for the page after it (null: no more). */
export const pointHistorySchema = z.object({ items: z.array(pointEntrySchema), nextBefore: z.number().int().nullable() });

export const pointBalanceSchema = z.object({
  available: z.number().int(),
  pending: z.number().int(),
  /** Lots expiring within the warning window, soonest first. */
  expiringSoon: z.array(z.object({ amount: z.number().int(), expiresAt: z.string() })),
  expiringSoonTotal: z.number().int(),
});
export type PointBalance = z.infer<typeof pointBalanceSchema>;

export const manualAdjustmentSchema = z.object({
  residentId: objectIdSchema,
  /** Positive grants, negative deducts. */
  amount: z.number().int().refine((value) => value !== 0, 'must not be zero').refine((value) => Math.abs(value) <= 100_000, 'at most 100000'),
  reason: z.string().min(2).max(200),
  idempotencyKey: idempotencyKeySchema,
});

export const pointHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(30),
  before: objectIdSchema.optional(),
});
