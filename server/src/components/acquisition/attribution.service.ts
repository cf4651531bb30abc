import type { Types } from 'mongoose';
import type { z } from 'zod';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import type { campaignInputSchema, channelInputSchema, placementInputSchema, recordOfflineTouchSchema } from '@o2o/shared/schemas/acquisition';
import { AppError } from '../../lib/app-error';
import { idString, isoString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import type { ResidentRecord } from '../residents/resident.model';
import { residentRepository } from '../residents/resident.repository';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import type { TaskService } from '../tasks/tasks.service';
import { CampaignModel, ChannelModel, PlacementModel, TouchModel, type TouchRecord } from './acquisition.model';

type CampaignDoc = { _id: Types.ObjectId; name: string; startsAt?: Date | null; endsAt?: Date | null; storeId?: Types.ObjectId | null; cityId?: Types.ObjectId | null };

function campaignView(c: CampaignDoc) {
  return { id: String(c._id), name: c.name, startsAt: isoString(c.startsAt), endsAt: isoString(c.endsAt), storeId: idString(c.storeId), cityId: idString(c.cityId) };
}

export function touchView(touch: TouchRecord) {
  return {
    id: String(touch._id),
    kind: touch.kind,
    residentId: idString(touch.residentId),
    codeId: idString(touch.codeId),
    status: touch.status,
    isFirstTouch: touch.isFirstTouch ?? false,
    offlineKind: touch.offlineKind ?? null,
    staffId: idString(touch.staffId),
    note: touch.note ?? null,
    at: touch.at.toISOString(),
  };
}

/** Channels, campaigns and placements (what attribution is reported by), and offline touchpoints. */
export const attribution = {
  async channels() {
    return (await ChannelModel.find().sort({ key: 1 }).lean()).map((c) => ({ id: String(c._id), key: c.key, name: c.name }));
  },

  async addChannel(input: z.output<typeof channelInputSchema>) {
    const channel = await ChannelModel.create(input);
    return { id: String(channel._id), key: channel.key, name: channel.name };
  },

  async campaigns() {
    return (await CampaignModel.find().sort({ createdAt: -1 }).limit(500).lean()).map(campaignView);
  },

  /** Managers for their own store; city ops within their city; admins anywhere. */
  async addCampaign(staff: StaffPrincipal, input: z.output<typeof campaignInputSchema>) {
    if (input.storeId) await assertStoreAccess(staff, toObjectId(input.storeId));
    else if (staff.role === 'store_manager') throw AppError.badRequest('店长只能为自己的门店创建活动', [{ path: 'body.storeId', message: 'required' }]);
    if (input.cityId && !canAccessCity(staff, toObjectId(input.cityId))) throw AppError.forbidden('这个城市不在你的负责范围内');
    const c = await CampaignModel.create({ ...input, startsAt: input.startsAt ? new Date(input.startsAt) : null, endsAt: input.endsAt ? new Date(input.endsAt) : null });
    return campaignView(c);
  },

  async placements() {
    return (await PlacementModel.find().sort({ name: 1 }).lean()).map((p) => ({ id: String(p._id), name: p.name, description: p.description ?? null }));
  },

  async addPlacement(input: z.output<typeof placementInputSchema>) {
    const p = await PlacementModel.create(input);
    return { id: String(p._id), name: p.name, description: p.description ?? null };
  },

  /**
   * An offline touchpoint of a resident the staff member may see. A store visit is also the
   * resident's activity that day (`store_visited`), once per resident and China-time day, so a
   * visit entered twice counts once.
   */
  async recordOfflineTouch(tasks: TaskService, staff: StaffPrincipal, resident: ResidentRecord, input: z.output<typeof recordOfflineTouchSchema>) {
    const at = input.at ? new Date(input.at) : new Date();
    if (at.getTime() > Date.now() + 5 * 60_000) throw AppError.badRequest('触点时间不能晚于现在', [{ path: 'body.at', message: 'in the future' }]);
    const touch = await TouchModel.create({
      kind: 'offline', residentId: resident._id, status: 'offline', offlineKind: input.kind,
      staffId: staff.id, storeId: staff.storeId ?? resident.storeId ?? null, note: input.note ?? null, at,
    });
    if (input.kind === 'store_visit') {
      await tasks.recordEvent({
        residentId: resident._id, type: 'store_visited', idempotencyKey: `store_visited:${resident._id}:${chinaDateKey(at)}`,
        occurredAt: at, source: 'server', meta: { touchId: String(touch._id), staffId: String(staff.id) },
      });
    }
    return touchView(touch.toObject() as TouchRecord);
  },

  /** A resident's touches in time order (the caller has checked access). */
  /** The offline touchpoints a staff member recorded, newest first, with each resident's name and building. */
  async touchpointsBy(staff: StaffPrincipal, limit: number) {
    const touches = await TouchModel.find({ kind: 'offline', staffId: staff.id }).sort({ at: -1, _id: -1 }).limit(limit).lean<TouchRecord[]>();
    const residents = await residentRepository.namesOf([...new Set(touches.map((touch) => String(touch.residentId)))].map(toObjectId));
    return touches.map((touch) => {
      const resident = residents.get(String(touch.residentId));
      return { ...touchView(touch), residentName: resident?.nickname ?? null, residentBuilding: resident?.building ?? null };
    });
  },

  async touchesOf(residentId: ResidentRecord['_id']) {
    return (await TouchModel.find({ residentId }).sort({ at: 1, _id: 1 }).limit(500).lean<TouchRecord[]>()).map(touchView);
  },
};
