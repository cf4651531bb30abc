import type { Types } from 'mongoose';
import type { z } from 'zod';
import type { Community, Section, Store, communityPortraitSchema, storeInputSchema } from '@o2o/shared/schemas/organisation';
import { distanceKm, boundingBox, type GeoPoint } from '@o2o/shared/rules/geo';
import { describeOpeningHours, isOpenAt, type OpeningWindow } from '@o2o/shared/rules/opening-hours';
import { AppError } from '../../lib/app-error';
import { idString, isoString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StaffModel } from '../staff/staff.model';
import { canAccessCity, canAccessStore } from '../staff/staff-scope';
import {
  CommunityModel,
  SectionAssignmentModel,
  SectionModel,
  StoreModel,
  type CommunityRecord,
  type SectionRecord,
  type StoreRecord,
} from './organisation.model';
import { isDuplicateKey } from '../../db/unique-insert';

export function storeView(store: StoreRecord, now = new Date()): Store {
  const openingHours = store.openingHours as OpeningWindow[];
  return {
    id: String(store._id),
    cityId: String(store.cityId),
    name: store.name,
    address: store.address,
    location: store.location as GeoPoint,
    openingHours,
    delivery: {
      radiusKm: store.delivery!.radiusKm,
      feeCents: store.delivery!.feeCents,
      freeAboveCents: store.delivery!.freeAboveCents ?? null,
      minOrderCents: store.delivery!.minOrderCents ?? 0,
    },
    serviceRadiusKm: store.serviceRadiusKm ?? 3,
    contactPhone: store.contactPhone,
    groupQr: store.groupQr ? { name: store.groupQr.name, qrContent: store.groupQr.qrContent } : null,
    openNow: isOpenAt(openingHours, now),
    hoursText: describeOpeningHours(openingHours),
  };
}

export function communityView(community: CommunityRecord): Community {
  return {
    id: String(community._id),
    cityId: String(community.cityId),
    name: community.name,
    address: community.address,
    location: community.location as GeoPoint,
    households: community.households,
    buildings: community.buildings ?? 0,
    portrait: (community.portrait ?? {}) as z.infer<typeof communityPortraitSchema>,
    portraitUpdatedAt: isoString(community.portraitUpdatedAt),
    portraitUpdatedBy: idString(community.portraitUpdatedBy),
  };
}

export function sectionView(section: SectionRecord): Section {
  return {
    id: String(section._id),
    communityId: String(section.communityId),
    name: section.name,
    ownerStaffId: idString(section.ownerStaffId),
    assignedAt: isoString(section.assignedAt),
  };
}

export async function getStore(storeId: Types.ObjectId): Promise<StoreRecord> {
  const store = await StoreModel.findById(storeId).lean<StoreRecord>();
  if (!store) throw AppError.notFound('门店');
  return store;
}

export async function getCommunity(communityId: Types.ObjectId): Promise<CommunityRecord> {
  const community = await CommunityModel.findById(communityId).lean<CommunityRecord>();
  if (!community) throw AppError.notFound('小区');
  return community;
}

export async function createStore(staff: StaffPrincipal, input: Omit<z.output<typeof storeInputSchema>, 'cityId'> & { cityId: Types.ObjectId }): Promise<StoreRecord> {
  if (!canAccessCity(staff, input.cityId)) throw AppError.forbidden('这个城市不在你的负责范围内');
  const store = await StoreModel.create(input);
  return store.toObject() as StoreRecord;
}

/** Communities of the store's city within its service radius, nearest first (distance computed in code). */
export async function communitiesServedBy(store: StoreRecord): Promise<{ community: CommunityRecord; distanceKm: number }[]> {
  const radius = store.serviceRadiusKm ?? 3;
  const center = store.location as GeoPoint;
  const box = boundingBox(center, radius);
  const candidates = await CommunityModel.find({
    cityId: store.cityId,
    'location.lat': { $gte: box.minLat, $lte: box.maxLat },
    'location.lng': { $gte: box.minLng, $lte: box.maxLng },
  }).lean<CommunityRecord[]>();
  return candidates
    .map((community) => ({ community, distanceKm: distanceKm(center, community.location as GeoPoint) }))
    .filter((entry) => entry.distanceKm <= radius)
    .sort((a, b) => a.distanceKm - b.distanceKm);
}

/** Stores whose service radius covers the community. */
export async function storesServing(community: CommunityRecord): Promise<StoreRecord[]> {
  const stores = await StoreModel.find({ cityId: community.cityId }).lean<StoreRecord[]>();
  return stores.filter((store) => distanceKm(store.location as GeoPoint, community.location as GeoPoint) <= (store.serviceRadiusKm ?? 3));
}

/** Staff who may edit a community: its city's ops, managers of a serving store, advisors owning a section in it. */
export async function assertCommunityAccess(staff: StaffPrincipal, community: CommunityRecord): Promise<void> {
  if (staff.role === 'admin' || staff.role === 'city_ops') {
    if (canAccessCity(staff, community.cityId)) return;
    throw AppError.forbidden('这个小区不在你的负责范围内');
  }
  if (staff.role === 'advisor') {
    const owns = await SectionModel.exists({ communityId: community._id, ownerStaffId: staff.id });
    if (owns) return;
    throw AppError.forbidden('你在这个小区没有负责的片区');
  }
  const serving = await storesServing(community);
  if (serving.some((store) => canAccessStore(staff, store))) return;
  throw AppError.forbidden('这个小区不在你的负责范围内');
}

/**
 * Staff who may read a community's sections and their history: its city's ops, and the managers
 * and advisors of a store whose service radius covers it.
 */
export async function assertCommunityReadAccess(staff: StaffPrincipal, community: CommunityRecord): Promise<void> {
  if (staff.role === 'admin' || staff.role === 'city_ops') {
    if (canAccessCity(staff, community.cityId)) return;
    throw AppError.forbidden('这个小区不在你的负责范围内');
  }
  const serving = await storesServing(community);
  if (serving.some((store) => canAccessStore(staff, store))) return;
  throw AppError.forbidden('这个小区不在你的负责范围内');
}

export async function updatePortrait(staff: StaffPrincipal, communityId: Types.ObjectId, portrait: Record<string, unknown>, now = new Date()): Promise<CommunityRecord> {
  const community = await getCommunity(communityId);
  await assertCommunityAccess(staff, community);
  const fields = Object.fromEntries(Object.entries(portrait).map(([key, value]) => [`portrait.${key}`, value]));
  const updated = await CommunityModel.findByIdAndUpdate(
    communityId,
    { $set: { ...fields, portraitUpdatedAt: now, portraitUpdatedBy: staff.id } },
    { returnDocument: 'after' },
  ).lean<CommunityRecord>();
  return updated!;
}

/** The latest ownership record of a section: its version and owner (the source of truth). */
async function currentOwnership(sectionId: Types.ObjectId): Promise<{ version: number; ownerStaffId: Types.ObjectId | null }> {
  const latest = await SectionAssignmentModel.findOne({ sectionId }).sort({ version: -1 }).lean();
  return latest ? { version: latest.version, ownerStaffId: latest.toStaffId ?? null } : { version: 0, ownerStaffId: null };
}

/**
 * Appends the next ownership record. Its key `<sectionId>:<version>` is unique, so two managers
 * acting on the same state cannot both succeed; the loser gets a 409.
 */
async function recordOwnership(
  sectionId: Types.ObjectId,
  from: { version: number; ownerStaffId: Types.ObjectId | null },
  change: { toStaffId: Types.ObjectId | null; kind: 'assign' | 'transfer' | 'release'; byStaffId: Types.ObjectId; reason?: string },
  now: Date,
): Promise<SectionRecord> {
  const version = from.version + 1;
  try {
    await SectionAssignmentModel.create({
      _id: `${sectionId}:${version}`,
      sectionId,
      version,
      fromStaffId: from.ownerStaffId,
      toStaffId: change.toStaffId,
      kind: change.kind,
      byStaffId: change.byStaffId,
      reason: change.reason ?? null,
      at: now,
    });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const current = await currentOwnership(sectionId);
    throw AppError.conflict('片区负责人刚刚有变动，请刷新后重试', { ownerStaffId: idString(current.ownerStaffId) });
  }
  await syncSectionMirror(sectionId);
  return (await SectionModel.findById(sectionId).lean<SectionRecord>())!;
}

/** Copies the latest ownership record onto the section (safe to repeat; repairs a stale mirror). */
export async function syncSectionMirror(sectionId: Types.ObjectId): Promise<void> {
  const latest = await SectionAssignmentModel.findOne({ sectionId }).sort({ version: -1 }).lean();
  await SectionModel.updateOne({ _id: sectionId }, { $set: { ownerStaffId: latest?.toStaffId ?? null, assignedAt: latest?.toStaffId ? latest.at : null } });
}

/** A section's current owner may be moved or released only by staff whose scope covers the owner's store. */
async function assertOwnerInScope(staff: StaffPrincipal, ownerStaffId: Types.ObjectId): Promise<void> {
  const owner = await StaffModel.findById(ownerStaffId).lean();
  if (!owner?.storeId) return;
  const store = await getStore(owner.storeId);
  if (!canAccessStore(staff, store)) throw AppError.forbidden('片区现负责人所在的门店不在你的负责范围内');
}

/**
 * Gives a section to an advisor. A section that already has an owner moves only through an
 * explicit transfer, and every change is kept in the section's history.
 */
export async function assignSection(
  staff: StaffPrincipal,
  sectionId: Types.ObjectId,
  input: { advisorId: Types.ObjectId; transfer: boolean; reason?: string },
  now = new Date(),
): Promise<SectionRecord> {
  const section = await SectionModel.findById(sectionId).lean<SectionRecord>();
  if (!section) throw AppError.notFound('片区');
  const community = await getCommunity(section.communityId);
  const advisor = await StaffModel.findById(input.advisorId).lean();
  if (!advisor || advisor.role !== 'advisor' || !advisor.active) throw AppError.badRequest('请选择一位在职的顾问');
  if (!advisor.storeId) throw AppError.badRequest('这位顾问还没有归属门店');
  const advisorStore = await getStore(advisor.storeId);
  if (!canAccessStore(staff, advisorStore)) throw AppError.forbidden('这位顾问所在的门店不在你的负责范围内');
  const serving = await storesServing(community);
  if (!serving.some((store) => store._id.equals(advisorStore._id))) {
    throw AppError.badRequest('这个小区不在顾问所在门店的服务范围内');
  }
  const current = await currentOwnership(sectionId);
  if (current.ownerStaffId?.equals(advisor._id)) return section;
  // Taking a section away from its owner needs the owner's store in scope too, as releasing it does.
  if (current.ownerStaffId) await assertOwnerInScope(staff, current.ownerStaffId);
  if (current.ownerStaffId && !input.transfer) {
    throw AppError.conflict('这个片区已有负责人，如需更换请选择转交', { ownerStaffId: idString(current.ownerStaffId) });
  }
  return recordOwnership(
    sectionId,
    current,
    { toStaffId: advisor._id, kind: current.ownerStaffId ? 'transfer' : 'assign', byStaffId: staff.id, reason: input.reason },
    now,
  );
}

export async function releaseSection(staff: StaffPrincipal, sectionId: Types.ObjectId, reason: string | undefined, now = new Date()): Promise<SectionRecord> {
  const section = await SectionModel.findById(sectionId).lean<SectionRecord>();
  if (!section) throw AppError.notFound('片区');
  const current = await currentOwnership(sectionId);
  if (!current.ownerStaffId) return section;
  await assertOwnerInScope(staff, current.ownerStaffId);
  return recordOwnership(sectionId, current, { toStaffId: null, kind: 'release', byStaffId: staff.id, reason }, now);
}
