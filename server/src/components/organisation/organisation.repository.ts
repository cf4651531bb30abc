import type { Types } from 'mongoose';
import type { z } from 'zod';
import { STORE_TERRITORY_FIELDS, type communityInputSchema, type createCitySchema, type storeUpdateSchema } from '@o2o/shared/schemas/organisation';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { CityModel, CommunityModel, SectionAssignmentModel, SectionModel, StoreModel, type CommunityRecord, type SectionRecord, type StoreRecord } from './organisation.model';
import { assertCommunityAccess, assertCommunityReadAccess, communitiesServedBy, getCommunity, getStore } from './organisation.service';

const roundKm = (km: number) => Math.round(km * 100) / 100;

/**
 * Cities, stores, communities and sections. Every read or write for a staff member takes the
 * caller as its first argument and checks the scope (a manager: their store; city ops: their
 * city; an advisor: the communities of their sections) before it touches data.
 */
export const organisationRepository = {
  async cities() {
    return (await CityModel.find().sort({ name: 1 }).lean()).map((city) => ({ id: String(city._id), name: city.name, code: city.code }));
  },

  async addCity(input: z.output<typeof createCitySchema>) {
    const city = await CityModel.create(input);
    return { id: String(city._id), name: city.name, code: city.code };
  },

  /** Public: residents pick and see their store. */
  async stores(cityId?: Types.ObjectId): Promise<StoreRecord[]> {
    return StoreModel.find(cityId ? { cityId } : {}).sort({ name: 1 }).limit(500).lean<StoreRecord[]>();
  },

  /** Managers change hours, address, delivery terms and phone; location and service radius are for city ops and admins. */
  async updateStore(staff: StaffPrincipal, storeId: Types.ObjectId, input: z.output<typeof storeUpdateSchema>): Promise<StoreRecord> {
    await assertStoreAccess(staff, storeId);
    const territory = STORE_TERRITORY_FIELDS.filter((field) => input[field] !== undefined);
    if (staff.role === 'store_manager' && territory.length > 0) {
      throw new AppError('FORBIDDEN', '门店位置和服务半径只能由城市运营或管理员调整', 403, territory.map((field) => ({ path: `body.${field}` })));
    }
    return (await StoreModel.findByIdAndUpdate(storeId, { $set: input }, { returnDocument: 'after' }).lean<StoreRecord>())!;
  },

  /** Communities within a store's service radius with their section counts; `unownedOnly` keeps those with a section nobody owns. */
  async servedCommunities(staff: StaffPrincipal, storeId: Types.ObjectId, unownedOnly: boolean) {
    await assertStoreAccess(staff, storeId);
    const served = await communitiesServedBy(await getStore(storeId));
    const sections = await SectionModel.find({ communityId: { $in: served.map((entry) => entry.community._id) } }, { communityId: 1, ownerStaffId: 1 }).lean<SectionRecord[]>();
    const rows = served.map(({ community, distanceKm }) => {
      const own = sections.filter((section) => section.communityId.equals(community._id));
      return { community, distanceKm: roundKm(distanceKm), sectionCount: own.length, unownedSectionCount: own.filter((section) => !section.ownerStaffId).length };
    });
    return unownedOnly ? rows.filter((row) => row.sectionCount === 0 || row.unownedSectionCount > 0) : rows;
  },

  /** Public: the communities a resident of this store can choose at sign-up, nearest first. */
  async communityChoices(storeId: Types.ObjectId) {
    return (await communitiesServedBy(await getStore(storeId))).map(({ community, distanceKm }) => ({
      id: String(community._id), name: community.name, address: community.address, distanceKm: roundKm(distanceKm),
    }));
  },

  async addCommunity(staff: StaffPrincipal, input: z.output<typeof communityInputSchema>): Promise<CommunityRecord> {
    if (!canAccessCity(staff, toObjectId(input.cityId))) throw AppError.forbidden('这个城市不在你的负责范围内');
    return (await CommunityModel.create({ ...input, portrait: {} })).toObject() as CommunityRecord;
  },

  /** A community: city ops and admins within their city; advisors and managers where they serve it. */
  async community(staff: StaffPrincipal, communityId: Types.ObjectId): Promise<CommunityRecord> {
    const community = await getCommunity(communityId);
    if (staff.role !== 'advisor' && staff.role !== 'store_manager') {
      if (!canAccessCity(staff, community.cityId)) throw AppError.forbidden('这个小区不在你的负责范围内');
    } else {
      await assertCommunityAccess(staff, community);
    }
    return community;
  },

  async sections(staff: StaffPrincipal, communityId: Types.ObjectId): Promise<SectionRecord[]> {
    const community = await getCommunity(communityId);
    await assertCommunityReadAccess(staff, community);
    return SectionModel.find({ communityId: community._id }).sort({ name: 1 }).lean<SectionRecord[]>();
  },

  async addSection(staff: StaffPrincipal, communityId: Types.ObjectId, name: string): Promise<SectionRecord> {
    const community = await getCommunity(communityId);
    await assertCommunityAccess(staff, community);
    return (await SectionModel.create({ communityId: community._id, name })).toObject() as SectionRecord;
  },

  /** Who owned the section when, for staff who may read its community. */
  async sectionHistory(staff: StaffPrincipal, sectionId: Types.ObjectId) {
    const section = await SectionModel.findById(sectionId).lean<SectionRecord>();
    if (!section) throw AppError.notFound('片区');
    await assertCommunityReadAccess(staff, await getCommunity(section.communityId));
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
};
