import { z } from 'zod';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { DEFAULT_FAQS } from '@o2o/shared/rules/default-faqs';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  bindCodeIssuedSchema,
  botAccountHeartbeatResultSchema,
  botAccountHeartbeatSchema,
  botAccountSchema,
  botAnnounceSchema,
  botBindRequestSchema,
  botBindResultSchema,
  botEventBatchSchema,
  botEventResultSchema,
  botFaqAddSchema,
  botFaqRemoveSchema,
  botGroupContextSchema,
  botOfferSchema,
  botPauseSchema,
  botStaffResultSchema,
  broadcastInputSchema,
  broadcastReportSchema,
  broadcastSchema,
  checkinRequestSchema,
  checkinResultSchema,
  createGroupBindCodeSchema,
  deliveryClaimResultSchema,
  deliveryClaimSchema,
  deliveryListQuerySchema,
  faqEntrySchema,
  faqInputSchema,
  faqListQuerySchema,
  groupDeliverySchema,
  groupListQuerySchema,
  groupSchema,
  groupSettingsPatchSchema,
  groupStatsQuerySchema,
  groupStatsSchema,
  identitySummarySchema,
  memberSyncResultSchema,
  memberSyncSchema,
  moderationCaseSchema,
  moderationDecisionSchema,
  moderationListQuerySchema,
  moderationReportSchema,
  moderationUndoInputSchema,
  moderationUndoResultSchema,
  productSearchQuerySchema,
  productSearchResultSchema,
  settingsScopeParamsSchema,
  settingsViewSchema,
  staffActorSchema,
  wechatIdSchema,
} from '@o2o/shared/schemas/groups';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { principalOf, staffOf } from '../auth/auth.guard';
import { botGuard } from './bot.guard';

const roomParams = z.object({ roomId: wechatIdSchema });

/**
 * `/groups`: staff bind groups and manage their settings, FAQ, broadcasts and moderation log;
 * residents and staff get identity codes; `/groups/bot/*` is the bot's API (BOT_API_TOKEN).
 */
export function groupsRouter(services: Services): ApiRouter {
  const { guards, config } = services;
  const { groups, deliveries, moderation, bindCodes, events, accounts } = services.groups;
  const bot = [botGuard(config.BOT_API_TOKEN)];
  const tags = ['groups'];
  const botTags = ['groups bot'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');

  return new ApiRouter('/groups')
    .route({
      method: 'get', path: '', summary: 'WeChat groups bound to stores in your scope, with their member counts', tags, errors: [404],
      guards: guards.staff(), authenticated: true, query: groupListQuerySchema, response: z.array(groupSchema),
      handler: async ({ query, req }) => groups.list(staffOf(req), query.storeId),
    })
    .route({
      method: 'post', path: '/bind-codes', summary: 'A one-time code (30 min) to say in a WeChat group to bind it to a store', tags, status: 201, errors: [404],
      guards: managers, authenticated: true, body: createGroupBindCodeSchema, response: bindCodeIssuedSchema,
      handler: async ({ body, req }) => bindCodes.issueGroupCode(staffOf(req), toObjectId(body.storeId)),
    })
    .route({
      method: 'post', path: '/identity-codes', summary: 'A one-time code (10 min) to send the group bot privately, binding my WeChat identity in groups to my account', tags, status: 201,
      guards: guards.signedIn, authenticated: true, response: bindCodeIssuedSchema,
      handler: async ({ req }) => bindCodes.issueIdentityCode(principalOf(req)),
    })
    .route({
      method: 'get', path: '/settings/:level/:scopeId', summary: 'Group settings set at one level (brand, city, store, group; `-` for brand), and for a group what is in force', tags, errors: [404],
      guards: managers, authenticated: true, params: settingsScopeParamsSchema, response: settingsViewSchema,
      handler: async ({ params, req }) => groups.settings.layer(staffOf(req), params.level, params.scopeId),
    })
    .route({
      method: 'patch', path: '/settings/:level/:scopeId', summary: 'Override group settings at one level; lower levels inherit what they do not set', tags, errors: [404],
      guards: managers, authenticated: true, params: settingsScopeParamsSchema, body: groupSettingsPatchSchema, response: settingsViewSchema,
      handler: async ({ params, body, req }) => {
        await groups.settings.update(staffOf(req), params.level, params.scopeId, body);
        return groups.settings.layer(staffOf(req), params.level, params.scopeId);
      },
    })
    .route({
      method: 'get', path: '/faqs', summary: 'FAQ entries the bot answers from (brand-wide and per store)', tags, errors: [404],
      guards: guards.staff(), authenticated: true, query: faqListQuerySchema, response: z.array(faqEntrySchema),
      handler: async ({ query, req }) => groups.listFaqs(staffOf(req), query.storeId),
    })
    .route({
      method: 'get', path: '/faqs/defaults', summary: 'The default FAQ every store starts with (refunds, returns, invoices, payment); an entry of your own for the same question replaces one', tags,
      guards: guards.staff(), authenticated: true, response: z.array(z.object({ key: z.string(), questions: z.array(z.string()), answer: z.string() })),
      handler: async () => DEFAULT_FAQS,
    })
    .route({
      method: 'post', path: '/faqs', summary: 'Add an FAQ entry: question variants and the answer, for one store or (admins, city ops) every store', tags, status: 201, errors: [404],
      guards: guards.staff(), authenticated: true, body: faqInputSchema, response: faqEntrySchema,
      handler: async ({ body, req }) => groups.createFaq(staffOf(req), body),
    })
    .route({
      method: 'delete', path: '/faqs/:faqId', summary: 'Remove an FAQ entry', tags, status: 204, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ faqId: objectIdSchema }), response: z.undefined(),
      handler: async ({ params, req }) => {
        await groups.removeFaq(staffOf(req), params.faqId);
        return undefined;
      },
    })
    .route({
      method: 'post', path: '/broadcasts', summary: 'Schedule a message to a group, a store\'s groups, a city\'s, all, or the groups where a saved audience has members; each group gets it exactly once', tags, status: 201, errors: [404],
      guards: guards.staff(), authenticated: true, body: broadcastInputSchema, response: broadcastSchema,
      handler: async ({ body, req }) => deliveries.createBroadcast(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/broadcasts', summary: 'Recent broadcasts in your scope with how many groups confirmed them sent', tags,
      guards: guards.staff(), authenticated: true, response: z.array(broadcastSchema),
      handler: async ({ req }) => deliveries.listBroadcasts(staffOf(req)),
    })
    .route({
      method: 'get', path: '/broadcasts/:broadcastId', summary: 'Delivery report: each target group of a broadcast and whether the bot confirmed it sent there', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ broadcastId: objectIdSchema }), response: broadcastReportSchema,
      handler: async ({ params, req }) => deliveries.report(staffOf(req), params.broadcastId),
    })
    .route({
      method: 'post', path: '/broadcasts/:broadcastId/cancel', summary: 'Cancel a broadcast at least a minute before its send time: it is never handed to the bot; cancelling again answers the same', tags, errors: [404, 409],
      guards: guards.staff(), authenticated: true, params: z.object({ broadcastId: objectIdSchema }), response: broadcastSchema,
      handler: async ({ params, req }) => deliveries.cancelBroadcast(staffOf(req), params.broadcastId),
    })
    .route({
      method: 'get', path: '/moderation', summary: 'The moderation log of groups in your scope: rule, evidence, strike, penalty and outcome, newest first', tags,
      guards: guards.staff(), authenticated: true, query: moderationListQuerySchema, response: z.array(moderationCaseSchema),
      handler: async ({ query, req }) => moderation.list(staffOf(req), query),
    })
    .route({
      method: 'post', path: '/moderation/:caseId/undo', summary: 'Undo a wrong penalty (audited with who and why): the strike stops counting, a mute is lifted and the member told; a removal must be followed by a re-invite', tags, errors: [404],
      guards: managers, authenticated: true, params: z.object({ caseId: objectIdSchema }), body: moderationUndoInputSchema, response: moderationUndoResultSchema,
      handler: async ({ params, body, req }) => moderation.undo(staffOf(req), params.caseId, body.reason),
    })
    .route({
      method: 'get', path: '/accounts', summary: 'The bot accounts running groups in your scope: primary or standby, health (logged out, restricted) and how many groups each runs', tags,
      guards: managers, authenticated: true, response: z.array(botAccountSchema),
      handler: async ({ req }) => accounts.list(staffOf(req)),
    })
    .route({
      method: 'get', path: '/:groupId/stats', summary: 'A group\'s day (China time; today by default): members, messages per member, joins, leaves, check-ins, moderation', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ groupId: objectIdSchema }), query: groupStatsQuerySchema, response: groupStatsSchema,
      handler: async ({ params, query, req }) => groups.stats(await groups.assertGroupAccess(staffOf(req), params.groupId), query.day ?? chinaDateKey(new Date())),
    })

    /* ---------------------------------------------------------------- the bot's API */
    .route({
      method: 'get', path: '/bot/rooms/:roomId/context', summary: 'Bot: a room\'s store, effective settings, FAQ, staff ids, ways to earn and spend points, today\'s offers', tags: botTags,
      guards: bot, authenticated: true, params: roomParams, response: botGroupContextSchema,
      handler: async ({ params }) => {
        const [context, mutes, accountId] = await Promise.all([groups.context(params.roomId, moderation.now()), moderation.activeMutes(params.roomId), accounts.accountOf(params.roomId)]);
        return { ...context, mutes, accountId };
      },
    })
    .route({
      method: 'get', path: '/bot/rooms/:roomId/products', summary: 'Bot: does the room\'s store sell this?', tags: botTags, errors: [404],
      guards: bot, authenticated: true, params: roomParams, query: productSearchQuerySchema, response: productSearchResultSchema,
      handler: async ({ params, query }) => groups.searchProducts(params.roomId, query.q),
    })
    .route({
      method: 'post', path: '/bot/bind', summary: 'Bot: someone said `绑定 <code>`; binds the room to a store or the speaker to their account', tags: botTags, errors: [404, 409],
      guards: bot, authenticated: true, body: botBindRequestSchema, response: botBindResultSchema,
      handler: async ({ body }) => bindCodes.redeem(body),
    })
    .route({
      method: 'get', path: '/bot/identities/:wxid/summary', summary: 'Bot: a bound member\'s points and latest order, for a private reply', tags: botTags,
      guards: bot, authenticated: true, params: z.object({ wxid: wechatIdSchema }), response: identitySummarySchema,
      handler: async ({ params }) => groups.identitySummary(params.wxid),
    })
    .route({
      method: 'post', path: '/bot/members', summary: 'Bot: members seen in a room (full list or joins/leaves); queues one greeting per newcomer', tags: botTags,
      guards: bot, authenticated: true, body: memberSyncSchema, response: memberSyncResultSchema,
      handler: async ({ body }) => groups.syncMembers(body),
    })
    .route({
      method: 'post', path: '/bot/checkins', summary: 'Bot: a member said 签到; once per resident per day', tags: botTags,
      guards: bot, authenticated: true, body: checkinRequestSchema, response: checkinResultSchema,
      handler: async ({ body }) => groups.checkin(body),
    })
    .route({
      method: 'post', path: '/bot/moderation', summary: 'Bot: a member broke a rule; logs the evidence and returns the strike and penalty', tags: botTags,
      guards: bot, authenticated: true, body: moderationReportSchema, response: moderationDecisionSchema,
      handler: async ({ body }) => moderation.report(body),
    })
    .route({
      method: 'post', path: '/bot/events', summary: 'Bot: its outbox, in order; each event applied once', tags: botTags,
      guards: bot, authenticated: true, body: botEventBatchSchema, response: botEventResultSchema,
      handler: async ({ body }) => events.apply(body.events),
    })
    .route({
      method: 'get', path: '/bot/deliveries', summary: 'Bot: greetings, broadcasts, ticket messages and moderation notices (a mute ended or lifted) due and not yet acknowledged', tags: botTags,
      guards: bot, authenticated: true, query: deliveryListQuerySchema, response: z.array(groupDeliverySchema),
      handler: async ({ query }) => {
        // Mutes that ended become notices first, so they go out on this poll.
        await moderation.releaseEndedMutes();
        const due = await deliveries.pending(query.limit, moderation.now(), await accounts.deliveryFilter(query.accountId));
        const taken = await accounts.claimedByOthers(due.map((delivery) => delivery.id), query.accountId);
        return due.filter((delivery) => !taken.has(delivery.id));
      },
    })
    .route({
      method: 'post', path: '/bot/deliveries/:deliveryId/claim', summary: 'Bot: take a delivery just before saying it; false when another account has it (no message is said twice across accounts)', tags: botTags,
      guards: bot, authenticated: true, params: z.object({ deliveryId: z.string().min(1).max(200) }), body: deliveryClaimSchema, response: deliveryClaimResultSchema,
      handler: async ({ params, body }) => ({ claimed: await accounts.claim(params.deliveryId, body.accountId) }),
    })
    .route({
      method: 'post', path: '/bot/deliveries/:deliveryId/release', summary: 'Bot: give a claimed delivery back (the send failed before WeChat had it)', tags: botTags,
      guards: bot, authenticated: true, params: z.object({ deliveryId: z.string().min(1).max(200) }), body: deliveryClaimSchema, response: deliveryClaimResultSchema,
      handler: async ({ params, body }) => {
        await accounts.release(params.deliveryId, body.accountId);
        return { claimed: false };
      },
    })
    .route({
      method: 'post', path: '/bot/accounts/heartbeat', summary: 'Bot: an account is up, in these rooms, primary or standby; returns the rooms it runs', tags: botTags,
      guards: bot, authenticated: true, body: botAccountHeartbeatSchema, response: botAccountHeartbeatResultSchema,
      handler: async ({ body }) => accounts.heartbeat(body),
    })
    .route({
      method: 'post', path: '/bot/staff/faqs', summary: 'Bot: a staff member added an FAQ entry in the group', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: botFaqAddSchema, response: botStaffResultSchema,
      handler: async ({ body }) => ({ message: await groups.addFaqFromBot(body.roomId, body.byWxid, body.questions, body.answer) }),
    })
    .route({
      method: 'post', path: '/bot/staff/faqs/remove', summary: 'Bot: a staff member removed an FAQ entry', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: botFaqRemoveSchema, response: botStaffResultSchema,
      handler: async ({ body }) => ({ message: await groups.removeFaqFromBot(body.roomId, body.byWxid, body.question) }),
    })
    .route({
      method: 'post', path: '/bot/staff/announcements', summary: 'Bot: a staff member published an announcement in the group', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: botAnnounceSchema, response: botStaffResultSchema,
      handler: async ({ body }) => ({ message: await groups.announceFromBot(body.roomId, body.byWxid, body.text) }),
    })
    .route({
      method: 'post', path: '/bot/staff/pause', summary: 'Bot: a staff member paused or resumed the bot in the group', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: botPauseSchema, response: botStaffResultSchema,
      handler: async ({ body }) => ({ message: await groups.pauseFromBot(body.roomId, body.byWxid, body.paused) }),
    })
    .route({
      method: 'post', path: '/bot/staff/offers', summary: 'Bot: a staff member posted today\'s offer', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: botOfferSchema, response: botStaffResultSchema,
      handler: async ({ body }) => ({ message: await groups.offerFromBot(body.roomId, body.byWxid, body.text) }),
    })
    .route({
      method: 'post', path: '/bot/staff/stats', summary: 'Bot: a staff member asked for today\'s group stats', tags: botTags, errors: [403, 404],
      guards: bot, authenticated: true, body: staffActorSchema, response: groupStatsSchema,
      handler: async ({ body }) => groups.statsFromBot(body.roomId, body.byWxid),
    });
}
