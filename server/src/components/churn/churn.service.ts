import { Types } from 'mongoose';
import { DAY_MS, chinaDateKey } from '@o2o/shared/rules/china-time';
import { CHURN_SUGGESTIONS, type ChurnAlert, type ChurnDetectResult } from '@o2o/shared/schemas/churn';
import { insertManyOnce, insertOnce } from '../../db/unique-insert';
import { AppError } from '../../lib/app-error';
import { idString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { GroupIdentityModel, GroupMemberModel, GroupModel } from '../groups/groups.model';
import { OrderModel } from '../orders/orders.model';
import { ResidentModel } from '../residents/resident.model';
import { storeIdsInScope } from '../staff/staff-scope';
import { ChurnAlertModel, ChurnClosureModel, type ChurnAlertRecord, type ChurnClosureRecord } from './churn.model';
import { findByIds } from '../../db/find-by-ids';

export interface ChurnParameters {
  /** Days without an order, after the last one, that make a resident lapsed. */
  lapseDays: number;
  /** How far back detection looks for leaves and lapses it has not seen: a missed day still catches up, older ones are history. */
  lookbackDays: number;
}

type Closure = Pick<ChurnClosureRecord, 'reason' | 'staffId' | 'note'>;

/**
 * Churn alerts: a job finds residents who left their store's groups or stopped ordering, one alert
 * per episode (unique insert), assigned to their advisor by attribution (or the store's manager
 * when none). An alert closes when staff mark it done, or by itself when the resident orders again
 * (or rejoins a group of the store, for a leave).
 */
export class ChurnService {
  constructor(private readonly parameters: ChurnParameters) {}

  async detect(now = new Date()): Promise<ChurnDetectResult> {
    const alerts = [...(await this.leaves(now)), ...(await this.lapses(now))];
    const opened = await insertManyOnce(ChurnAlertModel, alerts);
    const open = await ChurnAlertModel.find({ status: 'open' }).lean<ChurnAlertRecord[]>();
    const closed = await this.closeResolved(open, now);
    return { opened, closed };
  }

  async list(staff: StaffPrincipal, query: { status: 'open' | 'closed'; limit: number }, now = new Date()): Promise<ChurnAlert[]> {
    const filter = { ...(await this.scopeFilter(staff)), status: query.status };
    let alerts = await ChurnAlertModel.find(filter).sort({ detectedAt: -1, _id: 1 }).limit(query.limit).lean<ChurnAlertRecord[]>();
    // Between job runs the list is still true: whoever ordered again since drops off now.
    if (query.status === 'open' && (await this.closeResolved(alerts, now)) > 0) {
      alerts = await ChurnAlertModel.find(filter).sort({ detectedAt: -1, _id: 1 }).limit(query.limit).lean<ChurnAlertRecord[]>();
    }
    return this.views(alerts);
  }

  async markDone(staff: StaffPrincipal, alertId: string, note: string | undefined, now = new Date()): Promise<ChurnAlert> {
    const alert = await ChurnAlertModel.findById(alertId).lean<ChurnAlertRecord>();
    if (!alert) throw AppError.notFound('流失提醒');
    if (!(await this.mayHandle(staff, alert))) throw AppError.forbidden('这条流失提醒不是你负责的居民');
    await this.close(alert._id, { reason: 'done', staffId: staff.id, note: note ?? null }, now);
    return (await this.views([(await ChurnAlertModel.findById(alertId).lean<ChurnAlertRecord>())!]))[0];
  }

  /** Residents (bound to WeChat) out of every group of their store since a leave within the lookback. */
  private async leaves(now: Date): Promise<ChurnAlertRecord[]> {
    const since = new Date(now.getTime() - this.parameters.lookbackDays * DAY_MS);
    const left = await GroupMemberModel.find({ leftAt: { $gte: since, $lte: now } }, { groupId: 1, wxid: 1, leftAt: 1 }).lean();
    if (left.length === 0) return [];
    const identities = await GroupIdentityModel.find({ _id: { $in: left.map((member) => member.wxid) }, residentId: { $ne: null } }, { _id: 1, residentId: 1 }).lean();
    const residentOf = new Map(identities.map((identity) => [String(identity._id), identity.residentId!]));
    const groups = new Map((await GroupModel.find({ _id: { $in: left.map((member) => member.groupId) } }, { storeId: 1 }).lean()).map((group) => [String(group._id), group]));
    const stillIn = await this.storesStillJoined([...residentOf.keys()]);
    const residents = await this.residents([...residentOf.values()]);
    const alerts: ChurnAlertRecord[] = [];
    for (const member of left) {
      const residentId = residentOf.get(member.wxid);
      const group = groups.get(String(member.groupId));
      const resident = residentId && residents.get(String(residentId));
      if (!resident || !group || stillIn.has(`${member.wxid}:${group.storeId}`)) continue;
      alerts.push(this.alert(`left:${residentId}:${member.groupId}:${chinaDateKey(member.leftAt!)}`, 'left_group', resident, member.leftAt!, now, member.groupId));
    }
    return alerts;
  }

  /** Residents whose last order is `lapseDays` old (within the lookback): one episode per last order. */
  private async lapses(now: Date): Promise<ChurnAlertRecord[]> {
    const latest = new Date(now.getTime() - this.parameters.lapseDays * DAY_MS);
    const earliest = new Date(latest.getTime() - this.parameters.lookbackDays * DAY_MS);
    const inWindow = await OrderModel.find({ residentId: { $ne: null }, cancelledAt: null, placedAt: { $gt: earliest, $lte: latest } }, { residentId: 1 }).lean();
    const candidates = [...new Set(inWindow.map((order) => String(order.residentId)))].map((id) => new Types.ObjectId(id));
    if (candidates.length === 0) return [];
    const orders = await OrderModel.find({ residentId: { $in: candidates }, cancelledAt: null, placedAt: { $gt: earliest } }, { residentId: 1, placedAt: 1 }).sort({ placedAt: 1 }).lean();
    const last = new Map<string, { _id: string; placedAt: Date }>();
    for (const order of orders) last.set(String(order.residentId), { _id: String(order._id), placedAt: order.placedAt });
    const residents = await this.residents(candidates);
    const alerts: ChurnAlertRecord[] = [];
    for (const [residentId, order] of last) {
      const resident = residents.get(residentId);
      if (!resident || order.placedAt.getTime() > latest.getTime()) continue;
      alerts.push(this.alert(`lapse:${residentId}:${order._id}`, 'lapsed', resident, order.placedAt, now, null));
    }
    return alerts;
  }

  private alert(id: string, kind: ChurnAlertRecord['kind'], resident: { _id: Types.ObjectId; storeId: Types.ObjectId | null; advisorId: Types.ObjectId | null }, since: Date, now: Date, groupId: Types.ObjectId | null): ChurnAlertRecord {
    return { _id: id, kind, residentId: resident._id, storeId: resident.storeId, advisorId: resident.advisorId, groupId, since, detectedAt: now, status: 'open', closedReason: null, closedAt: null, note: null };
  }

  private async residents(ids: Types.ObjectId[]): Promise<Map<string, { _id: Types.ObjectId; storeId: Types.ObjectId | null; advisorId: Types.ObjectId | null }>> {
    const residents = await ResidentModel.find({ _id: { $in: ids } }, { storeId: 1, 'attribution.storeId': 1, 'attribution.advisorId': 1 }).lean<{ _id: Types.ObjectId; storeId: Types.ObjectId | null; attribution?: { storeId?: Types.ObjectId | null; advisorId?: Types.ObjectId | null } }[]>();
    return new Map(residents.map((resident) => [String(resident._id), { _id: resident._id, storeId: resident.storeId ?? resident.attribution?.storeId ?? null, advisorId: resident.attribution?.advisorId ?? null }]));
  }

  /** `<wxid>:<storeId>` for each store where the WeChat id is still in some group. */
  private async storesStillJoined(wxids: string[]): Promise<Set<string>> {
    if (wxids.length === 0) return new Set();
    const present = await GroupMemberModel.find({ wxid: { $in: wxids }, leftAt: null }, { groupId: 1, wxid: 1 }).lean();
    const stores = new Map((await GroupModel.find({ _id: { $in: present.map((member) => member.groupId) } }, { storeId: 1 }).lean()).map((group) => [String(group._id), String(group.storeId)]));
    return new Set(present.map((member) => `${member.wxid}:${stores.get(String(member.groupId))}`));
  }

  /** Closes the open alerts whose resident ordered again (or, for a leave, came back to a group of the store). */
  private async closeResolved(alerts: ChurnAlertRecord[], now: Date): Promise<number> {
    const open = alerts.filter((alert) => alert.status === 'open');
    if (open.length === 0) return 0;
    const orders = await OrderModel.find({ residentId: { $in: open.map((alert) => alert.residentId) }, cancelledAt: null, placedAt: { $gt: new Date(Math.min(...open.map((alert) => alert.since.getTime()))) } }, { residentId: 1, placedAt: 1 }).lean();
    const leaves = open.filter((alert) => alert.kind === 'left_group');
    const identities = leaves.length === 0 ? [] : await GroupIdentityModel.find({ residentId: { $in: leaves.map((alert) => alert.residentId) } }, { _id: 1, residentId: 1 }).lean();
    const joined = await this.storesStillJoined(identities.map((identity) => String(identity._id)));
    let closed = 0;
    for (const alert of open) {
      const ordered = orders.some((order) => order.residentId?.equals(alert.residentId) && order.placedAt.getTime() > alert.since.getTime());
      const rejoined = alert.kind === 'left_group' && identities.some((identity) => identity.residentId?.equals(alert.residentId) && joined.has(`${identity._id}:${alert.storeId}`));
      if (!ordered && !rejoined) continue;
      if (await this.close(alert._id, { reason: ordered ? 'ordered' : 'rejoined', staffId: null, note: null }, now)) closed += 1;
    }
    return closed;
  }

  /** The first closure stands; the alert mirrors it (repaired by any later close attempt). True when this call closed it. */
  private async close(alertId: string, closure: Closure, now: Date): Promise<boolean> {
    const first = await insertOnce(ChurnClosureModel, { _id: alertId, ...closure, at: now });
    const stored = (await ChurnClosureModel.findById(alertId).lean<ChurnClosureRecord>())!;
    await ChurnAlertModel.updateOne({ _id: alertId }, { $set: { status: 'closed', closedReason: stored.reason, closedAt: stored.at, note: stored.note ?? null } });
    return first;
  }

  /** An advisor sees their own residents; a manager the store's residents nobody is assigned; city ops and admins all in scope. */
  private async scopeFilter(staff: StaffPrincipal): Promise<Record<string, unknown>> {
    switch (staff.role) {
      case 'advisor':
        return { advisorId: staff.id };
      case 'store_manager':
        return { storeId: staff.storeId, advisorId: null };
      default: {
        const storeIds = await storeIdsInScope(staff);
        return storeIds === 'all' ? {} : { storeId: { $in: storeIds } };
      }
    }
  }

  private async mayHandle(staff: StaffPrincipal, alert: ChurnAlertRecord): Promise<boolean> {
    if (staff.role === 'advisor') return Boolean(alert.advisorId?.equals(staff.id));
    if (staff.role === 'store_manager') return Boolean(staff.storeId && alert.storeId?.equals(staff.storeId));
    const storeIds = await storeIdsInScope(staff);
    return storeIds === 'all' || storeIds.some((id) => alert.storeId?.equals(id));
  }

  private async views(alerts: ChurnAlertRecord[]): Promise<ChurnAlert[]> {
    const found = await findByIds<{ _id: Types.ObjectId; nickname?: string | null; phone?: string | null; building?: string | null }>(ResidentModel, alerts.map((alert) => alert.residentId), { nickname: 1, phone: 1, building: 1 });
    const residents = new Map(found.map((resident) => [String(resident._id), resident]));
    return alerts.map((alert) => {
      const resident = residents.get(String(alert.residentId));
      return {
        id: alert._id,
        kind: alert.kind,
        residentId: String(alert.residentId),
        residentName: resident?.nickname || (resident?.building ? `${resident.building} 的居民` : '未留昵称的居民'),
        phoneTail: resident?.phone ? resident.phone.slice(-4) : null,
        storeId: idString(alert.storeId),
        advisorId: idString(alert.advisorId),
        suggestion: CHURN_SUGGESTIONS[alert.kind],
        since: alert.since.toISOString(),
        days: Math.max(0, Math.floor((alert.detectedAt.getTime() - alert.since.getTime()) / DAY_MS)),
        detectedAt: alert.detectedAt.toISOString(),
        status: alert.status,
        closedReason: alert.closedReason ?? null,
        closedAt: alert.closedAt ? alert.closedAt.toISOString() : null,
        note: alert.note ?? null,
      };
    });
  }
}
