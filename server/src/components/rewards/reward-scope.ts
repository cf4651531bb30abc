import type { Types } from 'mongoose';
import type { RewardScope } from '@o2o/shared/schemas/rewards';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { CityModel, StoreModel } from '../organisation/organisation.model';

/** Where a reward (or the coupon it issued) applies. */
export interface ScopeTarget {
  cityId: Types.ObjectId;
  scopeKind: 'stores' | 'city';
  storeIds: Types.ObjectId[];
}

export interface StoreRef {
  _id: Types.ObjectId;
  cityId: Types.ObjectId;
}

export function appliesAtStore(target: ScopeTarget, store: StoreRef): boolean {
  return target.scopeKind === 'city' ? target.cityId.equals(store.cityId) : target.storeIds.some((id) => id.equals(store._id));
}

/** A Mongo filter for the rewards (or coupons) that apply at a store. */
export function appliesAtStoreFilter(store: StoreRef): Record<string, unknown> {
  return { cityId: store.cityId, $or: [{ scopeKind: 'city' }, { storeIds: store._id }] };
}

export function scopeView(target: ScopeTarget): RewardScope {
  return target.scopeKind === 'city' ? { kind: 'city', cityId: String(target.cityId) } : { kind: 'stores', storeIds: target.storeIds.map(String) };
}

/**
 * Who may change a reward: admins anything, city ops their city's rewards, a store manager only
 * rewards for their own store alone (not a list of stores, not a whole city).
 */
export function canManageReward(staff: StaffPrincipal, target: ScopeTarget): boolean {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'city_ops':
      return Boolean(staff.cityId?.equals(target.cityId));
    case 'store_manager':
      return target.scopeKind === 'stores' && target.storeIds.length === 1 && Boolean(staff.storeId?.equals(target.storeIds[0]));
    default:
      return false;
  }
}

/** The rewards a staff member sees when managing the catalogue: admin all, city ops their city, store staff what applies at their store. */
export async function manageFilter(staff: StaffPrincipal): Promise<Record<string, unknown>> {
  const nothing = { _id: { $in: [] } };
  switch (staff.role) {
    case 'admin':
      return {};
    case 'city_ops':
      return staff.cityId ? { cityId: staff.cityId } : nothing;
    default: {
      const store = staff.storeId ? await StoreModel.findById(staff.storeId, { cityId: 1 }).lean<StoreRef>() : null;
      return store ? appliesAtStoreFilter(store) : nothing;
    }
  }
}

/** Whether a staff member works where a coupon applies (and so may verify it). */
export async function staffCoversTarget(staff: StaffPrincipal, target: ScopeTarget): Promise<boolean> {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'city_ops':
      return Boolean(staff.cityId?.equals(target.cityId));
    default: {
      const store = staff.storeId ? await StoreModel.findById(staff.storeId, { cityId: 1 }).lean<StoreRef>() : null;
      return Boolean(store && appliesAtStore(target, store));
    }
  }
}

/** Checks a requested scope: the stores exist and share one city, or the city exists. */
export async function resolveScope(scope: RewardScope): Promise<ScopeTarget> {
  if (scope.kind === 'city') {
    const city = await CityModel.findById(scope.cityId, { _id: 1 }).lean();
    if (!city) throw AppError.notFound('城市');
    return { cityId: city._id, scopeKind: 'city', storeIds: [] };
  }
  const ids = [...new Set(scope.storeIds)];
  const stores = await StoreModel.find({ _id: { $in: ids } }, { cityId: 1 }).lean<StoreRef[]>();
  if (stores.length !== ids.length) throw AppError.notFound('门店');
  const cityId = stores[0].cityId;
  if (!stores.every((store) => store.cityId.equals(cityId))) throw AppError.badRequest('一个奖励的适用门店必须在同一个城市', [{ path: 'body.scope.storeIds', message: 'stores in different cities' }]);
  const order = new Map(ids.map((id, index) => [id, index]));
  return { cityId, scopeKind: 'stores', storeIds: stores.map((store) => store._id).sort((a, b) => order.get(String(a))! - order.get(String(b))!) };
}

/** Chinese "where it applies" for each target, with the store and city names looked up in one go. */
export async function whereTexts(targets: ScopeTarget[]): Promise<(target: ScopeTarget) => string> {
  const storeIds = [...new Set(targets.flatMap((target) => target.storeIds.map(String)))];
  const cityIds = [...new Set(targets.filter((target) => target.scopeKind === 'city').map((target) => String(target.cityId)))];
  const [stores, cities] = await Promise.all([
    storeIds.length > 0 ? StoreModel.find({ _id: { $in: storeIds } }, { name: 1 }).lean() : [],
    cityIds.length > 0 ? CityModel.find({ _id: { $in: cityIds } }, { name: 1 }).lean() : [],
  ]);
  const storeNames = new Map(stores.map((store) => [String(store._id), store.name]));
  const cityNames = new Map(cities.map((city) => [String(city._id), city.name]));
  return (target) =>
    target.scopeKind === 'city'
      ? `${cityNames.get(String(target.cityId)) ?? ''}全部门店通用`
      : `限${target.storeIds.map((id) => storeNames.get(String(id)) ?? '已关闭门店').join('、')}使用`;
}
