import { Types } from 'mongoose';
import { resolveSettings, type SettingsLevel } from '@o2o/shared/rules/group-settings';
import { DEFAULT_GROUP_SETTINGS, groupSettingsPatchSchema, type GroupSettings, type GroupSettingsPatch } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import { isoString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { CityModel } from '../organisation/organisation.model';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { GroupModel, GroupSettingsModel, type GroupRecord } from './groups.model';

export function layerKey(level: SettingsLevel, scopeId: Types.ObjectId | null): string {
  return level === 'brand' ? 'brand' : `${level}:${scopeId}`;
}

/** A stored layer's values, keeping only keys that are (still) valid settings. */
function validValues(values: unknown): GroupSettingsPatch {
  const result: Record<string, unknown> = {};
  const shape = groupSettingsPatchSchema.shape;
  for (const [key, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
    const field = shape[key as keyof typeof shape];
    if (field && field.safeParse(value).success) result[key] = value;
  }
  return result as GroupSettingsPatch;
}

/** Group settings with inheritance brand -> city -> store -> group. */
export class GroupSettingsService {
  async effective(group: Pick<GroupRecord, '_id' | 'storeId' | 'cityId'>): Promise<GroupSettings> {
    const keys = [layerKey('brand', null), layerKey('city', group.cityId), layerKey('store', group.storeId), layerKey('group', group._id)];
    const layers = await GroupSettingsModel.find({ _id: { $in: keys } }).lean();
    const byKey = new Map(layers.map((layer) => [layer._id, validValues(layer.values)]));
    return resolveSettings(DEFAULT_GROUP_SETTINGS, keys.map((key) => byKey.get(key)));
  }

  async layer(staff: StaffPrincipal, level: SettingsLevel, scopeId: string) {
    const id = await this.assertCanManage(staff, level, scopeId);
    const stored = await GroupSettingsModel.findById(layerKey(level, id)).lean();
    const group = level === 'group' ? await GroupModel.findById(id).lean<GroupRecord>() : null;
    return {
      layer: { level, scopeId: id ? String(id) : null, values: validValues(stored?.values), updatedAt: isoString(stored?.updatedAt) },
      effective: group ? await this.effective(group) : null,
    };
  }

  /** Sets the given keys at one level (each key its own `$set`, so two staff changing different keys both win). */
  async update(staff: StaffPrincipal | null, level: SettingsLevel, scopeId: string | Types.ObjectId | null, patch: GroupSettingsPatch) {
    const id = staff ? await this.assertCanManage(staff, level, scopeId ? String(scopeId) : '-') : scopeId ? new Types.ObjectId(String(scopeId)) : null;
    const fields = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined).map(([key, value]) => [`values.${key}`, value]));
    await GroupSettingsModel.updateOne(
      { _id: layerKey(level, id) },
      { $set: { ...fields, level, scopeId: id, updatedBy: staff?.id ?? null } },
      { upsert: true },
    );
  }

  /** Brand: admins. City: its city ops and admins. Store and group: staff who manage the store. */
  private async assertCanManage(staff: StaffPrincipal, level: SettingsLevel, scopeId: string): Promise<Types.ObjectId | null> {
    if (staff.role === 'advisor') throw AppError.forbidden('顾问不能修改社群设置');
    if (level === 'brand') {
      if (staff.role !== 'admin') throw AppError.forbidden('只有管理员可以修改品牌级的社群设置');
      return null;
    }
    if (scopeId === '-') throw AppError.badRequest('请指定要设置的城市、门店或社群', [{ path: 'params.scopeId', message: `a ${level} setting needs its id` }]);
    const id = new Types.ObjectId(scopeId);
    if (level === 'city') {
      if (!(await CityModel.exists({ _id: id }))) throw AppError.notFound('城市');
      if (staff.role === 'store_manager' || !canAccessCity(staff, id)) throw AppError.forbidden('这个城市不在你的负责范围内');
      return id;
    }
    if (level === 'store') {
      await assertStoreAccess(staff, id);
      return id;
    }
    const group = await GroupModel.findById(id).lean();
    if (!group) throw AppError.notFound('社群');
    await assertStoreAccess(staff, group.storeId);
    return id;
  }
}
