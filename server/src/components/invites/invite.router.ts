import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { fraudDecisionSchema, fraudFlagSchema, myInvitesSchema } from '@o2o/shared/schemas/invites';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf } from '../auth/auth.guard';
import { QrCodeService } from '../acquisition/qr-code.service';
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
  const { guards, invites, residents, signer, config, wechat } = services;
  const codes = new QrCodeService(config, signer, wechat);
  const tags = ['invites'];
  const reviewers = guards.staff('city_ops', 'admin');
  return new ApiRouter('/invites')
    .route({
      method: 'get', path: '/me', summary: 'My invite code and scene for the share card and poster, and the neighbours I invited with each reward state', tags,
      guards: guards.resident, authenticated: true, response: myInvitesSchema,
      handler: async ({ req }) => {
        const resident = await residents.get(residentIdOf(req));
        const scene = signer.sign('invite', resident.inviteCode);
        return {
          inviteCode: resident.inviteCode,
          scene,
          h5Url: codes.h5Url(scene),
          shareTitle: '邻居邀你一起逛邻里鲜生，新人首单立减',
          rewardPoints: config.INVITE_REWARD_POINTS,
          qualifyDays: config.INVITE_QUALIFY_DAYS,
          invited: await invites.myInvites(resident._id),
        };
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
      method: 'post', path: '/flags/:flagId/decision', summary: "Release or cancel a flagged inviter's held rewards (audited; one decision per flag)", tags, errors: [404, 409],
      guards: reviewers, authenticated: true, params: z.object({ flagId: objectIdSchema }), body: fraudDecisionSchema, response: fraudFlagSchema,
      handler: async ({ params, body, req }) => {
        const flag = await invites.decide(toObjectId(params.flagId), staffOf(req), body.decision, body.note);
        return flagView(flag, await invites.heldCount(flag.inviterId));
      },
    });
}
