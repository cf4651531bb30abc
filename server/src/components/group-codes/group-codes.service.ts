import { Types } from 'mongoose';
import type { z } from 'zod';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { WECHAT_QR_JOIN_LIMIT, type GroupCode, type GroupCodeJoin, type groupCodeInputSchema, type groupCodeStatsSchema, type groupCodeTargetInputSchema } from '@o2o/shared/schemas/group-codes';
import { AppError } from '../../lib/app-error';
import type { Principal, StaffPrincipal } from '../auth/auth.guard';
import type { DeliveryService } from '../groups/deliveries.service';
import { GroupIdentityModel, GroupMemberModel, GroupModel, type GroupRecord } from '../groups/groups.model';
import { insertOnce, isDuplicateKey } from '../../db/unique-insert';
import { assertStoreAccess, storeFilter } from '../staff/staff-scope';
import { storeStaffWxids } from '../tickets/tickets.service';
import {
  GroupCodeAlertModel,
  GroupCodeAssignmentModel,
  GroupCodeModel,
  GroupCodeTargetModel,
  GroupSeatModel,
  type GroupCodeAssignmentRecord,
  type GroupCodeRecord,
  type GroupCodeTargetRecord,
} from './group-codes.model';

type CodeInput = z.output<typeof groupCodeInputSchema>;
type TargetInput = z.output<typeof groupCodeTargetInputSchema>;

export interface GroupCodeOptions {
  /** A group gets no more residents from a code once this many members and seats are taken (below WeChat's 200). */
  switchAt: number;
  /** Staff are told to open a new group once fewer seats than this are left across the store's groups. */
  alertRemaining: number;
}

export const DEFAULT_GROUP_CODE_OPTIONS: GroupCodeOptions = { switchAt: 190, alertRemaining: 30 };

/**
 * Live group codes. A resident who opens a store's code is sent to one group of that store, for
 * good: the assignment `<storeId>:<resident>` is a unique insert, and a resident already in one of
 * the store's groups is sent back there. A new resident takes the next free seat of the least-full
 * active group (seats are unique inserts, so concurrent scans never overfill a group); when every
 * group is near full the store's staff are told once a day to open a new one.
 */
export class GroupCodeService {
  constructor(
    private readonly deliveries: DeliveryService,
    private readonly options: GroupCodeOptions = DEFAULT_GROUP_CODE_OPTIONS,
  ) {
    if (options.switchAt >= WECHAT_QR_JOIN_LIMIT) throw new Error(`switchAt must stay below ${WECHAT_QR_JOIN_LIMIT}`);
  }

  async create(staff: StaffPrincipal, input: CodeInput, now = new Date()): Promise<GroupCode> {
    const store = await assertStoreAccess(staff, new Types.ObjectId(input.storeId));
    const placementKey = input.placementId ?? 'store';
    try {
      await GroupCodeModel.create({ storeId: store._id, cityId: store.cityId, placementId: input.placementId ? new Types.ObjectId(input.placementId) : null, placementKey, name: input.name, createdAt: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // One stable code per store and placement: asking again returns the same one.
    const code = (await GroupCodeModel.findOne({ storeId: store._id, placementKey }).lean<GroupCodeRecord>())!;
    return (await this.views([code]))[0];
  }

  async list(staff: StaffPrincipal, storeId?: string): Promise<GroupCode[]> {
    const scope = storeId ? { storeId: (await assertStoreAccess(staff, new Types.ObjectId(storeId)))._id } : await storeFilter(staff);
    return this.views(await GroupCodeModel.find(scope).sort({ createdAt: 1 }).lean<GroupCodeRecord[]>());
  }

  /** The code residents see for a store: its store-wide code, else its oldest placement code. */
  async storeCode(storeId: string): Promise<{ id: string; name: string } | null> {
    const codes = await GroupCodeModel.find({ storeId: new Types.ObjectId(storeId) }).sort({ createdAt: 1 }).lean<GroupCodeRecord[]>();
    const code = codes.find((candidate) => candidate.placementKey === 'store') ?? codes[0];
    return code ? { id: String(code._id), name: code.name } : null;
  }

  /** Staff add a group (with its current join QR) to the store's live codes, or take it out. */
  async setTarget(staff: StaffPrincipal, groupId: string, input: TargetInput, now = new Date()): Promise<{ groupId: string; active: boolean }> {
    const group = await GroupModel.findById(new Types.ObjectId(groupId)).lean<GroupRecord>();
    if (!group) throw AppError.notFound('社群');
    await assertStoreAccess(staff, group.storeId);
    await GroupCodeTargetModel.updateOne(
      { _id: String(group._id) },
      { $set: { groupId: group._id, storeId: group.storeId, qrImageUrl: input.qrImageUrl, active: input.active, updatedAt: now } },
      { upsert: true },
    );
    return { groupId: String(group._id), active: input.active };
  }

  async join(principal: Principal, codeId: string, now = new Date()): Promise<GroupCodeJoin> {
    const code = await GroupCodeModel.findById(new Types.ObjectId(codeId)).lean<GroupCodeRecord>();
    if (!code) throw AppError.notFound('群活码');
    const residentKey = principal.residentId ? `resident:${principal.residentId}` : `openid:${principal.openid}`;
    const assignmentId = `${code.storeId}:${residentKey}`;
    const targets = await GroupCodeTargetModel.find({ storeId: code.storeId }).lean<GroupCodeTargetRecord[]>();

    const existing = await GroupCodeAssignmentModel.findById(assignmentId).lean<GroupCodeAssignmentRecord>();
    if (existing) return this.answer(existing.groupId, targets, true);
    const member = await this.storeGroupOf(principal, code.storeId);
    if (member) {
      await insertOnce(GroupCodeAssignmentModel, { _id: assignmentId, storeId: code.storeId, groupId: member, codeId: code._id, placementId: code.placementId, residentKey, at: now });
      return this.answer(member, targets, true);
    }

    const active = targets.filter((target) => target.active);
    if (active.length === 0) throw new AppError('NO_GROUP_OPEN', '这家门店还没有开放可加入的群，请联系店员', 409);
    const occupancy = await this.occupancy(active.map((target) => target.groupId));
    for (;;) {
      // The least-full group that still has a seat below the switch point; a seat lost to another scan updates what we know.
      const target = [...active]
        .filter((candidate) => occupancy.get(String(candidate.groupId))! < this.options.switchAt)
        .sort((a, b) => occupancy.get(String(a.groupId))! - occupancy.get(String(b.groupId))! || String(a.groupId).localeCompare(String(b.groupId)))[0];
      if (!target) break;
      const seat = occupancy.get(String(target.groupId))! + 1;
      occupancy.set(String(target.groupId), seat);
      if (!(await insertOnce(GroupSeatModel, { _id: `${target.groupId}:${seat}`, groupId: target.groupId, n: seat, residentKey, at: now }))) continue;
      const won = await insertOnce(GroupCodeAssignmentModel, { _id: assignmentId, storeId: code.storeId, groupId: target.groupId, codeId: code._id, placementId: code.placementId, residentKey, at: now });
      if (!won) {
        // The same resident scanned twice at once and the other scan won: give the seat back, send them where it did.
        await GroupSeatModel.deleteOne({ _id: `${target.groupId}:${seat}`, residentKey });
        const winner = (await GroupCodeAssignmentModel.findById(assignmentId).lean<GroupCodeAssignmentRecord>())!;
        return this.answer(winner.groupId, targets, true);
      }
      await this.alertIfNearlyFull(code.storeId, active, occupancy, now);
      return this.answer(target.groupId, targets, false);
    }
    await this.alertIfNearlyFull(code.storeId, active, occupancy, now);
    throw new AppError('GROUPS_FULL', '门店的群暂时都满了，店员正在开新群，请稍后再扫码', 409);
  }

  /** Members present or seats taken, whichever is more (a resident sent to a group may not have joined yet). */
  private async occupancy(groupIds: Types.ObjectId[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    await Promise.all(
      groupIds.map(async (groupId) => {
        const [members, lastSeat] = await Promise.all([
          GroupMemberModel.countDocuments({ groupId, leftAt: null }),
          GroupSeatModel.find({ groupId }, { n: 1 }).sort({ n: -1 }).limit(1).lean(),
        ]);
        result.set(String(groupId), Math.max(members, lastSeat[0]?.n ?? 0));
      }),
    );
    return result;
  }

  /** A resident already in one of the store's groups (by their WeChat identity bound through the bot). */
  private async storeGroupOf(principal: Principal, storeId: Types.ObjectId): Promise<Types.ObjectId | null> {
    if (!principal.residentId) return null;
    const identities = await GroupIdentityModel.find({ residentId: principal.residentId }, { _id: 1 }).lean();
    if (identities.length === 0) return null;
    const groups = await GroupModel.find({ storeId }, { _id: 1 }).lean();
    const member = await GroupMemberModel.findOne({ wxid: { $in: identities.map((identity) => String(identity._id)) }, groupId: { $in: groups.map((group) => group._id) }, leftAt: null }).lean();
    return member?.groupId ?? null;
  }

  private async alertIfNearlyFull(storeId: Types.ObjectId, active: GroupCodeTargetRecord[], occupancy: Map<string, number>, now: Date): Promise<void> {
    const remaining = active.reduce((sum, target) => sum + Math.max(0, this.options.switchAt - occupancy.get(String(target.groupId))!), 0);
    if (remaining > this.options.alertRemaining) return;
    const alertId = `${storeId}:${chinaDateKey(now)}`;
    if (!(await insertOnce(GroupCodeAlertModel, { _id: alertId, storeId, remaining, at: now }))) return;
    const group = await GroupModel.findById(active[0].groupId).lean<GroupRecord>();
    if (!group) return;
    const text = `【群活码】门店的 ${active.length} 个群只剩 ${remaining} 个空位了（每群满 ${this.options.switchAt} 人就不再分配），请尽快新建一个群，绑定后在工作台把它加入群活码。`;
    for (const wxid of await storeStaffWxids(storeId)) {
      await this.deliveries.queueDirect({ id: `group-code-alert:${alertId}:${wxid}`, group, kind: 'staff_alert', text, toWxid: wxid, now });
    }
  }

  private async answer(groupId: Types.ObjectId, targets: GroupCodeTargetRecord[], again: boolean): Promise<GroupCodeJoin> {
    const group = await GroupModel.findById(groupId, { topic: 1 }).lean();
    const target = targets.find((entry) => entry.groupId.equals(groupId));
    return { groupId: String(groupId), topic: group?.topic ?? '', qrImageUrl: target?.qrImageUrl ?? '', again };
  }

  async stats(staff: StaffPrincipal, codeId: string): Promise<z.input<typeof groupCodeStatsSchema>> {
    const code = await GroupCodeModel.findById(new Types.ObjectId(codeId)).lean<GroupCodeRecord>();
    if (!code) throw AppError.notFound('群活码');
    await assertStoreAccess(staff, code.storeId);
    const targets = await GroupCodeTargetModel.find({ storeId: code.storeId }).lean<GroupCodeTargetRecord[]>();
    const groups = await Promise.all(
      targets.map(async (target) => {
        const [group, members, seats, assignedByThisCode] = await Promise.all([
          GroupModel.findById(target.groupId, { topic: 1 }).lean(),
          GroupMemberModel.countDocuments({ groupId: target.groupId, leftAt: null }),
          GroupSeatModel.countDocuments({ groupId: target.groupId }),
          GroupCodeAssignmentModel.countDocuments({ groupId: target.groupId, codeId: code._id }),
        ]);
        return { groupId: String(target.groupId), topic: group?.topic ?? '', members, seats, assignedByThisCode };
      }),
    );
    return { codeId: String(code._id), assigned: await GroupCodeAssignmentModel.countDocuments({ codeId: code._id }), groups };
  }

  private async views(codes: GroupCodeRecord[]): Promise<GroupCode[]> {
    return Promise.all(
      codes.map(async (code) => ({
        id: String(code._id),
        storeId: String(code.storeId),
        placementId: code.placementId ? String(code.placementId) : null,
        name: code.name,
        path: `/pages/landing/index?groupCode=${code._id}`,
        createdAt: code.createdAt.toISOString(),
        assigned: await GroupCodeAssignmentModel.countDocuments({ codeId: code._id }),
      })),
    );
  }
}
