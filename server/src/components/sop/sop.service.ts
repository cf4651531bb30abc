import { Types } from 'mongoose';
import { withTouch } from '@o2o/shared/rules/order-credit';
import { SOP_CATCH_UP_MS, journeyDueAt, latestCalendarSlot, occurrenceKey } from '@o2o/shared/rules/sop';
import type { DeliveryAttachment } from '@o2o/shared/schemas/groups';
import type { SopMaterialiseResult, SopPlan, SopPlanInput, SopReport, sopPlanPatchSchema } from '@o2o/shared/schemas/sop';
import type { z } from 'zod';
import { insertManyOnce } from '../../db/unique-insert';
import { AppError } from '../../lib/app-error';
import { idString } from '../../lib/ids';
import { ownedRecordsFilter, type StaffPrincipal } from '../auth/auth.guard';
import type { DeliverySendCheck, DeliveryService } from '../groups/deliveries.service';
import { GroupIdentityModel, GroupMemberModel, GroupModel, type GroupDeliveryRecord } from '../groups/groups.model';
import { OrderModel } from '../orders/orders.model';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { SopDispatchModel, SopPlanModel, type SopDispatchRecord, type SopPlanRecord } from './sop.model';
import { findByIds } from '../../db/find-by-ids';

type PlanPatch = z.output<typeof sopPlanPatchSchema>;
type Dispatch = Omit<SopDispatchRecord, 'queuedAt' | 'skippedReason'>;

/** Why a delivery was withdrawn at send time, as the report shows it. */
export const SKIP_REASONS = {
  planStopped: '方案已停用',
  groupGone: '群已解绑',
  leftGroup: '已退群',
  orderedAgain: '已重新下单',
} as const;

const QUEUE_BATCH = 500;

/** A dispatch's card, its page naming the plan and the group (`withTouch`), so orders after it are credited to the plan. */
function sopAttachment(dispatch: Pick<SopDispatchRecord, 'planId' | 'groupId' | 'card'>): DeliveryAttachment | null {
  if (!dispatch.card) return null;
  return { type: 'mini_program', title: dispatch.card.title, pagePath: withTouch(dispatch.card.pagePath, { kind: 'sop', refId: String(dispatch.planId), groupId: String(dispatch.groupId) }) };
}

function planView(plan: SopPlanRecord): SopPlan {
  return {
    id: String(plan._id),
    kind: plan.kind,
    name: plan.name,
    text: plan.text,
    card: plan.card ? { title: plan.card.title, pagePath: plan.card.pagePath } : null,
    storeId: idString(plan.storeId),
    cityId: idString(plan.cityId),
    groupId: idString(plan.groupId),
    event: plan.event ?? null,
    days: plan.days ?? null,
    channel: plan.channel ?? null,
    weekdays: plan.weekdays ?? [],
    time: plan.time ?? null,
    active: plan.active,
    createdAt: plan.createdAt.toISOString(),
  };
}

/**
 * The send check for SOP deliveries: when the bot asks for due deliveries, a message whose reason
 * has gone (the plan was stopped, the resident left the group, they ordered again) is withdrawn as
 * skipped, with the reason kept for the plan's report.
 */
export class SopSendCheck implements DeliverySendCheck {
  readonly kinds = ['sop'] as const;

  async withdraw(deliveries: GroupDeliveryRecord[], _now: Date): Promise<Map<string, string>> {
    const dispatches = await findByIds<SopDispatchRecord>(SopDispatchModel, deliveries.map((delivery) => delivery._id));
    if (dispatches.length === 0) return new Map();
    const plans = new Map((await SopPlanModel.find({ _id: { $in: dispatches.map((dispatch) => dispatch.planId) } }, { active: 1, event: 1 }).lean()).map((plan) => [String(plan._id), plan]));
    const groups = new Set((await GroupModel.find({ _id: { $in: dispatches.map((dispatch) => dispatch.groupId) } }, { _id: 1 }).lean()).map((group) => String(group._id)));
    const memberIds = dispatches.filter((dispatch) => dispatch.wxid).map((dispatch) => `${dispatch.groupId}:${dispatch.wxid}`);
    const members = await findByIds<{ _id: string; leftAt: Date | null }>(GroupMemberModel, memberIds, { _id: 1, leftAt: 1 });
    const present = new Set(members.filter((member) => !member.leftAt).map((member) => String(member._id)));
    const lapsed = dispatches.filter((dispatch) => plans.get(String(dispatch.planId))?.event === 'no_order' && dispatch.residentId);
    const laterOrders = lapsed.length === 0 ? [] : await OrderModel.find({ residentId: { $in: lapsed.map((dispatch) => dispatch.residentId!) }, cancelledAt: null }, { residentId: 1, placedAt: 1 }).lean();

    const reasons = new Map<string, string>();
    for (const dispatch of dispatches) {
      const plan = plans.get(String(dispatch.planId));
      let reason: string | null = null;
      if (!plan?.active) reason = SKIP_REASONS.planStopped;
      else if (!groups.has(String(dispatch.groupId))) reason = SKIP_REASONS.groupGone;
      else if (dispatch.wxid && !present.has(`${dispatch.groupId}:${dispatch.wxid}`)) reason = SKIP_REASONS.leftGroup;
      else if (plan.event === 'no_order' && laterOrders.some((order) => order.residentId?.equals(dispatch.residentId!) && order.placedAt.getTime() > dispatch.anchorAt.getTime())) reason = SKIP_REASONS.orderedAgain;
      if (reason) reasons.set(dispatch._id, reason);
    }
    for (const [id, reason] of reasons) await SopDispatchModel.updateOne({ _id: id }, { $set: { skippedReason: reason } });
    return reasons;
  }
}

/**
 * SOP content plans: staff define them; a job turns what fell due into dispatches (one per plan,
 * target and occurrence, by unique insert) and each dispatch into one delivery in the bot's queue,
 * which the bot sends paced by its send budget. The plan's report follows the bot's acks.
 */
export class SopService {
  constructor(private readonly deliveries: DeliveryService) {}

  async create(staff: StaffPrincipal, input: SopPlanInput & { kind: string }, now = new Date()): Promise<SopPlan> {
    const scope = await this.scopeFor(staff, input);
    const plan = await SopPlanModel.create({
      kind: input.kind,
      name: input.name,
      text: input.text,
      card: input.card ?? null,
      ...scope,
      event: input.kind === 'journey' ? input.event : null,
      days: input.kind === 'journey' ? input.days : null,
      channel: input.kind === 'journey' ? (input.channel ?? 'private') : null,
      weekdays: input.kind === 'calendar' ? input.weekdays : [],
      time: input.kind === 'calendar' ? input.time : null,
      active: true,
      createdBy: staff.id,
      createdAt: now,
      updatedAt: now,
    });
    return planView(plan.toObject() as SopPlanRecord);
  }

  async list(staff: StaffPrincipal): Promise<SopPlan[]> {
    const plans = await SopPlanModel.find(ownedRecordsFilter(staff)).sort({ createdAt: -1 }).limit(200).lean<SopPlanRecord[]>();
    return plans.map(planView);
  }

  async update(staff: StaffPrincipal, planId: string, patch: PlanPatch): Promise<SopPlan> {
    await this.planInScope(staff, planId);
    const plan = await SopPlanModel.findByIdAndUpdate(planId, { $set: patch }, { returnDocument: 'after' }).lean<SopPlanRecord>();
    return planView(plan!);
  }

  async report(staff: StaffPrincipal, planId: string): Promise<SopReport> {
    const plan = await this.planInScope(staff, planId);
    const dispatches = await SopDispatchModel.find({ planId: plan._id }, { _id: 1, skippedReason: 1 }).lean<{ _id: string; skippedReason: string | null }[]>();
    const statuses = new Map<string, string>();
    for (let start = 0; start < dispatches.length; start += QUEUE_BATCH) {
      for (const [id, status] of await this.deliveries.ackStatuses(dispatches.slice(start, start + QUEUE_BATCH).map((dispatch) => dispatch._id))) statuses.set(id, status);
    }
    const count = (wanted: string[]) => dispatches.filter((dispatch) => wanted.includes(statuses.get(dispatch._id) ?? 'pending')).length;
    const reasons = new Map<string, number>();
    for (const dispatch of dispatches) {
      if (statuses.get(dispatch._id) !== 'skipped') continue;
      const reason = dispatch.skippedReason ?? '条件不再满足';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    return {
      planId: String(plan._id),
      due: dispatches.length,
      pending: count(['pending']),
      sent: count(['sent']),
      skipped: count(['skipped']),
      // `uncertain`: the bot restarted mid-send and cannot tell; counted with the failures, for a person to check.
      failed: count(['failed', 'uncertain']),
      skippedReasons: [...reasons].map(([reason, n]) => ({ reason, count: n })).sort((a, b) => b.count - a.count),
    };
  }

  /**
   * Creates the dispatches that fell due since the plan began (at most SOP_CATCH_UP_MS back) and
   * queues a delivery for each dispatch that has none yet. Safe to rerun and to crash anywhere:
   * both steps are unique inserts with the same key, and the second repairs what the first left.
   */
  async materialise(now = new Date()): Promise<SopMaterialiseResult> {
    const plans = await SopPlanModel.find({ active: true }).lean<SopPlanRecord[]>();
    let created = 0;
    for (const plan of plans) {
      const from = new Date(Math.max(plan.createdAt.getTime(), now.getTime() - SOP_CATCH_UP_MS));
      const dispatches = plan.kind === 'journey' ? await this.journeyDispatches(plan, from, now) : await this.calendarDispatches(plan, from, now);
      created += await insertManyOnce(SopDispatchModel, dispatches.map((dispatch) => ({ ...dispatch, createdAt: now })));
    }
    let queued = 0;
    for (;;) {
      const batch = await SopDispatchModel.find({ queuedAt: null }).sort({ _id: 1 }).limit(QUEUE_BATCH).lean<SopDispatchRecord[]>();
      if (batch.length === 0) break;
      queued += await this.deliveries.queueMany(
        batch.map((dispatch) => ({ id: dispatch._id, groupId: dispatch.groupId, roomId: dispatch.roomId, kind: 'sop' as const, text: dispatch.text, attachment: sopAttachment(dispatch), toWxid: dispatch.toWxid ?? null, mentionWxids: dispatch.mentionWxids ?? [], dueAt: dispatch.dueAt })),
        now,
      );
      await SopDispatchModel.updateMany({ _id: { $in: batch.map((dispatch) => dispatch._id) } }, { $set: { queuedAt: now } });
    }
    return { created, queued };
  }

  private async journeyDispatches(plan: SopPlanRecord, from: Date, now: Date): Promise<Dispatch[]> {
    const days = plan.days ?? 0;
    // Anchors whose due time (anchor + days) falls in (from, now].
    const window = { $gt: journeyDueAt(from, -days), $lte: journeyDueAt(now, -days) };
    const groups = await GroupModel.find(this.groupFilter(plan), { roomId: 1 }).lean();
    if (groups.length === 0) return [];
    const rooms = new Map(groups.map((group) => [String(group._id), group.roomId]));
    const staffWxids = new Set((await GroupIdentityModel.find({ staffId: { $ne: null } }, { _id: 1 }).lean()).map((identity) => String(identity._id)));
    const toMember = (member: { groupId: Types.ObjectId; wxid: string }, key: string, anchorAt: Date, residentId: Types.ObjectId | null): Dispatch => ({
      _id: `sop:${plan._id}:${key}`,
      planId: plan._id,
      groupId: member.groupId,
      roomId: rooms.get(String(member.groupId))!,
      wxid: member.wxid,
      residentId,
      anchorAt,
      toWxid: plan.channel === 'group' ? null : member.wxid,
      mentionWxids: plan.channel === 'group' ? [member.wxid] : [],
      text: plan.text,
      card: plan.card ?? null,
      dueAt: journeyDueAt(anchorAt, days),
      createdAt: now,
    });

    if (plan.event === 'joined_group') {
      const members = await GroupMemberModel.find({ groupId: { $in: groups.map((group) => group._id) }, leftAt: null, baseline: false, joinedAt: window }).lean();
      return members.filter((member) => !staffWxids.has(member.wxid)).map((member) => toMember(member, `wx:${member.wxid}`, member.joinedAt, null));
    }

    // The other events are a resident's: reach them through their WeChat identity in a group of the plan.
    const anchors = new Map<string, { residentId: Types.ObjectId; at: Date; occurrence: string | null }>();
    if (plan.event === 'registered' || plan.event === 'first_order') {
      const field = plan.event === 'registered' ? 'registeredAt' : 'firstOrderAt';
      const residents = await ResidentModel.find({ [field]: window }, { _id: 1, registeredAt: 1, firstOrderAt: 1 }).lean();
      for (const resident of residents) anchors.set(String(resident._id), { residentId: resident._id, at: (resident[field] as Date), occurrence: null });
    } else if (plan.event === 'no_order') {
      const inWindow = await OrderModel.find({ residentId: { $ne: null }, cancelledAt: null, placedAt: window }, { residentId: 1 }).lean();
      const candidates = [...new Set(inWindow.map((order) => String(order.residentId)))].map((id) => new Types.ObjectId(id));
      // The resident's last order decides: one placed after the window means they have not lapsed.
      const recent = candidates.length === 0 ? [] : await OrderModel.find({ residentId: { $in: candidates }, cancelledAt: null, placedAt: { $gt: window.$gt } }, { residentId: 1, placedAt: 1 }).sort({ placedAt: 1 }).lean();
      const last = new Map<string, { _id: string; placedAt: Date; residentId: Types.ObjectId }>();
      for (const order of recent) last.set(String(order.residentId), order as never);
      for (const [residentId, order] of last) {
        if (order.placedAt.getTime() <= window.$lte.getTime()) anchors.set(residentId, { residentId: order.residentId, at: order.placedAt, occurrence: order._id });
      }
    }
    if (anchors.size === 0) return [];
    const identities = await GroupIdentityModel.find({ residentId: { $in: [...anchors.values()].map((anchor) => anchor.residentId) } }, { _id: 1, residentId: 1 }).lean();
    const members = await GroupMemberModel.find({ groupId: { $in: groups.map((group) => group._id) }, wxid: { $in: identities.map((identity) => String(identity._id)) }, leftAt: null }).sort({ joinedAt: 1 }).lean();
    const dispatches = new Map<string, Dispatch>();
    for (const identity of identities) {
      const anchor = anchors.get(String(identity.residentId));
      const member = members.find((candidate) => candidate.wxid === String(identity._id));
      if (!anchor || !member || staffWxids.has(member.wxid)) continue;
      const key = `r:${anchor.residentId}${anchor.occurrence ? `:${anchor.occurrence}` : ''}`;
      // One resident with two WeChat identities still gets one message.
      if (!dispatches.has(key)) dispatches.set(key, toMember(member, key, anchor.at, anchor.residentId));
    }
    return [...dispatches.values()];
  }

  private async calendarDispatches(plan: SopPlanRecord, from: Date, now: Date): Promise<Dispatch[]> {
    const slot = latestCalendarSlot({ weekdays: plan.weekdays ?? [], time: plan.time ?? '' }, from, now);
    if (!slot) return [];
    const groups = await GroupModel.find(this.groupFilter(plan), { roomId: 1 }).lean();
    return groups.map((group) => ({
      _id: `sop:${plan._id}:g:${group._id}:${occurrenceKey(slot)}`,
      planId: plan._id,
      groupId: group._id,
      roomId: group.roomId,
      wxid: null,
      residentId: null,
      anchorAt: slot,
      toWxid: null,
      mentionWxids: [],
      text: plan.text,
      card: plan.card ?? null,
      dueAt: slot,
      createdAt: now,
    }));
  }

  private groupFilter(plan: SopPlanRecord): Record<string, unknown> {
    if (plan.groupId) return { _id: plan.groupId };
    if (plan.storeId) return { storeId: plan.storeId };
    if (plan.cityId) return { cityId: plan.cityId };
    return {};
  }

  /** Where a new plan applies, checked against who creates it: a manager their store, city ops their city, admins anywhere. */
  private async scopeFor(staff: StaffPrincipal, input: SopPlanInput): Promise<{ storeId: Types.ObjectId | null; cityId: Types.ObjectId | null; groupId: Types.ObjectId | null }> {
    if (input.kind === 'calendar' && input.groupId) {
      const group = await GroupModel.findById(new Types.ObjectId(input.groupId), { storeId: 1, cityId: 1 }).lean();
      if (!group) throw AppError.notFound('社群');
      await assertStoreAccess(staff, group.storeId);
      return { storeId: group.storeId, cityId: group.cityId, groupId: group._id };
    }
    const storeId = input.storeId ? new Types.ObjectId(input.storeId) : staff.role === 'store_manager' ? staff.storeId : null;
    if (storeId) {
      const store = await assertStoreAccess(staff, storeId);
      return { storeId, cityId: store.cityId, groupId: null };
    }
    if (staff.role === 'store_manager') throw AppError.forbidden('店长只能为自己的门店创建内容方案');
    const cityId = input.cityId ? new Types.ObjectId(input.cityId) : staff.role === 'city_ops' ? staff.cityId : null;
    if (cityId) {
      if (!canAccessCity(staff, cityId)) throw AppError.forbidden('这个城市不在你的负责范围内');
      return { storeId: null, cityId, groupId: null };
    }
    if (staff.role !== 'admin') throw AppError.forbidden('只有管理员可以创建覆盖全部门店的内容方案');
    return { storeId: null, cityId: null, groupId: null };
  }


  private async planInScope(staff: StaffPrincipal, planId: string): Promise<SopPlanRecord> {
    const plan = await SopPlanModel.findById(planId).lean<SopPlanRecord>();
    if (!plan) throw AppError.notFound('内容方案');
    const visible =
      staff.role === 'admin' ||
      (staff.role === 'city_ops' && Boolean(staff.cityId && plan.cityId?.equals(staff.cityId))) ||
      (staff.role === 'store_manager' && Boolean(staff.storeId && plan.storeId?.equals(staff.storeId)));
    if (!visible) throw AppError.forbidden('这个内容方案不在你的负责范围内');
    return plan;
  }
}
