import { z } from 'zod';

/** The one error body every endpoint returns on failure. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_FAILED'),
    message: z.string(),
    details: z.unknown().nullable().describe('For validation errors: [{ path, message }]'),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A MongoDB ObjectId as 24 hex characters. */
export const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id');

export const healthSchema = z.object({
  status: z.literal('ok'),
  database: z
    .enum(['running', 'restarting', 'external'])
    .describe('the embedded database: running, or restarting after it died (it recovers by itself); external for MONGODB_URI'),
});
export const readinessSchema = z.object({ status: z.literal('ready'), database: z.literal('up') });

export const paginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
