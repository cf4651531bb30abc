import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  couponCodeSchema,
  couponSchema,
  couponUseSchema,
  myCouponsQuerySchema,
  redeemRequestSchema,
  redemptionSchema,
  residentRewardSchema,
  rewardInputSchema,
  rewardManageQuerySchema,
  rewardPatchSchema,
  rewardSchema,
} from '@o2o/shared/schemas/rewards';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf } from '../auth/auth.guard';

const rewardParams = z.object({ rewardId: objectIdSchema });
const codeParams = z.object({ code: couponCodeSchema });

export function rewardsRouter({ guards, rewards }: Services): ApiRouter {
  const tags = ['rewards'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter('/rewards')
    .route({
      method: 'get', path: '', summary: 'Rewards I can redeem at my store, with stock left and how many I have redeemed', tags,
      guards: guards.resident, authenticated: true, response: z.array(residentRewardSchema),
      handler: async ({ req }) => rewards.listForResident(residentIdOf(req)),
    })
    .route({
      method: 'post', path: '/:rewardId/redeem',
      summary: 'Redeem a reward for a coupon. Retries with the same idempotency key return the same coupon (or the same 409) and charge once.',
      tags, status: 201, errors: [404, 409, 503],
      guards: guards.resident, authenticated: true, params: rewardParams, body: redeemRequestSchema, response: redemptionSchema,
      handler: async ({ params, body, req }) => rewards.redeem(residentIdOf(req), toObjectId(params.rewardId), body.idempotencyKey),
    })
    .route({
      method: 'get', path: '/coupons/me', summary: 'My coupons, newest first, with their state and the code to show in store', tags,
      guards: guards.resident, authenticated: true, query: myCouponsQuerySchema, response: z.array(couponSchema),
      handler: async ({ query, req }) => rewards.myCoupons(residentIdOf(req), query.state),
    })
    .route({
      method: 'get', path: '/coupons/:code', summary: 'Verify a coupon code in store: what it is for, where it applies, used or expired', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: codeParams, response: couponSchema,
      handler: async ({ params, req }) => rewards.verifyCoupon(staffOf(req), params.code),
    })
    .route({
      method: 'post', path: '/coupons/:code/use', summary: 'Mark a coupon used at a store where it applies; a coupon is used once', tags, errors: [404, 409],
      guards: guards.staff(), authenticated: true, params: codeParams, body: couponUseSchema, response: couponSchema,
      handler: async ({ params, body, req }) => rewards.useCoupon(staffOf(req), params.code, { storeId: body.storeId ? toObjectId(body.storeId) : undefined }),
    })
    .route({
      method: 'get', path: '/manage', summary: 'The rewards catalogue within your scope, with stock taken and coupons issued and used', tags, errors: [404],
      guards: guards.staff(), authenticated: true, query: rewardManageQuerySchema, response: z.array(rewardSchema),
      handler: async ({ query, req }) =>
        rewards.listForStaff(staffOf(req), {
          storeId: query.storeId ? toObjectId(query.storeId) : undefined,
          active: query.active === undefined ? undefined : query.active === 'true',
        }),
    })
    .route({
      method: 'post', path: '', summary: 'Add a reward (a store manager for their store, city ops for their city, admins anywhere)', tags, status: 201, errors: [404],
      guards: managers, authenticated: true, body: rewardInputSchema, response: rewardSchema,
      handler: async ({ body, req }) => rewards.createReward(staffOf(req), body),
    })
    .route({
      method: 'patch', path: '/:rewardId', summary: 'Change a reward within your scope (cost, stock, limit, validity, scope, on/off, order)', tags, errors: [404],
      guards: managers, authenticated: true, params: rewardParams, body: rewardPatchSchema, response: rewardSchema,
      handler: async ({ params, body, req }) => rewards.updateReward(staffOf(req), toObjectId(params.rewardId), body),
    });
}
