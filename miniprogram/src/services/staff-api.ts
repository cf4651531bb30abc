import { z } from 'zod';
import { myTouchpointSchema, myTouchpointsQuerySchema } from '@o2o/shared/schemas/acquisition';
import {
  broadcastInputSchema,
  broadcastReportSchema,
  broadcastSchema,
  faqEntrySchema,
  faqInputSchema,
  groupSchema,
  groupStatsSchema,
} from '@o2o/shared/schemas/groups';
import { advisorProgressSchema, conversionSchema, penetrationSchema, repurchaseSchema } from '@o2o/shared/schemas/metrics';
import { couponSchema } from '@o2o/shared/schemas/rewards';
import { groupStatsRangeSchema } from '@o2o/shared/schemas/group-stats';
import { fraudFlagSchema, inviteLeaderboardSchema, inviteTierConfigSchema, inviteTiersInputSchema } from '@o2o/shared/schemas/invites';
import { residentSchema } from '@o2o/shared/schemas/residents';
import { communitySchema, sectionSchema } from '@o2o/shared/schemas/organisation';
import { audienceCountSchema, audienceSchema, createAudienceSchema, previewAudienceSchema } from '@o2o/shared/schemas/audiences';
import { pushEffectSchema, pushInputSchema, pushListItemSchema, pushSchema, sendReportSchema, subscribeTemplateSchema } from '@o2o/shared/schemas/campaigns';
import { labelDefinitionSchema, scenarioSchema } from '@o2o/shared/schemas/labels';
import { IMAGE_UPLOAD_FIELD, mediaImageSchema } from '@o2o/shared/schemas/media';
import { apiBaseUrl } from './platform';
import { scorecardSchema, type ScorecardDimension } from '@o2o/shared/schemas/scorecards';
import { client } from './session';

export type Group = z.infer<typeof groupSchema>;
export type GroupStats = z.infer<typeof groupStatsSchema>;
export type GroupStatsRange = z.infer<typeof groupStatsRangeSchema>;
export type FaqEntry = z.infer<typeof faqEntrySchema>;
export type Broadcast = z.infer<typeof broadcastSchema>;
export type BroadcastInput = z.input<typeof broadcastInputSchema>;
export type BroadcastReport = z.infer<typeof broadcastReportSchema>;
export type StaffAudience = z.infer<typeof audienceSchema>;
export type AudienceCountView = z.infer<typeof audienceCountSchema>;
export type LabelScenarioView = z.infer<typeof scenarioSchema>;
export type LabelDefinitionView = z.infer<typeof labelDefinitionSchema>;
export type TemplateView = z.infer<typeof subscribeTemplateSchema>;
export type PushView = z.infer<typeof pushSchema>;
export type PushListItemView = z.infer<typeof pushListItemSchema>;
export type SendReportView = z.infer<typeof sendReportSchema>;
export type MediaImage = z.infer<typeof mediaImageSchema>;

/** An image address to show: an uploaded image's server path (`/media/images/…`) on the API's origin, anything else as it is. */
export function imageSource(address: string): string {
  return address.startsWith('/') ? `${apiBaseUrl().replace(/\/+$/, '')}${address}` : address;
}
export type AdvisorProgress = z.infer<typeof advisorProgressSchema>;
export type Conversion = z.infer<typeof conversionSchema>;
export type Repurchase = z.infer<typeof repurchaseSchema>;
export type Penetration = z.infer<typeof penetrationSchema>;
export type StaffCoupon = z.infer<typeof couponSchema>;
export type StaffFraudFlag = z.infer<typeof fraudFlagSchema>;
export type StaffResident = z.infer<typeof residentSchema>;
export type StaffTouch = z.infer<typeof myTouchpointSchema>;
export type StaffCommunity = z.infer<typeof communitySchema>;
export type StaffSection = z.infer<typeof sectionSchema>;

const residentPageSchema = z.object({ total: z.number().int(), items: z.array(residentSchema) });
const flagListSchema = z.union([z.array(fraudFlagSchema), z.object({ items: z.array(fraudFlagSchema) }).transform((page) => page.items)]);

/**
 * The staff workbench's calls. Each response is parsed with the same shared zod schema the
 * server answers with, so a page never renders a number the schema does not vouch for.
 */
export const staffApi = {
  myProgress: async (range: { from?: string; to?: string } = {}) =>
    advisorProgressSchema.parse(await client.request({ method: 'GET', path: '/metrics/advisors/me/progress', query: range })),
  advisorsProgress: async (storeId?: string, range: { from?: string; to?: string } = {}) =>
    z.array(advisorProgressSchema).parse(await client.request({ method: 'GET', path: '/metrics/advisors/progress', query: { ...(storeId ? { storeId } : {}), ...range } })),
  conversion: async (from: string, to: string, windowDays: 7 | 30 = 7) =>
    conversionSchema.parse(await client.request({ method: 'GET', path: '/metrics/conversion', query: { from, to, windowDays: String(windowDays), dimension: 'all' } })),
  conversionBy: async (from: string, to: string, dimension: string, value: string) =>
    conversionSchema.parse(await client.request({ method: 'GET', path: '/metrics/conversion', query: { from, to, windowDays: '7', dimension, value } })),
  repurchase: async (month: string) => repurchaseSchema.parse(await client.request({ method: 'GET', path: '/metrics/repurchase', query: { month, dimension: 'all' } })),
  repurchaseBy: async (month: string, dimension: string, value: string) =>
    repurchaseSchema.parse(await client.request({ method: 'GET', path: '/metrics/repurchase', query: { month, dimension, value } })),
  scorecard: async (dimension: ScorecardDimension, from: string, to: string) =>
    scorecardSchema.parse(await client.request({ method: 'GET', path: '/metrics/scorecards', query: { dimension, from, to } })),
  penetration: async (scope: { storeId?: string; cityId?: string }, limit = 100) =>
    penetrationSchema.parse(await client.request({ method: 'GET', path: '/metrics/penetration', query: { ...scope, order: 'hardest', limit } })),

  storeCommunities: async (storeId: string) => z.array(communitySchema).parse(await client.request({ method: 'GET', path: `/stores/${storeId}/communities` })),
  sections: async (communityId: string) => z.array(sectionSchema).parse(await client.request({ method: 'GET', path: `/communities/${communityId}/sections` })),
  searchResidents: async (q: string) => residentPageSchema.parse(await client.request({ method: 'GET', path: '/residents', query: { ...(q.trim() ? { q: q.trim() } : {}), limit: 30 } })),
  resident: async (id: string) => residentSchema.parse(await client.request({ method: 'GET', path: `/residents/${id}` })),
  myTouchpoints: async () => z.array(myTouchpointSchema).parse(await client.request({ method: 'GET', path: '/touchpoints/mine', query: myTouchpointsQuerySchema.parse({}) })),

  coupon: async (code: string) => couponSchema.parse(await client.request({ method: 'GET', path: `/rewards/coupons/${encodeURIComponent(code)}` })),
  useCoupon: async (code: string) => couponSchema.parse(await client.request({ method: 'POST', path: `/rewards/coupons/${encodeURIComponent(code)}/use`, body: {} })),

  groups: async () => z.array(groupSchema).parse(await client.request({ method: 'GET', path: '/groups' })),
  groupStatsRange: async (groupId: string, from: string, to: string) =>
    groupStatsRangeSchema.parse(await client.request({ method: 'GET', path: `/group-stats/${groupId}`, query: { from, to } })),
  groupStats: async (groupId: string, day: string) => groupStatsSchema.parse(await client.request({ method: 'GET', path: `/groups/${groupId}/stats`, query: { day } })),
  faqs: async () => z.array(faqEntrySchema).parse(await client.request({ method: 'GET', path: '/groups/faqs' })),
  addFaq: async (input: z.input<typeof faqInputSchema>) => faqEntrySchema.parse(await client.request({ method: 'POST', path: '/groups/faqs', body: faqInputSchema.parse(input) })),
  removeFaq: async (id: string) => {
    await client.request({ method: 'DELETE', path: `/groups/faqs/${id}` });
  },
  broadcasts: async () => z.array(broadcastSchema).parse(await client.request({ method: 'GET', path: '/groups/broadcasts' })),
  scheduleBroadcast: async (input: BroadcastInput) => broadcastSchema.parse(await client.request({ method: 'POST', path: '/groups/broadcasts', body: broadcastInputSchema.parse(input) })),
  cancelBroadcast: async (id: string) => broadcastSchema.parse(await client.request({ method: 'POST', path: `/groups/broadcasts/${id}/cancel`, body: {} })),
  broadcastReport: async (id: string) => broadcastReportSchema.parse(await client.request({ method: 'GET', path: `/groups/broadcasts/${id}` })),
  audiences: async () => z.array(audienceSchema).parse(await client.request({ method: 'GET', path: '/audiences' })),
  audienceCount: async (audienceId: string) => audienceCountSchema.parse(await client.request({ method: 'GET', path: `/audiences/${audienceId}/count` })),
  previewAudience: async (input: z.input<typeof previewAudienceSchema>) =>
    audienceCountSchema.parse(await client.request({ method: 'POST', path: '/audiences/preview', body: previewAudienceSchema.parse(input) })),
  createAudience: async (input: z.input<typeof createAudienceSchema>) =>
    audienceSchema.parse(await client.request({ method: 'POST', path: '/audiences', body: createAudienceSchema.parse(input) })),
  labelScenarios: async () => z.array(scenarioSchema).parse(await client.request({ method: 'GET', path: '/labels/scenarios' })),
  labelDefinitions: async () => z.array(labelDefinitionSchema).parse(await client.request({ method: 'GET', path: '/labels/definitions' })),

  pushTemplates: async () => z.array(subscribeTemplateSchema).parse(await client.request({ method: 'GET', path: '/campaigns/templates' })),
  pushes: async () => z.array(pushListItemSchema).parse(await client.request({ method: 'GET', path: '/campaigns/pushes' })),
  push: async (pushId: string) => pushSchema.parse(await client.request({ method: 'GET', path: `/campaigns/pushes/${pushId}` })),
  createPush: async (input: z.input<typeof pushInputSchema>) => pushSchema.parse(await client.request({ method: 'POST', path: '/campaigns/pushes', body: pushInputSchema.parse(input) })),
  pushEffect: async (pushId: string, days = 7) => pushEffectSchema.parse(await client.request({ method: 'GET', path: `/campaigns/pushes/${pushId}/effect`, query: { days } })),
  sendPush: async (pushId: string) => sendReportSchema.parse(await client.request({ method: 'POST', path: `/campaigns/pushes/${pushId}/send`, body: {} })),
  /** A picture chosen on the phone (`Taro.chooseImage`'s temp path): the server checks, scales and stores it. */
  uploadImage: (filePath: string) => client.upload({ path: '/media/images', filePath, field: IMAGE_UPLOAD_FIELD, response: mediaImageSchema }),

  inviteTiers: async () => inviteTierConfigSchema.parse(await client.request({ method: 'GET', path: '/invites/tiers' })),
  setInviteTiers: async (input: z.input<typeof inviteTiersInputSchema>) =>
    inviteTierConfigSchema.parse(await client.request({ method: 'PUT', path: '/invites/tiers', body: inviteTiersInputSchema.parse(input) })),
  inviteLeaderboard: async (month: string) => inviteLeaderboardSchema.parse(await client.request({ method: 'GET', path: '/invites/leaderboard', query: { month } })),
  flags: async () => flagListSchema.parse(await client.request({ method: 'GET', path: '/invites/flags' })),
  decideFlag: async (flagId: string, decision: 'release' | 'cancel', note: string) =>
    fraudFlagSchema.parse(await client.request({ method: 'POST', path: `/invites/flags/${flagId}/decision`, body: { decision, note } })),
};

/** The store's communities with the sections this staff member owns in each (an advisor's own ground). */
export async function myCommunities(storeId: string, staffId: string): Promise<{ community: StaffCommunity; mySections: StaffSection[] }[]> {
  const communities = await staffApi.storeCommunities(storeId);
  const sections = await Promise.all(communities.map((community) => staffApi.sections(community.id)));
  return communities
    .map((community, index) => ({ community, mySections: sections[index].filter((section) => section.ownerStaffId === staffId) }))
    .filter((entry) => entry.mySections.length > 0);
}

/** China-time day key `YYYY-MM-DD`, `offsetDays` from today. */
export function chinaDay(offsetDays = 0, now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** China-time month key `YYYY-MM`, `offsetMonths` from this month. */
export function chinaMonth(offsetMonths = 0, now = new Date()): string {
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + offsetMonths, 1));
  return date.toISOString().slice(0, 7);
}
