import './zod-jitless';
import { z } from 'zod';
import { campaignSchema, channelSchema, createCodeSchema, placementSchema, qrCodeSchema, recordOfflineTouchSchema, scanResultSchema, touchSchema } from '@o2o/shared/schemas/acquisition';
import { mySubscriptionsSchema, subscriptionReportResultSchema } from '@o2o/shared/schemas/campaigns';
import { checkinOutcomeSchema, myCheckinSchema } from '@o2o/shared/schemas/checkins';
import { bindCodeIssuedSchema } from '@o2o/shared/schemas/groups';
import { myInterestsSchema } from '@o2o/shared/schemas/interest';
import { inviteLandingSchema, inviteLeaderboardSchema, inviteTierConfigSchema, myInvitesSchema } from '@o2o/shared/schemas/invites';
import { myOrderSchema } from '@o2o/shared/schemas/orders';
import { communityChoiceSchema, communityPortraitSchema, communitySchema, storeSchema } from '@o2o/shared/schemas/organisation';
import { pointBalanceSchema, pointEntrySchema, pointHistorySchema } from '@o2o/shared/schemas/points';
import { completeSignUpSchema, residentSchema, updateProfileSchema } from '@o2o/shared/schemas/residents';
import { couponSchema, redemptionSchema, residentRewardSchema } from '@o2o/shared/schemas/rewards';
import { storeOffersSchema } from '@o2o/shared/schemas/storefront';
import { myTasksSchema, taskEventResultSchema } from '@o2o/shared/schemas/tasks';
import { client } from './session';

export type QrCode = z.infer<typeof qrCodeSchema>;
export type ScanResult = z.infer<typeof scanResultSchema>;
export type Resident = z.infer<typeof residentSchema>;
export type PointBalance = z.infer<typeof pointBalanceSchema>;
export type PointEntry = z.infer<typeof pointEntrySchema>;
export type MyTasks = z.infer<typeof myTasksSchema>;
export type ResidentReward = z.infer<typeof residentRewardSchema>;
export type Coupon = z.infer<typeof couponSchema>;
export type MyInvites = z.infer<typeof myInvitesSchema>;
export type InviteLanding = z.infer<typeof inviteLandingSchema>;
export type MyOrder = z.infer<typeof myOrderSchema>;
export type StoreOffers = z.infer<typeof storeOffersSchema>;
export type MyCheckin = z.infer<typeof myCheckinSchema>;
export type BindCode = z.infer<typeof bindCodeIssuedSchema>;
export type ProfileInput = z.input<typeof updateProfileSchema>;
export type Store = z.infer<typeof storeSchema>;
export type Community = z.infer<typeof communitySchema>;
export type CommunityChoice = z.infer<typeof communityChoiceSchema>;
export type CommunityPortrait = z.infer<typeof communityPortraitSchema>;
export type MyInterests = z.infer<typeof myInterestsSchema>;
export type MySubscriptions = z.infer<typeof mySubscriptionsSchema>;

/** A client-chosen key that makes a retried write count once. */
export function idempotencyKey(prefix: string): string {
  return `${prefix}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The resident pages' calls (and the few staff pages not yet on `staff-api.ts`). Request bodies
 * are checked with the server's schemas before they are sent and every answer is parsed with the
 * schema the server answers with (`response`), so a page renders only what the contract vouches for.
 */
export const api = {
  recordScan: (scene: string, deviceId: string) => client.request({ method: 'POST', path: '/scans', auth: false, body: { scene, deviceId }, response: scanResultSchema }),
  me: () => client.request({ method: 'GET', path: '/residents/me', response: residentSchema }),
  communityChoices: (storeId: string) => client.request({ method: 'GET', path: `/stores/${storeId}/community-choices`, auth: false, response: z.array(communityChoiceSchema) }),
  signUp: (input: z.input<typeof completeSignUpSchema>) => client.request({ method: 'POST', path: '/residents/me/sign-up', body: completeSignUpSchema.parse(input), response: residentSchema }),
  store: (storeId: string) => client.request({ method: 'GET', path: `/stores/${storeId}`, auth: false, response: storeSchema }),
  stores: () => client.request({ method: 'GET', path: '/stores', auth: false, response: z.array(storeSchema) }),
  offers: (storeId: string) => client.request({ method: 'GET', path: `/stores/${storeId}/offers`, auth: false, response: storeOffersSchema }),
  updateProfile: (input: ProfileInput) => client.request({ method: 'PATCH', path: '/residents/me', body: updateProfileSchema.parse(input), response: residentSchema }),
  logout: () => client.request({ method: 'POST', path: '/auth/logout', response: z.null() }),
  myOrders: (limit = 50) => client.request({ method: 'GET', path: '/orders/me', query: { limit }, response: z.array(myOrderSchema) }),
  checkin: () => client.request({ method: 'GET', path: '/me/checkin', response: myCheckinSchema }),
  checkIn: () => client.request({ method: 'POST', path: '/me/checkin', response: checkinOutcomeSchema }),
  identityCode: () => client.request({ method: 'POST', path: '/groups/identity-codes', response: bindCodeIssuedSchema }),
  inviteLanding: (scene: string) => client.request({ method: 'GET', path: '/invites/landing', query: { scene }, auth: false, response: inviteLandingSchema }),

  points: () => client.request({ method: 'GET', path: '/points/me', response: pointBalanceSchema }),
  pointHistory: (before?: number) => client.request({ method: 'GET', path: '/points/me/history', query: { limit: 30, before }, response: pointHistorySchema }),

  tasks: () => client.request({ method: 'GET', path: '/tasks/me', response: myTasksSchema }),
  /** The offers page was opened (浏览今日特惠); the key makes it count once a day. */
  reportOffersViewed: (key: string, storeId: string) =>
    client.request({ method: 'POST', path: '/tasks/events', body: { type: 'activity_viewed', idempotencyKey: key, meta: { page: 'offers', storeId } }, response: taskEventResultSchema }),

  rewards: () => client.request({ method: 'GET', path: '/rewards', response: z.array(residentRewardSchema) }),
  redeem: (rewardId: string, key: string) => client.request({ method: 'POST', path: `/rewards/${rewardId}/redeem`, body: { idempotencyKey: key }, response: redemptionSchema }),
  myCoupons: () => client.request({ method: 'GET', path: '/rewards/coupons/me', response: z.array(couponSchema) }),

  invites: () => client.request({ method: 'GET', path: '/invites/me', response: myInvitesSchema }),
  /** The invite reward tiers in force, with the sentence the invite page shows. */
  inviteTiers: () => client.request({ method: 'GET', path: '/invites/tiers', response: inviteTierConfigSchema }),
  /** The month's invite leaderboard (YYYY-MM, China time): top 20 masked, and my own place. */
  inviteLeaderboard: (month: string) => client.request({ method: 'GET', path: `/invites/leaderboard?month=${month}`, response: inviteLeaderboardSchema }),

  /** "猜你喜欢": the products the interest label predicts for me (empty before the first model build). */
  myInterests: () => client.request({ method: 'GET', path: '/me/interests', response: myInterestsSchema }),
  mySubscriptions: () => client.request({ method: 'GET', path: '/me/subscriptions', response: mySubscriptionsSchema }),
  /** Reports one `wx.requestSubscribeMessage` answer; `requestId` is kept for retries of the same prompt. */
  reportSubscription: (templateId: string, result: 'accept' | 'reject', requestId: string) =>
    client.request({ method: 'POST', path: '/me/subscriptions', body: { templateId, result, requestId }, response: subscriptionReportResultSchema }),

  // staff pages that still call from here (the rest use staff-api.ts)
  codes: () => client.request({ method: 'GET', path: '/codes', response: z.array(qrCodeSchema) }),
  createCode: (input: z.input<typeof createCodeSchema>) => client.request({ method: 'POST', path: '/codes', body: createCodeSchema.parse(input), response: qrCodeSchema }),
  channels: () => client.request({ method: 'GET', path: '/attribution/channels', response: z.array(channelSchema) }),
  campaigns: () => client.request({ method: 'GET', path: '/attribution/campaigns', response: z.array(campaignSchema) }),
  placements: () => client.request({ method: 'GET', path: '/attribution/placements', response: z.array(placementSchema) }),
  recordTouchpoint: (residentId: string, input: z.input<typeof recordOfflineTouchSchema>) =>
    client.request({ method: 'POST', path: `/residents/${residentId}/touchpoints`, body: recordOfflineTouchSchema.parse(input), response: touchSchema }),
  updatePortrait: (communityId: string, portrait: CommunityPortrait) =>
    client.request({ method: 'PATCH', path: `/communities/${communityId}/portrait`, body: communityPortraitSchema.parse(portrait), response: communitySchema }),
};
