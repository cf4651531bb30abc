import type { Types } from 'mongoose';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { lastTouchBefore } from '@o2o/shared/rules/order-credit';
import type { GroupShare, TouchInput, TouchResult } from '@o2o/shared/schemas/credits';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import { decryptGroupInfo } from '../../wechat/decrypt';
import type { StaffPrincipal } from '../auth/auth.guard';
import { WechatSessionKeyModel } from '../auth/session.model';
import { CampaignPushModel } from '../campaigns/campaigns.model';
import { GroupBroadcastModel, GroupDeliveryModel } from '../groups/groups.model';
import type { OrderRecord } from '../orders/orders.model';
import { OrderModel } from '../orders/orders.model';
import { ResidentModel } from '../residents/resident.model';
import { SopDispatchModel, SopPlanModel } from '../sop/sop.model';
import { assertStoreAccess, storeFilter } from '../staff/staff-scope';
import { insertOnce } from '../../db/unique-insert';
import { GroupOpengidModel, LinkTouchModel, OrderCreditModel, type LinkTouchRecord, type OrderCreditRecord } from './credits.model';

export interface CreditServiceOptions {
  /** How long after a touch an order is still credited to it. */
  windowHours: number;
  /** Our mini-program's AppID, to check the watermark of decrypted group info (when configured). */
  appId?: string;
  logger: Logger;
}

/**
 * A group's completed orders credited to it (last touch) per China day of completion, with their
 * amount: what group stats show. `day` is one day or a range condition on the day key.
 */
export async function creditedByDay(groupId: Types.ObjectId, day: string | { $gte: string; $lte: string }): Promise<Map<string, { orders: number; cents: number }>> {
  const credits = await OrderCreditModel.find({ groupId, state: 'completed' }, { day: 1, totalCents: 1 }).lean<Pick<OrderCreditRecord, 'day' | 'totalCents'>[]>();
  const inRange = (key: string) => (typeof day === 'string' ? key === day : key >= day.$gte && key <= day.$lte);
  const byDay = new Map<string, { orders: number; cents: number }>();
  for (const credit of credits) {
    if (!inRange(credit.day)) continue;
    const entry = byDay.get(credit.day) ?? { orders: 0, cents: 0 };
    entry.orders += 1;
    entry.cents += credit.totalCents;
    byDay.set(credit.day, entry);
  }
  return byDay;
}

/** Attempts to bring a credit's state level with its order while settles race; each re-reads. */
const MAX_STATE_ATTEMPTS = 10;

/**
 * Orders credited to what led to them. Touches are recorded as residents open links
 * (`POST /credits/touches`); when an order completes, `creditOrder` stores its credit once: the
 * resident's first touch (sign-up attribution) and the last touch inside the window before the
 * order was placed. Group stats and the group share read the stored credits.
 */
export class CreditService {
  constructor(private readonly options: CreditServiceOptions) {}

  get windowMs(): number {
    return this.options.windowHours * 60 * 60 * 1000;
  }

  async recordTouch(residentId: Types.ObjectId, input: TouchInput, now = new Date()): Promise<TouchResult> {
    const known = await LinkTouchModel.findById(input.touchId).lean<LinkTouchRecord>();
    if (known) return this.answer(residentId, known, false);
    const resident = await ResidentModel.findById(residentId, { openid: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');

    let groupId: Types.ObjectId | null = null;
    let sharerId: Types.ObjectId | null = null;
    const refId = input.refId ? toObjectId(input.refId) : null;
    if (input.kind === 'broadcast') {
      if (!(await GroupBroadcastModel.exists({ _id: refId }))) throw AppError.notFound('群发');
      // The group the card names counts only if the broadcast really went to it.
      if (input.groupId && (await GroupDeliveryModel.exists({ broadcastId: refId, groupId: toObjectId(input.groupId) }))) groupId = toObjectId(input.groupId);
    } else if (input.kind === 'sop') {
      if (!(await SopPlanModel.exists({ _id: refId }))) throw AppError.notFound('SOP 方案');
      // As for a broadcast: the group counts only if the plan really sent something there.
      if (input.groupId && (await SopDispatchModel.exists({ planId: refId, groupId: toObjectId(input.groupId) }))) groupId = toObjectId(input.groupId);
    } else if (input.kind === 'push') {
      if (!(await CampaignPushModel.exists({ _id: refId }))) throw AppError.notFound('订阅消息推送');
    } else {
      sharerId = toObjectId(input.sharerId!);
      // Opening one's own share is not a touch.
      if (sharerId.equals(residentId)) return { touchId: input.touchId, kind: input.kind, groupId: null, created: false };
      if (!(await ResidentModel.exists({ _id: sharerId }))) throw AppError.notFound('分享人');
    }

    const opengid = input.groupInfo ? await this.opengidOf(resident.openid, input.groupInfo) : null;
    if (opengid && (input.kind === 'broadcast' || input.kind === 'sop') && groupId) {
      // A card the bot posted in a known group, opened there: now we know that group's opengid.
      await insertOnce(GroupOpengidModel, { _id: opengid, groupId, learntFrom: input.touchId, createdAt: now });
    } else if (opengid && input.kind === 'share') {
      groupId = (await GroupOpengidModel.findById(opengid, { groupId: 1 }).lean())?.groupId ?? null;
    }

    const touch = { _id: input.touchId, residentId, kind: input.kind, refId, groupId, sharerId, opengid, at: now };
    if (await insertOnce(LinkTouchModel, touch)) return this.answer(residentId, touch, true);
    const raced = await LinkTouchModel.findById(input.touchId).lean<LinkTouchRecord>();
    return this.answer(residentId, raced ?? touch, false);
  }

  /**
   * Stores a completed order's credit once (first touch beside last touch) and keeps its state
   * level with the order's (a refund). Does nothing for an order without a resident or never
   * completed. Safe to run again and concurrently: the credit is a unique insert and its touch is
   * never re-chosen.
   */
  async creditOrder(order: OrderRecord, now = new Date()): Promise<void> {
    if (!order.residentId || !order.completedAt) return;
    let credit = await OrderCreditModel.findById(order._id, { state: 1 }).lean<Pick<OrderCreditRecord, '_id' | 'state'>>();
    if (!credit) {
      const [resident, touches] = await Promise.all([
        ResidentModel.findById(order.residentId, { attribution: 1 }).lean(),
        LinkTouchModel.find({ residentId: order.residentId }).lean<LinkTouchRecord[]>(),
      ]);
      const last = lastTouchBefore(order.placedAt, touches.map((touch) => ({ ...touch, id: touch._id })), this.windowMs);
      const first = resident?.attribution;
      const doc = {
        _id: order._id,
        residentId: order.residentId,
        storeId: order.storeId,
        state: order.state,
        totalCents: order.totalCents,
        placedAt: order.placedAt,
        completedAt: order.completedAt,
        day: chinaDateKey(order.completedAt),
        first: {
          source: first?.source ?? null,
          codeId: first?.codeId ?? null,
          codeType: first?.codeType ?? null,
          storeId: first?.storeId ?? null,
          advisorId: first?.advisorId ?? null,
          channelId: first?.channelId ?? null,
          campaignId: first?.campaignId ?? null,
          placementId: first?.placementId ?? null,
          inviterResidentId: first?.inviterResidentId ?? null,
        },
        touchId: last?._id ?? null,
        touchKind: last?.kind ?? null,
        touchedAt: last?.at ?? null,
        refId: last?.refId ?? null,
        groupId: last?.groupId ?? null,
        sharerId: last?.sharerId ?? null,
        windowHours: this.options.windowHours,
        createdAt: now,
      };
      if (await insertOnce(OrderCreditModel, doc)) credit = doc;
      else credit = await OrderCreditModel.findById(order._id, { state: 1 }).lean<Pick<OrderCreditRecord, '_id' | 'state'>>();
    }
    if (!credit) return;
    // Another settle may have moved the order on since this one read it: follow the stored order.
    for (let attempt = 0; attempt < MAX_STATE_ATTEMPTS; attempt += 1) {
      const stored = await OrderModel.findById(order._id, { state: 1 }).lean();
      const state = stored?.state ?? order.state;
      if (credit.state === state) return;
      await OrderCreditModel.updateOne({ _id: order._id }, { $set: { state } });
      credit = { ...credit, state };
    }
    this.options.logger.warn({ orderId: order._id }, 'order credit state kept changing; the orders repair job will bring it level');
  }

  /**
   * Completed orders (still completed) of the store or the caller's scope over China days, and
   * how many of them a group, or any touch, led to.
   */
  async groupShare(staff: StaffPrincipal, query: { storeId?: string; from: string; to: string }): Promise<GroupShare> {
    const scope = query.storeId ? { storeId: (await assertStoreAccess(staff, toObjectId(query.storeId)))._id } : await storeFilter(staff);
    const credits = await OrderCreditModel.find({ ...scope, state: 'completed' }, { day: 1, touchKind: 1, groupId: 1 }).lean<Pick<OrderCreditRecord, 'day' | 'touchKind' | 'groupId'>[]>();
    const inRange = credits.filter((credit) => credit.day >= query.from && credit.day <= query.to);
    const byKind = { broadcast: 0, sop: 0, push: 0, share: 0 };
    for (const credit of inRange) if (credit.touchKind) byKind[credit.touchKind] += 1;
    const viaGroups = inRange.filter((credit) => credit.groupId).length;
    return {
      storeId: query.storeId ?? null,
      from: query.from,
      to: query.to,
      orders: inRange.length,
      viaGroups,
      viaTouches: byKind.broadcast + byKind.sop + byKind.push + byKind.share,
      groupShare: inRange.length > 0 ? viaGroups / inRange.length : null,
      byKind,
    };
  }

  private answer(residentId: Types.ObjectId, touch: Pick<LinkTouchRecord, '_id' | 'residentId' | 'kind' | 'groupId'>, created: boolean): TouchResult {
    if (!touch.residentId.equals(residentId)) throw AppError.conflict('这个触达编号已被使用，请重新打开小程序');
    return { touchId: touch._id, kind: touch.kind, groupId: idString(touch.groupId ?? null), created };
  }

  private async opengidOf(openid: string, info: { encryptedData: string; iv: string }): Promise<string | null> {
    const key = await WechatSessionKeyModel.findById(openid, { sessionKey: 1 }).lean();
    if (!key) return null;
    const opengid = decryptGroupInfo(key.sessionKey, info.encryptedData, info.iv, this.options.appId);
    if (!opengid) this.options.logger.info({ openid }, 'group info did not decrypt with the stored session key; touch kept without its group');
    return opengid;
  }
}
