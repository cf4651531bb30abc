import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  assignSectionSchema,
  citySchema,
  communityInputSchema,
  communityPortraitSchema,
  communitySchema,
  createCitySchema,
  sectionAssignmentSchema,
  sectionInputSchema,
  sectionSchema,
  servedCommunitySchema,
  STORE_TERRITORY_FIELDS,
  storeInputSchema,
  storeSchema,
  storeUpdateSchema,
} from '@o2o/shared/schemas/organisation';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import { staffOf } from '../auth/auth.guard';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { CityModel, CommunityModel, SectionAssignmentModel, SectionModel, StoreModel, type SectionRecord, type StoreRecord } from './organisation.model';
import {
  assertCommunityAccess,
  assertCommunityReadAccess,
  assignSection,
  communitiesServedBy,
  communityView,
  createStore,
  getCommunity,
  getStore,
  releaseSection,
  sectionView,
  storeView,
  updatePortrait,
} from './organisation.service';

const storeParams = z.object({ storeId: objectIdSchema });
const communityParams = z.object({ communityId: objectIdSchema });
const sectionParams = z.object({ sectionId: objectIdSchema });
const communityChoiceSchema = z.object({ id: objectIdSchema, name: z.string(), address: z.string(), distanceKm: z.number() });

export function organisationRouter({ guards }: Services): ApiRouter {
  const tags = ['organisation'];
  return new ApiRouter()
    .route({
      method: 'get', path: '/cities', summary: 'List cities', tags,
      guards: guards.staff(), authenticated: true,
      response: z.array(citySchema),
      handler: async () => (await CityModel.find().sort({ name: 1 }).lean()).map((city) => ({ id: String(city._id), name: city.name, code: city.code })),
    })
    .route({
      method: 'post', path: '/cities', summary: 'Create a city (admin)', tags, status: 201,
      guards: guards.staff('admin'), authenticated: true, errors: [409],
      body: createCitySchema, response: citySchema,
      handler: async ({ body }) => {
        const city = await CityModel.create(body);
        return { id: String(city._id), name: city.name, code: city.code };
      },
    })
    .route({
      method: 'get', path: '/stores', summary: 'List stores (public: residents pick and see their store)', tags,
      query: z.object({ cityId: objectIdSchema.optional() }),
      response: z.array(storeSchema),
      handler: async ({ query }) => {
        const stores = await StoreModel.find(query.cityId ? { cityId: toObjectId(query.cityId) } : {}).sort({ name: 1 }).limit(500).lean<StoreRecord[]>();
        return stores.map((store) => storeView(store));
      },
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
      handler: async ({ params, body, req }) => {
        const storeId = toObjectId(params.storeId);
        const staff = staffOf(req);
        await assertStoreAccess(staff, storeId);
        const territory = STORE_TERRITORY_FIELDS.filter((field) => body[field] !== undefined);
        if (staff.role === 'store_manager' && territory.length > 0) {
          throw new AppError('FORBIDDEN', '门店位置和服务半径只能由城市运营或管理员调整', 403, territory.map((field) => ({ path: `body.${field}` })));
        }
        return storeView((await StoreModel.findByIdAndUpdate(storeId, { $set: body }, { returnDocument: 'after' }).lean<StoreRecord>())!);
      },
    })
    .route({
      method: 'get', path: '/stores/:storeId/communities',
      summary: 'Communities within the store service radius, with section ownership; `unownedOnly` lists those with a section nobody owns',
      tags, errors: [404], guards: guards.staff(), authenticated: true,
      params: storeParams, query: z.object({ unownedOnly: z.enum(['true', 'false']).optional() }),
      response: z.array(servedCommunitySchema),
      handler: async ({ params, query, req }) => {
        const storeId = toObjectId(params.storeId);
        await assertStoreAccess(staffOf(req), storeId);
        const served = await communitiesServedBy(await getStore(storeId));
        const sections = await SectionModel.find({ communityId: { $in: served.map((entry) => entry.community._id) } }, { communityId: 1, ownerStaffId: 1 }).lean<SectionRecord[]>();
        const rows = served.map(({ community, distanceKm }) => {
          const own = sections.filter((section) => section.communityId.equals(community._id));
          return {
            ...communityView(community),
            distanceKm: Math.round(distanceKm * 100) / 100,
            sectionCount: own.length,
            unownedSectionCount: own.filter((section) => !section.ownerStaffId).length,
          };
        });
        return query.unownedOnly === 'true' ? rows.filter((row) => row.sectionCount === 0 || row.unownedSectionCount > 0) : rows;
      },
    })
    .route({
      method: 'get', path: '/stores/:storeId/community-choices',
      summary: 'Communities a resident of this store can choose at sign-up (public, nearest first)', tags, errors: [404],
      params: storeParams, response: z.array(communityChoiceSchema),
      handler: async ({ params }) =>
        (await communitiesServedBy(await getStore(toObjectId(params.storeId)))).map(({ community, distanceKm }) => ({
          id: String(community._id), name: community.name, address: community.address, distanceKm: Math.round(distanceKm * 100) / 100,
        })),
    })
    .route({
      method: 'post', path: '/communities', summary: 'Create a community (city ops, admin)', tags, status: 201,
      guards: guards.staff('city_ops', 'admin'), authenticated: true,
      body: communityInputSchema, response: communitySchema,
      handler: async ({ body, req }) => {
        if (!canAccessCity(staffOf(req), toObjectId(body.cityId))) throw AppError.forbidden('这个城市不在你的负责范围内');
        return communityView((await CommunityModel.create({ ...body, portrait: {} })).toObject());
      },
    })
    .route({
      method: 'get', path: '/communities/:communityId', summary: 'A community with its portrait', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: communityParams, response: communitySchema,
      handler: async ({ params, req }) => {
        const community = await getCommunity(toObjectId(params.communityId));
        const staff = staffOf(req);
        if (staff.role !== 'advisor' && staff.role !== 'store_manager') {
          if (!canAccessCity(staff, community.cityId)) throw AppError.forbidden('这个小区不在你的负责范围内');
        } else {
          await assertCommunityAccess(staff, community);
        }
        return communityView(community);
      },
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
      handler: async ({ params, req }) => {
        const community = await getCommunity(toObjectId(params.communityId));
        await assertCommunityReadAccess(staffOf(req), community);
        return (await SectionModel.find({ communityId: community._id }).sort({ name: 1 }).lean<SectionRecord[]>()).map(sectionView);
      },
    })
    .route({
      method: 'post', path: '/communities/:communityId/sections', summary: 'Divide a community into a new section', tags, status: 201, errors: [409],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: communityParams, body: sectionInputSchema.omit({ communityId: true }), response: sectionSchema,
      handler: async ({ params, body, req }) => {
        const community = await getCommunity(toObjectId(params.communityId));
        await assertCommunityAccess(staffOf(req), community);
        return sectionView((await SectionModel.create({ communityId: community._id, name: body.name })).toObject());
      },
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
      handler: async ({ params, req }) => {
        const section = await SectionModel.findById(toObjectId(params.sectionId)).lean<SectionRecord>();
        if (!section) throw AppError.notFound('片区');
        await assertCommunityReadAccess(staffOf(req), await getCommunity(section.communityId));
        return (await SectionAssignmentModel.find({ sectionId: section._id }).sort({ version: 1 }).lean()).map((entry) => ({
          sectionId: String(entry.sectionId),
          fromStaffId: idString(entry.fromStaffId),
          toStaffId: idString(entry.toStaffId),
          kind: entry.kind,
          byStaffId: String(entry.byStaffId),
          reason: entry.reason ?? null,
          at: entry.at.toISOString(),
        }));
      },
    });
}
