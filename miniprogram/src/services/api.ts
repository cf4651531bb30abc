import type { z } from 'zod';
import type { qrCodeSchema, scanResultSchema, touchSchema, channelSchema, campaignSchema, placementSchema } from '@o2o/shared/schemas/acquisition';
import type { residentSchema } from '@o2o/shared/schemas/residents';
import type { pointBalanceSchema, pointEntrySchema } from '@o2o/shared/schemas/points';
import type { myTasksSchema, taskEventResultSchema } from '@o2o/shared/schemas/tasks';
import type { residentRewardSchema, couponSchema, redemptionSchema } from '@o2o/shared/schemas/rewards';
import type { myInvitesSchema, fraudFlagSchema, inviteLandingSchema } from '@o2o/shared/schemas/invites';
import type { myOrderSchema } from '@o2o/shared/schemas/orders';
import type { storeOffersSchema } from '@o2o/shared/schemas/storefront';
import type { checkinOutcomeSchema, myCheckinSchema } from '@o2o/shared/schemas/checkins';
import type { bindCodeIssuedSchema } from '@o2o/shared/schemas/groups';
import type { storeSchema, communitySchema, communityPortraitSchema } from '@o2o/shared/schemas/organisation';
import type { advisorProgressSchema, penetrationSchema } from '@o2o/shared/schemas/metrics';
import type { myInterestsSchema } from '@o2o/shared/schemas/interest';
import type { mySubscriptionsSchema, subscriptionReportResultSchema } from '@o2o/shared/schemas/campaigns';
import { completeSignUpSchema, residentListQuerySchema, updateProfileSchema } from '@o2o/shared/schemas/residents';
import { createCodeSchema, recordOfflineTouchSchema } from '@o2o/shared/schemas/acquisition';
import { ApiError } from './api-client';
import { client } from './session';

export type QrCode = z.infer<typeof qrCodeSchema>;
export type ScanResult = z.infer<typeof scanResultSchema>;
export type Resident = z.infer<typeof residentSchema>;
export type PointBalance = z.infer<typeof pointBalanceSchema>;
export type PointEntry = z.infer<typeof pointEntrySchema>;
export type MyTasks = z.infer<typeof myTasksSchema>;
export type TaskEventResult = z.infer<typeof taskEventResultSchema>;
export type ResidentReward = z.infer<typeof residentRewardSchema>;
export type Coupon = z.infer<typeof couponSchema>;
export type Redemption = z.infer<typeof redemptionSchema>;
export type MyInvites = z.infer<typeof myInvitesSchema>;
export type InviteLanding = z.infer<typeof inviteLandingSchema>;
export type MyOrder = z.infer<typeof myOrderSchema>;
export type StoreOffers = z.infer<typeof storeOffersSchema>;
export type MyCheckin = z.infer<typeof myCheckinSchema>;
export type CheckinOutcome = z.infer<typeof checkinOutcomeSchema>;
export type BindCode = z.infer<typeof bindCodeIssuedSchema>;
export type ProfileInput = z.input<typeof updateProfileSchema>;
export type FraudFlag = z.infer<typeof fraudFlagSchema>;
export type Store = z.infer<typeof storeSchema>;
export type Community = z.infer<typeof communitySchema>;
export type CommunityPortrait = z.infer<typeof communityPortraitSchema>;
export type AdvisorProgress = z.infer<typeof advisorProgressSchema>;
export type Penetration = z.infer<typeof penetrationSchema>;
export type MyInterests = z.infer<typeof myInterestsSchema>;
export type MySubscriptions = z.infer<typeof mySubscriptionsSchema>;
export type SubscriptionReportResult = z.infer<typeof subscriptionReportResultSchema>;
export type Channel = z.infer<typeof channelSchema>;
export type Campaign = z.infer<typeof campaignSchema>;
export type Placement = z.infer<typeof placementSchema>;
export type Touch = z.infer<typeof touchSchema>;
export type CreateCode = z.input<typeof createCodeSchema>;
export type CommunityChoice = { id: string; name: string; address: string; distanceKm: number };
export type Page<T> = { total: number; items: T[] };

/** A client-chosen key that makes a retried write count once. */
export function idempotencyKey(prefix: string): string {
  return `${prefix}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Endpoints other teams are still building: a 404/501 means "not here yet", so staff pages hide
 * the section instead of showing an error.
 */
export async function optional<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501) && error.code !== 'FORBIDDEN') return null;
    throw error;
  }
}

export const api = {
  recordScan: (scene: string, deviceId: string) => client.request<ScanResult>({ method: 'POST', path: '/scans', auth: false, body: { scene, deviceId } }),
  me: () => client.request<Resident>({ method: 'GET', path: '/residents/me' }),
  communityChoices: (storeId: string) => client.request<CommunityChoice[]>({ method: 'GET', path: `/stores/${storeId}/community-choices`, auth: false }),
  signUp: (input: z.input<typeof completeSignUpSchema>) => client.request<Resident>({ method: 'POST', path: '/residents/me/sign-up', body: completeSignUpSchema.parse(input) }),
  store: (storeId: string) => client.request<Store>({ method: 'GET', path: `/stores/${storeId}`, auth: false }),
  stores: () => client.request<Store[]>({ method: 'GET', path: '/stores', auth: false }),
  offers: (storeId: string) => client.request<StoreOffers>({ method: 'GET', path: `/stores/${storeId}/offers`, auth: false }),
  updateProfile: (input: ProfileInput) => client.request<Resident>({ method: 'PATCH', path: '/residents/me', body: updateProfileSchema.parse(input) }),
  logout: () => client.request<null>({ method: 'POST', path: '/auth/logout' }),
  myOrders: (limit = 50) => client.request<MyOrder[]>({ method: 'GET', path: '/orders/me', query: { limit } }),
  checkin: () => client.request<MyCheckin>({ method: 'GET', path: '/me/checkin' }),
  checkIn: () => client.request<CheckinOutcome>({ method: 'POST', path: '/me/checkin' }),
  identityCode: () => client.request<BindCode>({ method: 'POST', path: '/groups/identity-codes' }),
  inviteLanding: (scene: string) => client.request<InviteLanding>({ method: 'GET', path: '/invites/landing', query: { scene }, auth: false }),

  points: () => client.request<PointBalance>({ method: 'GET', path: '/points/me' }),
  pointHistory: (before?: string) => client.request<{ items: PointEntry[]; nextBefore?: string | null }>({ method: 'GET', path: '/points/me/history', query: { limit: 30, before } }),

  tasks: () => client.request<MyTasks>({ method: 'GET', path: '/tasks/me' }),
  /** The offers page was opened (浏览今日特惠); the key makes it count once a day. */
  reportOffersViewed: (key: string, storeId: string) =>
    client.request<TaskEventResult>({ method: 'POST', path: '/tasks/events', body: { type: 'activity_viewed', idempotencyKey: key, meta: { page: 'offers', storeId } } }),

  rewards: () => client.request<ResidentReward[]>({ method: 'GET', path: '/rewards' }),
  redeem: (rewardId: string, key: string) => client.request<Redemption>({ method: 'POST', path: `/rewards/${rewardId}/redeem`, body: { idempotencyKey: key } }),
  myCoupons: () => client.request<Coupon[]>({ method: 'GET', path: '/rewards/coupons/me' }),

  invites: () => client.request<MyInvites>({ method: 'GET', path: '/invites/me' }),

  /** "猜你喜欢": the products the interest label predicts for me (none before the first model build). */
  myInterests: () => optional(() => client.request<MyInterests>({ method: 'GET', path: '/me/interests' })),
  mySubscriptions: () => optional(() => client.request<MySubscriptions>({ method: 'GET', path: '/me/subscriptions' })),
  /** Reports one `wx.requestSubscribeMessage` answer; `requestId` is kept for retries of the same prompt. */
  reportSubscription: (templateId: string, result: 'accept' | 'reject', requestId: string) =>
    client.request<SubscriptionReportResult>({ method: 'POST', path: '/me/subscriptions', body: { templateId, result, requestId } }),

  // staff
  codes: () => client.request<QrCode[]>({ method: 'GET', path: '/codes' }),
  createCode: (input: CreateCode) => client.request<QrCode>({ method: 'POST', path: '/codes', body: createCodeSchema.parse(input) }),
  channels: () => client.request<Channel[]>({ method: 'GET', path: '/attribution/channels' }),
  campaigns: () => client.request<Campaign[]>({ method: 'GET', path: '/attribution/campaigns' }),
  placements: () => client.request<Placement[]>({ method: 'GET', path: '/attribution/placements' }),
  residents: (query: z.input<typeof residentListQuerySchema> = {}) =>
    client.request<Page<Resident>>({ method: 'GET', path: '/residents', query: residentListQuerySchema.parse(query) }),
  recordTouchpoint: (residentId: string, input: z.input<typeof recordOfflineTouchSchema>) =>
    client.request<Touch>({ method: 'POST', path: `/residents/${residentId}/touchpoints`, body: recordOfflineTouchSchema.parse(input) }),
  storeCommunities: (storeId: string) => client.request<Community[]>({ method: 'GET', path: `/stores/${storeId}/communities` }),
  community: (communityId: string) => client.request<Community>({ method: 'GET', path: `/communities/${communityId}` }),
  updatePortrait: (communityId: string, portrait: CommunityPortrait) =>
    client.request<Community>({ method: 'PATCH', path: `/communities/${communityId}/portrait`, body: portrait }),
  advisorProgress: () => optional(() => client.request<AdvisorProgress>({ method: 'GET', path: '/metrics/advisors/me/progress' })),
  penetration: (storeId: string) => optional(() => client.request<Penetration>({ method: 'GET', path: '/metrics/penetration', query: { storeId, order: 'hardest' } })),
  fraudFlags: () => optional(() => client.request<FraudFlag[] | Page<FraudFlag>>({ method: 'GET', path: '/invites/flags' })),
  decideFlag: (flagId: string, decision: 'release' | 'cancel', note: string) =>
    client.request<FraudFlag>({ method: 'POST', path: `/invites/flags/${flagId}/decision`, body: { decision, note } }),
  groups: (storeId: string) => optional(() => client.request<unknown>({ method: 'GET', path: '/groups', query: { storeId } })),
};
