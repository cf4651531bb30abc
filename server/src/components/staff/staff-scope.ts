import type { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';

/**
 * Data scope by role: an advisor sees their own residents and codes, a manager their store,
 * city ops their city, an admin everything.
 */
export async function storeIdsInScope(staff: StaffPrincipal): Promise<Types.ObjectId[] | 'all'> {
  switch (staff.role) {
    case 'admin':
      return 'all';
    case 'city_ops':
      return staff.cityId ? (await StoreModel.find({ cityId: staff.cityId }, { _id: 1 }).lean()).map((store) => store._id) : [];
    default:
      return staff.storeId ? [staff.storeId] : [];
  }
}

export function canAccessStore(staff: StaffPrincipal, store: { _id: Types.ObjectId; cityId: Types.ObjectId }): boolean {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'city_ops':
      return Boolean(staff.cityId?.equals(store.cityId));
    default:
      return Boolean(staff.storeId?.equals(store._id));
  }
}

export async function assertStoreAccess(staff: StaffPrincipal, storeId: Types.ObjectId): Promise<{ _id: Types.ObjectId; cityId: Types.ObjectId }> {
  const store = await StoreModel.findById(storeId, { cityId: 1 }).lean();
  if (!store) throw AppError.notFound('门店');
  if (!canAccessStore(staff, store)) throw AppError.forbidden('这个门店不在你的负责范围内');
  return store;
}

export function canAccessCity(staff: StaffPrincipal, cityId: Types.ObjectId): boolean {
  return staff.role === 'admin' || Boolean(staff.cityId?.equals(cityId));
}

/** A Mongo filter on a `storeId`-like field for the staff member's scope. */
export async function storeFilter(staff: StaffPrincipal, field = 'storeId'): Promise<Record<string, unknown>> {
  const storeIds = await storeIdsInScope(staff);
  return storeIds === 'all' ? {} : { [field]: { $in: storeIds } };
}
