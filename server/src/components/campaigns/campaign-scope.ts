import type { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import { ownedRecordsFilter, type StaffPrincipal } from '../auth/auth.guard';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess, storeIdsInScope } from '../staff/staff-scope';
import { mapPooled } from './pool';

/** Which residents a staff member may see or target: everyone, those of some stores, or an advisor's own. */
export type ResidentScope = { kind: 'all' } | { kind: 'stores'; storeIds: Set<string> } | { kind: 'advisor'; staffId: string };

export interface ScopedResident {
  _id: Types.ObjectId;
  nickname: string | null;
  storeId: Types.ObjectId | null;
}

interface ResidentFields extends ScopedResident {
  attribution?: { advisorId?: Types.ObjectId | null; codeOwnerId?: Types.ObjectId | null };
}

/** Parallel `_id` lookups per batch: the only fast reads of the residents collection. */
const LOOKUP_CONCURRENCY = 32;

export async function residentScopeOf(staff: StaffPrincipal): Promise<ResidentScope> {
  if (staff.role === 'advisor') return { kind: 'advisor', staffId: String(staff.id) };
  const storeIds = await storeIdsInScope(staff);
  return storeIds === 'all' ? { kind: 'all' } : { kind: 'stores', storeIds: new Set(storeIds.map(String)) };
}

/** A scope narrowed to one store (which the caller has already checked is within the staff member's scope). */
export function narrowToStore(scope: ResidentScope, storeId: Types.ObjectId | null | undefined): ResidentScope {
  if (!storeId) return scope;
  if (scope.kind === 'advisor') return scope;
  return { kind: 'stores', storeIds: new Set([String(storeId)]) };
}

function inScope(scope: ResidentScope, resident: ResidentFields, onlyStore: string | null): boolean {
  if (onlyStore && String(resident.storeId) !== onlyStore) return false;
  switch (scope.kind) {
    case 'all':
      return true;
    case 'stores':
      return resident.storeId !== null && scope.storeIds.has(String(resident.storeId));
    case 'advisor':
      return String(resident.attribution?.advisorId) === scope.staffId || String(resident.attribution?.codeOwnerId) === scope.staffId;
  }
}

/** The residents among `ids` (in their order) that exist and are in scope (and of `storeId`, if given), each read by `_id`. */
export async function residentsInScope(
  ids: readonly Types.ObjectId[],
  scope: ResidentScope,
  options: { storeId?: Types.ObjectId | null } = {},
): Promise<ScopedResident[]> {
  const onlyStore = options.storeId ? String(options.storeId) : null;
  const found = await mapPooled(ids, LOOKUP_CONCURRENCY, (id) =>
    ResidentModel.findById(id, { nickname: 1, storeId: 1, attribution: 1 }).lean<ResidentFields>(),
  );
  return found
    .filter((resident): resident is ResidentFields => resident !== null && inScope(scope, resident, onlyStore))
    .map((resident) => ({ _id: resident._id, nickname: resident.nickname ?? null, storeId: resident.storeId ?? null }));
}

/** Where a push or promotion belongs, for who may see it later: an admin's is global, city ops' their city's, a manager's their store's. */
export function ownerScope(staff: StaffPrincipal): { storeId: Types.ObjectId | null; cityId: Types.ObjectId | null } {
  switch (staff.role) {
    case 'admin':
      return { storeId: null, cityId: null };
    case 'city_ops':
      return { storeId: null, cityId: staff.cityId };
    default:
      return { storeId: staff.storeId, cityId: staff.cityId };
  }
}

/** Whether the staff member may see a push or promotion owned at `record`'s scope. */
export function canSeeCampaign(staff: StaffPrincipal, record: { storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }): boolean {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'city_ops':
      return Boolean(staff.cityId && record.cityId?.equals(staff.cityId));
    default:
      return Boolean(staff.storeId && record.storeId?.equals(staff.storeId));
  }
}

/** A Mongo filter for the campaigns the staff member may see (pushes and promotions are few, so a scan is fine). */
export function campaignFilter(staff: StaffPrincipal): Record<string, unknown> {
  return ownedRecordsFilter(staff);
}

/** The store a staff member asks about: the given one (checked against their scope) or their own. */
export async function storeForStaff(staff: StaffPrincipal, storeId: Types.ObjectId | undefined): Promise<{ _id: Types.ObjectId; cityId: Types.ObjectId }> {
  const wanted = storeId ?? staff.storeId;
  if (!wanted) throw AppError.badRequest('请选择门店', [{ path: 'query.storeId', message: 'required for staff without a store' }]);
  return assertStoreAccess(staff, wanted);
}
