import { z } from 'zod';
import { groupCodeInputSchema, groupCodeJoinSchema, groupCodeParamsSchema, groupCodeSchema, groupCodeStatsSchema, groupCodeTargetInputSchema, groupParamsSchema, storeLiveCodeSchema, storeParamsSchema } from '@o2o/shared/schemas/group-codes';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { principalOf, staffOf } from '../auth/auth.guard';
import { DeliveryService } from '../groups/deliveries.service';
import { DEFAULT_GROUP_CODE_OPTIONS, GroupCodeService, type GroupCodeOptions } from './group-codes.service';

/**
 * `/group-codes`: store managers make one stable live code per store and placement and choose the
 * groups it fills; a resident who opens it is sent to one group of the store.
 */
export function groupCodesRouter(services: Pick<Services, 'guards' | 'links'>, options: GroupCodeOptions = DEFAULT_GROUP_CODE_OPTIONS): ApiRouter {
  const { guards, links } = services;
  const codes = new GroupCodeService(new DeliveryService(), options);
  const tags = ['group codes'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter('/group-codes')
    .route({
      method: 'post', path: '', summary: 'The live group code of a store (and placement); asking again returns the same code', tags, status: 201, errors: [403, 404],
      guards: managers, authenticated: true, body: groupCodeInputSchema, response: groupCodeSchema,
      handler: async ({ body, req }) => codes.create(staffOf(req), body),
    })
    .route({
      method: 'get', path: '', summary: 'Live group codes of the stores in your scope', tags, errors: [403, 404],
      guards: guards.staff(), authenticated: true, query: z.object({ storeId: objectIdSchema.optional() }), response: z.array(groupCodeSchema),
      handler: async ({ query, req }) => codes.list(staffOf(req), query.storeId),
    })
    .route({
      method: 'get', path: '/stores/:storeId/live', summary: 'The store\'s live code for its store page and poster (null before a manager made one); its link opens the store page and joins', tags, errors: [404],
      guards: guards.signedIn, authenticated: true, params: storeParamsSchema, response: storeLiveCodeSchema,
      handler: async ({ params }) => {
        const code = await codes.storeCode(params.storeId);
        return { code: code ? { ...code, url: `${links.h5BaseUrl()}/#/pages/store/index?groupCode=${code.id}` } : null };
      },
    })
    .route({
      method: 'put', path: '/groups/:groupId', summary: 'Let the store\'s live codes send residents to this group (with its current join QR), or stop', tags, errors: [403, 404],
      guards: managers, authenticated: true, params: groupParamsSchema, body: groupCodeTargetInputSchema, response: z.object({ groupId: objectIdSchema, active: z.boolean() }),
      handler: async ({ params, body, req }) => codes.setTarget(staffOf(req), params.groupId, body),
    })
    .route({
      method: 'post', path: '/:codeId/join', summary: 'A resident opened the code: the group to join (the least-full open group, or the one they were sent to before)', tags, errors: [404, 409],
      guards: guards.signedIn, authenticated: true, params: groupCodeParamsSchema, response: groupCodeJoinSchema,
      handler: async ({ params, req }) => codes.join(principalOf(req), params.codeId),
    })
    .route({
      method: 'get', path: '/:codeId/stats', summary: 'Residents sent through the code, per group, with members and seats taken', tags, errors: [403, 404],
      guards: guards.staff(), authenticated: true, params: groupCodeParamsSchema, response: groupCodeStatsSchema,
      handler: async ({ params, req }) => codes.stats(staffOf(req), params.codeId),
    });
}
