import { z } from 'zod';
import { attributionSchema } from './acquisition';
import { objectIdSchema } from './common';
import { MAINLAND_MOBILE_PATTERN, PROFILE_FIELDS } from '../rules/profile';

export const residentSchema = z.object({
  id: objectIdSchema,
  nickname: z.string().nullable(),
  phone: z.string().nullable(),
  /** True when the number came from WeChat's phone-number button, false when typed (H5). */
  phoneVerified: z.boolean(),
  communityId: objectIdSchema.nullable(),
  /** Building and unit/door in the community, for delivery (e.g. 3 号楼 / 2 单元 501). */
  building: z.string().nullable(),
  unit: z.string().nullable(),
  /** Profile fields still empty; "完善资料" completes when none are. */
  missingProfileFields: z.array(z.enum(PROFILE_FIELDS)),
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
  /** Search: a name or building fragment, or the last 4 digits of the phone number. */
  q: z.string().trim().min(1, '请输入要搜索的内容').max(30, '搜索内容最多 30 个字').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const profileText = (label: string, max: number) =>
  z.string().trim().min(1, `请填写${label}`).max(max, `${label}最多 ${max} 个字`);

/**
 * `PATCH /residents/me`: the profile form of 我的. Every field is optional (send what changed);
 * the phone comes as WeChat's `phoneCode` in the mini-program, or typed in H5.
 */
export const updateProfileSchema = z
  .object({
    nickname: profileText('昵称', 20).optional(),
    communityId: objectIdSchema.optional(),
    building: profileText('楼栋', 20).optional(),
    unit: profileText('单元门牌', 30).optional(),
    phone: z
      .string()
      .trim()
      .transform((value) => value.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, ''))
      .pipe(z.string().regex(MAINLAND_MOBILE_PATTERN, '请填写 11 位手机号'))
      .optional(),
    phoneCode: z.string().min(1).max(128).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: '请至少修改一项' })
  .refine((body) => !(body.phone && body.phoneCode), { message: '手机号请只用一种方式填写', path: ['phone'] });
export type UpdateProfile = z.output<typeof updateProfileSchema>;
