import type { Types } from 'mongoose';
import type { StaffRole } from '@o2o/shared/schemas/staff';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { getStore } from '../organisation/organisation.service';
import { canAccessStore, storeFilter } from './staff-scope';
import { StaffModel, type StaffRecord } from './staff.model';

/** The staff a staff member may see: a manager their store's, city ops their city's, an admin everyone. */
async function staffScopeFilter(scope: StaffPrincipal): Promise<Record<string, unknown>> {
  if (scope.role === 'admin') return {};
  if (scope.role === 'city_ops') return { cityId: scope.cityId };
  return storeFilter(scope);
}

/** Staff persistence: reads for other staff apply the caller's scope. */
export const staffRepository = {
  /** The active staff member signed in with this WeChat identity, if any. */
  async activeByOpenid(openid: string): Promise<StaffRecord | null> {
    return StaffModel.findOne({ openid, active: true }).lean<StaffRecord>();
  },

  async byId(staffId: Types.ObjectId): Promise<StaffRecord> {
    const staff = await StaffModel.findById(staffId).lean<StaffRecord>();
    if (!staff) throw AppError.notFound('工作人员');
    return staff;
  },

  /** Staff in scope by name; a narrowing is combined with the scope, never replaces it. */
  async listInScope(scope: StaffPrincipal, narrowing: { storeId?: Types.ObjectId; role?: StaffRole }): Promise<StaffRecord[]> {
    const filters: Record<string, unknown>[] = [await staffScopeFilter(scope)];
    if (narrowing.storeId) filters.push({ storeId: narrowing.storeId });
    if (narrowing.role) filters.push({ role: narrowing.role });
    return StaffModel.find({ $and: filters }).sort({ name: 1 }).limit(1000).lean<StaffRecord[]>();
  },

  /** An advisor in the caller's scope (404 unknown, 400 not an advisor, 403 outside the scope). */
  async advisorInScope(scope: StaffPrincipal, staffId: Types.ObjectId): Promise<StaffRecord> {
    const target = await this.byId(staffId);
    if (target.role !== 'advisor') throw AppError.badRequest('只有顾问有消费用户目标');
    if (!target.storeId || !canAccessStore(scope, await getStore(target.storeId))) throw AppError.forbidden('这位顾问不在你的负责范围内');
    return target;
  },

  async setGoal(staffId: Types.ObjectId, goalConsumerUsers: number): Promise<StaffRecord> {
    return (await StaffModel.findByIdAndUpdate(staffId, { $set: { goalConsumerUsers } }, { returnDocument: 'after' }).lean<StaffRecord>())!;
  },
};
