import { z } from 'zod';
import { objectIdSchema } from './common';

export const geoPointSchema = z.object({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 时:分，例如 08:30');

export const openingWindowSchema = z.object({
  weekdays: z.array(z.number().int().min(1).max(7)).min(1),
  open: timeOfDay,
  close: timeOfDay,
});

export const citySchema = z.object({ id: objectIdSchema, name: z.string(), code: z.string() });
export type City = z.infer<typeof citySchema>;
export const createCitySchema = z.object({ name: z.string().min(1).max(40), code: z.string().regex(/^[a-z0-9-]{2,20}$/) });

export const deliverySchema = z.object({
  radiusKm: z.number().positive().max(20),
  feeCents: z.number().int().min(0),
  freeAboveCents: z.number().int().min(0).nullable(),
  minOrderCents: z.number().int().min(0),
});

/** The store's community group residents join: its name and the content of its WeChat group QR code. */
export const storeGroupQrSchema = z.object({
  name: z.string().trim().min(1, '请填写群名称').max(40),
  /** What the group's QR code encodes (WeChat's group invite link, https://weixin.qq.com/g/...). */
  qrContent: z.url({ message: '请填写群二维码的链接' }).max(500),
});

export const storeInputSchema = z.object({
  cityId: objectIdSchema,
  name: z.string().min(1).max(60),
  address: z.string().min(1).max(200),
  location: geoPointSchema,
  openingHours: z.array(openingWindowSchema).min(1),
  delivery: deliverySchema,
  serviceRadiusKm: z.number().positive().max(20).default(3),
  contactPhone: z.string().regex(/^[0-9+\-() ]{5,20}$/),
  /** The configured group QR (until live group codes rotate between groups); null removes it. */
  groupQr: storeGroupQrSchema.nullable().optional(),
});
/**
 * `PATCH /stores/:id`: only the fields sent change (no defaults, so an edit of the hours never
 * resets the radius). Location and service radius decide which communities the store serves and
 * so whose they are: only city ops and admins change them.
 */
export const storeUpdateSchema = storeInputSchema
  .omit({ cityId: true, serviceRadiusKm: true })
  .extend({ serviceRadiusKm: z.number().positive().max(20) })
  .partial()
  .strict();
export const STORE_TERRITORY_FIELDS = ['location', 'serviceRadiusKm'] as const;

export const storeSchema = storeInputSchema.extend({
  id: objectIdSchema,
  serviceRadiusKm: z.number(),
  groupQr: storeGroupQrSchema.nullable(),
  /** Derived: whether the store is open now (China time) and a Chinese summary of its hours. */
  openNow: z.boolean(),
  hoursText: z.string(),
});
export type Store = z.infer<typeof storeSchema>;

/** Free-form but typed community portrait, filled in by staff. */
export const communityPortraitSchema = z.object({
  ageMix: z.enum(['young', 'mixed', 'elderly']).optional(),
  incomeLevel: z.enum(['low', 'middle', 'high']).optional(),
  priceSensitivity: z.enum(['low', 'medium', 'high']).optional(),
  familiesWithChildrenShare: z.number().min(0).max(1).optional(),
  competitorStores: z.array(z.string().max(60)).max(20).optional(),
  propertyManagementContact: z.string().max(100).optional(),
  accessNotes: z.string().max(500).optional(),
  notes: z.string().max(1000).optional(),
});
export type CommunityPortrait = z.infer<typeof communityPortraitSchema>;

export const communityInputSchema = z.object({
  cityId: objectIdSchema,
  name: z.string().min(1).max(60),
  address: z.string().min(1).max(200),
  location: geoPointSchema,
  households: z.number().int().min(1),
  buildings: z.number().int().min(0),
});
export const communitySchema = communityInputSchema.extend({
  id: objectIdSchema,
  portrait: communityPortraitSchema,
  portraitUpdatedAt: z.string().nullable(),
  portraitUpdatedBy: objectIdSchema.nullable(),
});
export type Community = z.infer<typeof communitySchema>;

/** A community a resident of a store can choose at sign-up, nearest first. */
export const communityChoiceSchema = z.object({ id: objectIdSchema, name: z.string(), address: z.string(), distanceKm: z.number() });

export const servedCommunitySchema = communitySchema.extend({
  distanceKm: z.number(),
  sectionCount: z.number().int(),
  unownedSectionCount: z.number().int(),
});

export const sectionInputSchema = z.object({ communityId: objectIdSchema, name: z.string().min(1).max(60) });
export const sectionSchema = sectionInputSchema.extend({
  id: objectIdSchema,
  ownerStaffId: objectIdSchema.nullable(),
  assignedAt: z.string().nullable(),
});
export type Section = z.infer<typeof sectionSchema>;

export const assignSectionSchema = z.object({
  advisorId: objectIdSchema,
  /** Required to move a section that already has an owner. */
  transfer: z.boolean().default(false),
  reason: z.string().max(200).optional(),
});

export const sectionAssignmentSchema = z.object({
  sectionId: objectIdSchema,
  fromStaffId: objectIdSchema.nullable(),
  toStaffId: objectIdSchema.nullable(),
  kind: z.enum(['assign', 'transfer', 'release']),
  byStaffId: objectIdSchema,
  reason: z.string().nullable(),
  at: z.string(),
});
