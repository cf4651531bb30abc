import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  assignSectionSchema,
  citySchema,
  communityChoiceSchema,
  communityInputSchema,
  communityPortraitSchema,
  communitySchema,
  createCitySchema,
  sectionAssignmentSchema,
  sectionInputSchema,
  sectionSchema,
  servedCommunitySchema,
  storeInputSchema,
  storeSchema,
  storeUpdateSchema,
} from '@o2o/shared/schemas/organisation';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { staffOf } from '../auth/auth.guard';
import { organisationRepository } from './organisation.repository';
import {
  assignSection,
  communityView,
  createStore,
  getStore,
  releaseSection,
  sectionView,
  storeView,
  updatePortrait,
} from './organisation.service';

const storeParams = z.object({ storeId: objectIdSchema });
const communityParams = z.object({ communityId: objectIdSchema });
const sectionParams = z.object({ sectionId: objectIdSchema });

export function organisationRouter({ guards }: Services): ApiRouter {
  const tags = ['organisation'];
  return new ApiRouter()
    .route({
      method: 'get', path: '/cities', summary: 'List cities', tags,
      guards: guards.staff(), authenticated: true,
      response: z.array(citySchema),
      handler: async () => organisationRepository.cities(),
    })
    .route({
      method: 'post', path: '/cities', summary: 'Create a city (admin)', tags, status: 201,
      guards: guards.staff('admin'), authenticated: true, errors: [409],
      body: createCitySchema, response: citySchema,
      handler: async ({ body }) => organisationRepository.addCity(body),
    })
    .route({
      method: 'get', path: '/stores', summary: 'List stores (public: residents pick and see their store)', tags,
      query: z.object({ cityId: objectIdSchema.optional() }),
      response: z.array(storeSchema),
      handler: async ({ query }) => (await organisationRepository.stores(query.cityId ? toObjectId(query.cityId) : undefined)).map((store) => storeView(store)),
    })
    .route({
      method: 'post', path: '/stores', summary: 'Create a store (city ops, admin)', tags, status: 201,
      guards: guards.staff('city_ops', 'admin'), authenticated: true,
      body: storeInputSchema, response: storeSchema,
      handler: async ({ body, req }) => storeView(await createStore(staffOf(req), { ...body, cityId: toObjectId(body.cityId) })),
    })
    .route({
      method: 'get', path: '/stores/:storeId', summary: 'A store: hours, open now, delivery range and fee, contact (public)', tags, errors: [404],
      params: storeParams, response: storeSchema,
      handler: async ({ params }) => storeView(await getStore(toObjectId(params.storeId))),
    })
    .route({
      method: 'patch', path: '/stores/:storeId', summary: "Update a store's details (its manager, city ops, admin)", tags, errors: [404],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      description: 'Store managers change hours, address, delivery terms and phone; location and service radius are for city ops and admins.',
      params: storeParams, body: storeUpdateSchema, response: storeSchema,
      handler: async ({ params, body, req }) => storeView(await organisationRepository.updateStore(staffOf(req), toObjectId(params.storeId), body)),
    })
    .route({
      method: 'get', path: '/stores/:storeId/communities',
      summary: 'Communities within the store service radius, with section ownership; `unownedOnly` lists those with a section nobody owns',
      tags, errors: [404], guards: guards.staff(), authenticated: true,
      params: storeParams, query: z.object({ unownedOnly: z.enum(['true', 'false']).optional() }),
      response: z.array(servedCommunitySchema),
      handler: async ({ params, query, req }) =>
        (await organisationRepository.servedCommunities(staffOf(req), toObjectId(params.storeId), query.unownedOnly === 'true')).map(({ community, ...counts }) => ({ ...communityView(community), ...counts })),
    })
    .route({
      method: 'get', path: '/stores/:storeId/community-choices',
      summary: 'Communities a resident of this store can choose at sign-up (public, nearest first)', tags, errors: [404],
      params: storeParams, response: z.array(communityChoiceSchema),
      handler: async ({ params }) => organisationRepository.communityChoices(toObjectId(params.storeId)),
    })
    .route({
      method: 'post', path: '/communities', summary: 'Create a community (city ops, admin)', tags, status: 201,
      guards: guards.staff('city_ops', 'admin'), authenticated: true,
      body: communityInputSchema, response: communitySchema,
      handler: async ({ body, req }) => communityView(await organisationRepository.addCommunity(staffOf(req), body)),
    })
    .route({
      method: 'get', path: '/communities/:communityId', summary: 'A community with its portrait', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: communityParams, response: communitySchema,
      handler: async ({ params, req }) => communityView(await organisationRepository.community(staffOf(req), toObjectId(params.communityId))),
    })
    .route({
      method: 'patch', path: '/communities/:communityId/portrait',
      summary: 'Fill in community portrait data (advisors owning a section in it, managers of a serving store, city ops)',
      tags, errors: [404], guards: guards.staff(), authenticated: true,
      params: communityParams, body: communityPortraitSchema, response: communitySchema,
      handler: async ({ params, body, req }) => communityView(await updatePortrait(staffOf(req), toObjectId(params.communityId), body)),
    })
    .route({
      method: 'get', path: '/communities/:communityId/sections', summary: 'Sections of a community and their owners (staff of a store serving it, city ops)', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: communityParams, response: z.array(sectionSchema),
      handler: async ({ params, req }) => (await organisationRepository.sections(staffOf(req), toObjectId(params.communityId))).map(sectionView),
    })
    .route({
      method: 'post', path: '/communities/:communityId/sections', summary: 'Divide a community into a new section', tags, status: 201, errors: [409],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: communityParams, body: sectionInputSchema.omit({ communityId: true }), response: sectionSchema,
      handler: async ({ params, body, req }) => sectionView(await organisationRepository.addSection(staffOf(req), toObjectId(params.communityId), body.name)),
    })
    .route({
      method: 'put', path: '/sections/:sectionId/owner',
      summary: 'Assign a section to an advisor; 409 if it is owned, unless `transfer` is true (history kept)',
      tags, errors: [404, 409], guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: sectionParams, body: assignSectionSchema, response: sectionSchema,
      handler: async ({ params, body, req }) =>
        sectionView(await assignSection(staffOf(req), toObjectId(params.sectionId), { ...body, advisorId: toObjectId(body.advisorId) })),
    })
    .route({
      method: 'delete', path: '/sections/:sectionId/owner', summary: 'Release a section (it then has no owner)', tags, errors: [404, 409],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: sectionParams, query: z.object({ reason: z.string().max(200).optional() }), response: sectionSchema,
      handler: async ({ params, query, req }) => sectionView(await releaseSection(staffOf(req), toObjectId(params.sectionId), query.reason)),
    })
    .route({
      method: 'get', path: '/sections/:sectionId/history', summary: 'Who owned the section when, and who changed it', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: sectionParams, response: z.array(sectionAssignmentSchema),
      handler: async ({ params, req }) => organisationRepository.sectionHistory(staffOf(req), toObjectId(params.sectionId)),
    });
}
