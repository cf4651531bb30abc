import type { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { storeIdsInScope } from '../staff/staff-scope';
import { ResidentModel, type ResidentRecord } from './resident.model';
import { findByIds } from '../../db/find-by-ids';

/** Who asks: the signed-in staff member's role, store, city and id. Every scoped read takes it. */
export type StaffScope = StaffPrincipal;

/** Narrowing a staff member may add to a list; it is combined with the scope, never replaces it. */
export interface ResidentNarrowing {
  storeId?: Types.ObjectId;
  communityId?: Types.ObjectId;
  advisorId?: Types.ObjectId;
  /** A phone tail (3-4 digits), or a fragment of the nickname or building. */
  q?: string;
}

/** A phone tail (3-4 digits) matches the end of the number; anything else a name or building fragment. */
function residentSearchFilter(q: string): Record<string, unknown> {
  if (/^\d{3,4}$/.test(q)) return { phone: { $regex: `${q}$` } };
  const fragment = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { $or: [{ nickname: { $regex: fragment } }, { building: { $regex: fragment } }] };
}

/**
 * The residents a staff member may see: an advisor their own (credited to them, or brought in by a
 * code they own), a manager their store, city ops their city, an admin everyone.
 */
export async function residentScopeFilter(scope: StaffScope): Promise<Record<string, unknown>> {
  if (scope.role === 'advisor') return { $or: [{ 'attribution.advisorId': scope.id }, { 'attribution.codeOwnerId': scope.id }] };
  const storeIds = await storeIdsInScope(scope);
  return storeIds === 'all' ? {} : { storeId: { $in: storeIds } };
}

async function inScope(scope: StaffScope, resident: Pick<ResidentRecord, 'storeId' | 'attribution'>): Promise<boolean> {
  if (scope.role === 'advisor') return [resident.attribution?.advisorId, resident.attribution?.codeOwnerId].some((id) => id && scope.id.equals(id));
  const storeIds = await storeIdsInScope(scope);
  return storeIds === 'all' || Boolean(resident.storeId && storeIds.some((id) => id.equals(resident.storeId!)));
}

/** Residents' persistence for staff reads: each method applies the caller's scope. */
export const residentRepository = {
  /** One resident in scope; 403 when it exists outside the scope, 404 when it does not exist. One `_id` lookup. */
  async findInScope(scope: StaffScope, residentId: Types.ObjectId): Promise<ResidentRecord> {
    const resident = await ResidentModel.findById(residentId).lean<ResidentRecord>();
    if (!resident) throw AppError.notFound('居民');
    if (!(await inScope(scope, resident))) throw AppError.forbidden('这位居民不在你的负责范围内');
    return resident;
  },

  /** A page of the residents in scope, newest first, with the total. */
  async listInScope(scope: StaffScope, narrowing: ResidentNarrowing, page: { offset: number; limit: number }): Promise<{ total: number; items: ResidentRecord[] }> {
    const filters: Record<string, unknown>[] = [await residentScopeFilter(scope)];
    if (narrowing.storeId) filters.push({ storeId: narrowing.storeId });
    if (narrowing.communityId) filters.push({ communityId: narrowing.communityId });
    if (narrowing.advisorId) filters.push({ 'attribution.advisorId': narrowing.advisorId });
    if (narrowing.q) filters.push(residentSearchFilter(narrowing.q));
    const filter = filters.length > 1 ? { $and: filters } : filters[0];
    const [total, items] = await Promise.all([
      ResidentModel.countDocuments(filter),
      ResidentModel.find(filter).sort({ registeredAt: -1, _id: -1 }).skip(page.offset).limit(page.limit).lean<ResidentRecord[]>(),
    ]);
    return { total, items };
  },

  /** Nickname and building of the given residents (for lists whose scope was already applied), by id. */
  async namesOf(residentIds: Types.ObjectId[]): Promise<Map<string, { nickname: string | null; building: string | null }>> {
    const residents = await findByIds<{ _id: Types.ObjectId; nickname: string | null; building: string | null }>(ResidentModel, residentIds, { nickname: 1, building: 1 });
    return new Map(residents.map((resident) => [String(resident._id), { nickname: resident.nickname ?? null, building: resident.building ?? null }]));
  },

  /** The ids of every resident in scope (for reads keyed by resident in other components). */
  async idsInScope(scope: StaffScope): Promise<Types.ObjectId[]> {
    return (await ResidentModel.find(await residentScopeFilter(scope), { _id: 1 }).lean()).map((resident) => resident._id);
  },
  /** Where a resident belongs (store and attribution), for checks that need no scope; null when unknown. */
  async placeOf(residentId: Types.ObjectId): Promise<Pick<ResidentRecord, '_id' | 'storeId' | 'attribution'> | null> {
    return ResidentModel.findById(residentId, { storeId: 1, attribution: 1 }).lean<Pick<ResidentRecord, '_id' | 'storeId' | 'attribution'>>();
  },
};
