import {
  audienceQuerySchema,
  interestModelRunSchema,
  interestProductParamsSchema,
  interestResidentParamsSchema,
  myInterestsSchema,
  productAudienceSchema,
  residentInterestSchema,
} from '@o2o/shared/schemas/interest';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf, type StaffPrincipal } from '../auth/auth.guard';
import { assertResidentAccess } from '../residents/resident.service';
import { assertStoreAccess, storeIdsInScope } from '../staff/staff-scope';
import type { AudienceScope, InterestService } from './interest.service';

/** The caller's audience scope, narrowed to `storeId` when given (403 outside the scope). */
export async function audienceScopeOf(staff: StaffPrincipal, storeId?: string): Promise<AudienceScope> {
  const advisorId = staff.role === 'advisor' ? staff.id : undefined;
  if (storeId) {
    await assertStoreAccess(staff, toObjectId(storeId));
    return { storeIds: [toObjectId(storeId)], advisorId };
  }
  return { storeIds: await storeIdsInScope(staff), advisorId };
}

/** Staff routes of the interest label, scoped like residents: advisor own, manager store, city ops city, admin all. */
export function interestRouter(services: Services & { interest: InterestService }): ApiRouter {
  const { guards, interest } = services;
  const tags = ['interest'];
  const staff = guards.staff();
  const operators = guards.staff('city_ops', 'admin');
  return new ApiRouter('/interest')
    .route({
      method: 'get', path: '/residents/:residentId', tags, errors: [403, 404],
      summary: "A resident's interest label: the products and categories they are likely to want next, best first (empty when they have no usable history)",
      guards: staff, authenticated: true, params: interestResidentParamsSchema, response: residentInterestSchema,
      handler: async ({ params, req }) => {
        const residentId = toObjectId(params.residentId);
        await assertResidentAccess(staffOf(req), residentId);
        return interest.forResident(residentId);
      },
    })
    .route({
      method: 'get', path: '/products/:productId/audience', tags, errors: [403, 404],
      summary: 'The residents in your scope most likely to want a product, best first (those with it among their top products)',
      guards: staff, authenticated: true, params: interestProductParamsSchema, query: audienceQuerySchema, response: productAudienceSchema,
      handler: async ({ params, query, req }) => interest.audienceForProduct(params.productId, query.limit, await audienceScopeOf(staffOf(req), query.storeId)),
    })
    .route({
      method: 'post', path: '/rebuild', tags, errors: [403, 409],
      summary: 'Rebuild every interest label now and return the run summary (409 while a rebuild is running)',
      guards: operators, authenticated: true, response: interestModelRunSchema,
      handler: async () => interest.rebuild(new Date()),
    })
    .route({
      method: 'get', path: '/models/latest', tags, errors: [403, 404],
      summary: 'The last rebuild: parameters, counts, timings and peak memory',
      guards: staff, authenticated: true, response: interestModelRunSchema,
      handler: async () => interest.latestRun(),
    });
}

/** 猜你喜欢 for the signed-in resident. */
export function myInterestsRouter(services: Services & { interest: InterestService }): ApiRouter {
  const { guards, interest } = services;
  return new ApiRouter('/me').route({
    method: 'get', path: '/interests', tags: ['interest'], errors: [403],
    summary: '猜你喜欢: my top products (on sale) with names and my top categories',
    guards: guards.resident, authenticated: true, response: myInterestsSchema,
    handler: async ({ req }) => interest.myInterests(residentIdOf(req)),
  });
}
