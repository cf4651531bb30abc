import type { Types } from 'mongoose';
import type { MetricDimension } from '@o2o/shared/rules/metrics';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { communitiesServedBy } from '../organisation/organisation.service';
import { CommunityModel, StoreModel, type StoreRecord } from '../organisation/organisation.model';
import { StaffModel } from '../staff/staff.model';

/**
 * The rollup rows a question reads: one dimension and the values summed. Summing is exact because
 * each resident has one value per dimension (a city is the sum of its stores).
 */
export interface MetricScope {
  dimension: MetricDimension;
  values: string[];
  /** What the answer reports as its value: the id, or `city:<id>` for a city summed over its stores. */
  label: string;
}

const single = (dimension: MetricDimension, value: string): MetricScope => ({ dimension, values: [value], label: value });
const outside = (): AppError => AppError.forbidden('这些数据不在你的查看范围内');

function idOf(value: string): Types.ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(value)) throw AppError.badRequest('这个维度需要填写 24 位的编号', [{ path: 'query.value', message: 'must be a 24-character hex id' }]);
  return toObjectId(value);
}

async function cityStoresScope(cityId: Types.ObjectId): Promise<MetricScope> {
  const stores = await StoreModel.find({ cityId }, { _id: 1 }).lean();
  return { dimension: 'store', values: stores.map((store) => String(store._id)), label: `city:${cityId}` };
}

/**
 * What a staff member may see, by role: an advisor only their own numbers (dimension advisor =
 * self), a store manager their store (the store, its advisors and the communities it serves), city
 * ops their city (its stores, their advisors and its communities), an admin anything. `all` means
 * "everything I may see". Channel, campaign, placement and code type cut across stores, so only
 * admins read them. Anything else is 403.
 */
export async function resolveMetricScope(staff: StaffPrincipal, dimension: MetricDimension, value: string | undefined): Promise<MetricScope> {
  if (staff.role === 'admin') return dimension === 'all' ? single('all', 'all') : single(dimension, value!);

  if (staff.role === 'advisor') {
    if (dimension === 'all' || (dimension === 'advisor' && value === String(staff.id))) return single('advisor', String(staff.id));
    throw outside();
  }

  if (staff.role === 'store_manager') {
    if (!staff.storeId) throw outside();
    const own = String(staff.storeId);
    switch (dimension) {
      case 'all':
        return single('store', own);
      case 'store':
        if (value === own) return single('store', own);
        throw outside();
      case 'advisor': {
        const advisor = await StaffModel.findById(idOf(value!), { storeId: 1 }).lean();
        if (advisor?.storeId && String(advisor.storeId) === own) return single('advisor', value!);
        throw outside();
      }
      case 'community': {
        const store = await StoreModel.findById(staff.storeId).lean<StoreRecord>();
        const served = store ? await communitiesServedBy(store) : [];
        if (served.some(({ community }) => String(community._id) === value)) return single('community', value!);
        throw outside();
      }
      default:
        throw outside();
    }
  }

  // city ops
  if (!staff.cityId) throw outside();
  const cityId = staff.cityId;
  switch (dimension) {
    case 'all':
      return cityStoresScope(cityId);
    case 'store': {
      const store = await StoreModel.findById(idOf(value!), { cityId: 1 }).lean();
      if (store && store.cityId.equals(cityId)) return single('store', value!);
      throw outside();
    }
    case 'advisor': {
      const advisor = await StaffModel.findById(idOf(value!), { cityId: 1, storeId: 1 }).lean();
      const store = advisor?.storeId ? await StoreModel.findById(advisor.storeId, { cityId: 1 }).lean() : null;
      if (store && store.cityId.equals(cityId)) return single('advisor', value!);
      throw outside();
    }
    case 'community': {
      const community = await CommunityModel.findById(idOf(value!), { cityId: 1 }).lean();
      if (community && community.cityId.equals(cityId)) return single('community', value!);
      throw outside();
    }
    default:
      throw outside();
  }
}
