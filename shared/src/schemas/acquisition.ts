import { z } from 'zod';
import { objectIdSchema } from './common';

/** The four code types of the brief; what each one credits is in `CODE_TYPE_CREDITS`. */
export const CODE_TYPES = ['brand', 'advisor', 'advisor_activity', 'store_activity'] as const;
export const codeTypeSchema = z.enum(CODE_TYPES);
export type CodeType = z.infer<typeof codeTypeSchema>;

/**
 * brand: carries the store. advisor: carries the store (the advisor owns the code, the store gets
 * the credit). advisor_activity: carries the advisor (and so the advisor's store). store_activity:
 * carries the store.
 */
export const CODE_TYPE_CREDITS: Record<CodeType, 'store' | 'advisor'> = {
  brand: 'store',
  advisor: 'store',
  advisor_activity: 'advisor',
  store_activity: 'store',
};

/** Channel, campaign and placement are three dimensions, never one field. */
export const channelInputSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{1,30}$/, 'lowercase letters, digits and _'),
  name: z.string().min(1).max(40),
});
export const channelSchema = channelInputSchema.extend({ id: objectIdSchema });

export const campaignInputSchema = z.object({
  name: z.string().min(1).max(60),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  storeId: objectIdSchema.optional(),
  cityId: objectIdSchema.optional(),
});
export const campaignSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
});

export const placementInputSchema = z.object({
  name: z.string().min(1).max(60),
  description: z.string().max(200).optional(),
});
export const placementSchema = z.object({ id: objectIdSchema, name: z.string(), description: z.string().nullable() });

export const createCodeSchema = z.object({
  type: codeTypeSchema,
  name: z.string().min(1).max(60),
  storeId: objectIdSchema.optional(),
  /** advisor and advisor_activity codes: the advisor (defaults to the caller when an advisor creates one). */
  advisorId: objectIdSchema.optional(),
  channelId: objectIdSchema,
  campaignId: objectIdSchema,
  placementId: objectIdSchema,
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validTo: z.iso.datetime({ offset: true }).optional(),
});

export const updateCodeSchema = z.object({
  name: z.string().min(1).max(60).optional(),
  enabled: z.boolean().optional(),
  validFrom: z.iso.datetime({ offset: true }).nullable().optional(),
  validTo: z.iso.datetime({ offset: true }).nullable().optional(),
});

export const qrCodeSchema = z.object({
  id: objectIdSchema,
  shortId: z.string(),
  scene: z.string(),
  type: codeTypeSchema,
  name: z.string(),
  storeId: objectIdSchema,
  advisorId: objectIdSchema.nullable(),
  channelId: objectIdSchema,
  campaignId: objectIdSchema,
  placementId: objectIdSchema,
  enabled: z.boolean(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  /** The H5 URL carrying the same scene (what the fallback QR image encodes). */
  h5Url: z.string(),
  createdAt: z.string(),
});
export type QrCode = z.infer<typeof qrCodeSchema>;

export const SCAN_STATUSES = ['attributable', 'disabled', 'expired', 'not_yet_valid', 'forged', 'unknown', 'invite', 'invalid_invite'] as const;
export const scanStatusSchema = z.enum(SCAN_STATUSES);
export type ScanStatus = z.infer<typeof scanStatusSchema>;

export const recordScanSchema = z.object({
  scene: z.string().min(1).max(64),
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
});

export const scanResultSchema = z.object({
  touchId: objectIdSchema,
  status: scanStatusSchema,
  /** Simplified Chinese, shown to the resident. */
  message: z.string(),
  store: z.object({ id: objectIdSchema, name: z.string() }).nullable(),
  codeType: codeTypeSchema.nullable(),
});

/** Who gets the credit for a resident: set once, at registration, from the first touch. */
export const attributionSchema = z.object({
  source: z.enum(['code', 'invite', 'organic']),
  touchId: objectIdSchema.nullable(),
  codeId: objectIdSchema.nullable(),
  codeType: codeTypeSchema.nullable(),
  storeId: objectIdSchema.nullable(),
  advisorId: objectIdSchema.nullable(),
  /** The staff member who owns the code (advisor codes credit the store but are owned by an advisor). */
  codeOwnerId: objectIdSchema.nullable(),
  channelId: objectIdSchema.nullable(),
  campaignId: objectIdSchema.nullable(),
  placementId: objectIdSchema.nullable(),
  inviterResidentId: objectIdSchema.nullable(),
  at: z.string(),
});
export type Attribution = z.infer<typeof attributionSchema>;

export const OFFLINE_TOUCH_KINDS = ['store_visit', 'delivery_contact', 'event'] as const;
export const recordOfflineTouchSchema = z.object({
  kind: z.enum(OFFLINE_TOUCH_KINDS),
  note: z.string().max(500).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

export const myTouchpointsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(30) });

export const touchSchema = z.object({
  id: objectIdSchema,
  kind: z.enum(['scan', 'offline']),
  residentId: objectIdSchema.nullable(),
  codeId: objectIdSchema.nullable(),
  status: z.string(),
  isFirstTouch: z.boolean(),
  offlineKind: z.enum(OFFLINE_TOUCH_KINDS).nullable(),
  staffId: objectIdSchema.nullable(),
  note: z.string().nullable(),
  at: z.string(),
});

/** `GET /touchpoints/mine`: a touchpoint with whom it was, so the advisor's history reads by name. */
export const myTouchpointSchema = touchSchema.extend({ residentName: z.string().nullable(), residentBuilding: z.string().nullable() });
