import { z } from 'zod';
import { objectIdSchema } from './common';

export const STAFF_ROLES = ['advisor', 'store_manager', 'city_ops', 'admin'] as const;
export const staffRoleSchema = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof staffRoleSchema>;

export const DEFAULT_ADVISOR_GOAL = 1000;

export const staffSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  role: staffRoleSchema,
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  goalConsumerUsers: z.number().int(),
  active: z.boolean(),
  boundToWechat: z.boolean(),
});
export type Staff = z.infer<typeof staffSchema>;

export const createStaffInviteSchema = z
  .object({
    name: z.string().min(1).max(40),
    role: staffRoleSchema,
    storeId: objectIdSchema.optional(),
    cityId: objectIdSchema.optional(),
    validHours: z.number().int().min(1).max(24 * 14).default(72),
  })
  .refine((invite) => invite.role === 'admin' || invite.role === 'city_ops' || invite.storeId, {
    message: '顾问和店长要选择所属门店',
    path: ['storeId'],
  })
  .refine((invite) => invite.role !== 'city_ops' || invite.cityId, { message: '城市运营要选择所属城市', path: ['cityId'] });

export const staffInviteSchema = z.object({
  inviteCode: z.string(),
  name: z.string(),
  role: staffRoleSchema,
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  expiresAt: z.string(),
});

export const acceptStaffInviteSchema = z.object({
  inviteCode: z.string().min(8).max(64),
  /** The code from wx.login (or `dev:<name>` with dev login). */
  code: z.string().min(1).max(128),
});

export const updateStaffGoalSchema = z.object({ goalConsumerUsers: z.number().int().min(1).max(100_000) });
