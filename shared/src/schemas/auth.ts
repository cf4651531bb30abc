import { z } from 'zod';
import { objectIdSchema } from './common';
import { staffSchema } from './staff';

export const wechatLoginSchema = z.object({
  /** wx.login's code, or `dev:<name>` when dev login is on. */
  code: z.string().min(1).max(128),
  /** The scene the mini-program was opened with, if any. */
  scene: z.string().max(64).optional(),
  /** A random id the client keeps, linking anonymous scans to the resident who logs in. */
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
});

export const sessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  kind: z.enum(['resident', 'staff']),
  residentId: objectIdSchema.nullable(),
  /** True when this login created the resident. */
  isNewResident: z.boolean(),
  /** Whether the resident still has to finish sign-up (choose a community). */
  needsSignUp: z.boolean(),
  staff: staffSchema.nullable(),
  /** What happened to the scene this login carried, when it carried one. */
  scan: z
    .object({ status: z.string(), message: z.string() })
    .nullable(),
});
export type Session = z.infer<typeof sessionSchema>;
