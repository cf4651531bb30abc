import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  fraudDecisionSchema, fraudFlagSchema, fraudReviewSchema, inviteLandingSchema, inviteLeaderboardQuerySchema, inviteLeaderboardSchema, inviteTierConfigSchema, inviteTierRewardSchema,
  inviteTiersInputSchema, myInvitesSchema,
} from '@o2o/shared/schemas/invites';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { principalOf, residentIdOf, staffOf } from '../auth/auth.guard';
import { InvitePages } from './invite-pages.service';
import type { FraudFlagRecord } from './invite.model';

function flagView(flag: FraudFlagRecord, heldRewards: number) {
  return {
    id: String(flag._id),
    inviterId: String(flag.inviterId),
    storeId: idString(flag.storeId),
    rule: flag.rule,
    evidence: (flag.evidence ?? {}) as Record<string, unknown>,
    status: flag.status,
    heldRewards,
    decidedBy: idString(flag.decidedBy),
    decidedAt: isoString(flag.decidedAt),
    decisionNote: flag.decisionNote ?? null,
    createdAt: flag.createdAt.toISOString(),
  };
}

export function inviteRouter(services: Services): ApiRouter {
  const { guards, invites, residents, signer, config, links, tasks } = services;
  const pages = new InvitePages({ signer, links, invites, tasks, settings: { rewardPoints: config.INVITE_REWARD_POINTS, qualifyDays: config.INVITE_QUALIFY_DAYS } });
  const tags = ['invites'];
  const reviewers = guards.staff('city_ops', 'admin');
  return new ApiRouter('/invites')
    .route({
      method: 'get', path: '/me', summary: 'My invite for the poster and share card (code, link, store, rewards), and the neighbours who signed up through it with their stage', tags,
      guards: guards.resident, authenticated: true, response: myInvitesSchema,
      handler: async ({ req }) => pages.mine(await residents.get(residentIdOf(req))),
    })
    .route({
      method: 'get', path: '/landing', summary: "An invite link's landing (public): who invites, from which store, and what both get", tags,
      query: z.object({ scene: z.string().min(1).max(64) }), response: inviteLandingSchema,
      handler: async ({ query }) => pages.landing(query.scene),
    })
    .route({
      method: 'get', path: '/tiers', summary: 'The invite reward tiers in force (any signed-in caller): what the inviter and the invitee get at first order and next-month repurchase', tags,
      guards: guards.signedIn, authenticated: true, response: inviteTierConfigSchema,
      handler: async () => invites.tiers.current(),
    })
    .route({
      method: 'put', path: '/tiers', summary: 'Set the invite reward tiers (city ops, admin); a new version, applied to invitees who reach a tier after it', tags, errors: [409],
      guards: reviewers, authenticated: true, body: inviteTiersInputSchema, response: inviteTierConfigSchema,
      handler: async ({ req, body }) => invites.tiers.set(staffOf(req), body.tiers),
    })
    .route({
      method: 'get', path: '/leaderboard', summary: "Inviters ranked by qualified invitees in a month, excluding flagged and low-quality inviters: residents see the top 20 masked and their own rank, staff their stores' inviters", tags, errors: [403],
      guards: guards.signedIn, authenticated: true, query: inviteLeaderboardQuerySchema, response: inviteLeaderboardSchema,
      handler: async ({ req, query }) => {
        const principal = principalOf(req);
        if (principal.staff) return invites.tiers.leaderboard(query.month, { staff: principal.staff, storeId: query.storeId ? toObjectId(query.storeId) : undefined });
        return invites.tiers.leaderboard(query.month, { residentId: residentIdOf(req) });
      },
    })
    .route({
      method: 'get', path: '/tier-rewards', summary: "An inviter's tier decisions (staff in scope): what each invitee's tier paid, and why the inviter was skipped", tags, errors: [403, 404],
      guards: guards.staff(), authenticated: true, query: z.object({ inviterId: objectIdSchema }), response: z.array(inviteTierRewardSchema),
      handler: async ({ req, query }) => {
        const decisions = await invites.tiers.decisionsFor(staffOf(req), toObjectId(query.inviterId));
        return decisions.map((decision) => ({
          inviteeId: String(decision.inviteeId),
          tier: decision.tier,
          tierVersion: decision.tierVersion,
          reachedAt: decision.reachedAt.toISOString(),
          inviterPoints: decision.inviterPoints,
          inviteePoints: decision.inviteePoints,
          inviterOutcome: decision.inviterOutcome,
          inviterSkipReason: decision.inviterSkipReason ?? null,
        }));
      },
    })
    .route({
      method: 'get', path: '/flags', summary: 'Fraud flags in your scope (city ops, admin)', tags,
      guards: reviewers, authenticated: true,
      query: z.object({ status: z.enum(['open', 'released', 'cancelled']).optional() }),
      response: z.array(fraudFlagSchema),
      handler: async ({ req, query }) => {
        const flags = await invites.listFlags(staffOf(req), query.status);
        return Promise.all(flags.map(async (flag) => flagView(flag, await invites.heldCount(flag.inviterId))));
      },
    })
    .route({
      method: 'get', path: '/flags/:flagId/review', summary: 'A flag with its inviter, each invitee and what they did (orders, comments, point-only actions), and the audited decision', tags, errors: [404],
      guards: reviewers, authenticated: true, params: z.object({ flagId: objectIdSchema }), response: fraudReviewSchema,
      handler: async ({ params, req }) => {
        const review = await invites.review(staffOf(req), toObjectId(params.flagId));
        return { ...review, flag: flagView(review.flag, await invites.heldCount(review.flag.inviterId)) };
      },
    })
    .route({
      method: 'post', path: '/flags/:flagId/decision', summary: "Release or cancel a flagged inviter's held rewards (audited; one decision per flag)", tags, errors: [404, 409],
      guards: reviewers, authenticated: true, params: z.object({ flagId: objectIdSchema }), body: fraudDecisionSchema, response: fraudFlagSchema,
      handler: async ({ params, body, req }) => {
        const flag = await invites.decide(toObjectId(params.flagId), staffOf(req), body.decision, body.note);
        return flagView(flag, await invites.heldCount(flag.inviterId));
      },
    });
}
