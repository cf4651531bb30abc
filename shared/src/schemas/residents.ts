import { z } from 'zod';
import { attributionSchema } from './acquisition';
import { objectIdSchema } from './common';

export const residentSchema = z.object({
  id: objectIdSchema,
  nickname: z.string().nullable(),
  phone: z.string().nullable(),
  communityId: objectIdSchema.nullable(),
  storeId: objectIdSchema.nullable(),
  registeredAt: z.string(),
  signedUpAt: z.string().nullable(),
  firstOrderAt: z.string().nullable(),
  attribution: attributionSchema,
});
export type Resident = z.infer<typeof residentSchema>;

export const completeSignUpSchema = z.object({
  communityId: objectIdSchema,
  nickname: z.string().min(1).max(30).optional(),
  /** From WeChat's phone-number button (getPhoneNumber), optional. */
  phoneCode: z.string().min(1).max(128).optional(),
});

export const residentListQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  communityId: objectIdSchema.optional(),
  advisorId: objectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
