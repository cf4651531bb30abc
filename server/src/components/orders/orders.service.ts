import { createHash } from 'node:crypto';
import type { Types } from 'mongoose';
import {
  deriveOrderState,
  ORDER_STATE_TEXT,
  orderRewardPoints,
  type Order,
  type OrderWebhookEvent,
  type OrderWebhookResult,
} from '@o2o/shared/schemas/orders';
import type { MyOrder } from '@o2o/shared/schemas/orders';
import type { Config } from '../../config/config';
import type { Logger } from '../../lib/logger';
import type { InviteService } from '../invites/invite.service';
import type { PointsService } from '../points/points.service';
import type { TaskService } from '../tasks/tasks.service';
import { AppError } from '../../lib/app-error';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { ResidentChangeListeners, type ResidentChangeListener } from '../../lib/resident-changes';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { PointEntryModel, type PointEntryRecord } from '../points/points.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { residentRepository } from '../residents/resident.repository';
import { assertStoreAccess, storeFilter } from '../staff/staff-scope';
import { OrderEventModel, OrderModel, type OrderEventRecord, type OrderRecord } from './orders.model';
import { isDuplicateKey } from '../../db/unique-insert';

/** What the order service needs from the other components. */
export interface OrderServiceDeps {
  points: PointsService;
  invites: InviteService;
  tasks: TaskService;
  config: Config;
  logger: Logger;
  /** Credits a completed order to the touches that led to it (the credits component). */
  credits?: { creditOrder(order: OrderRecord, now?: Date): Promise<void> };
  /** Called (not awaited, failures logged) after an order of a resident was settled, e.g. to refresh their labels. */
  onResidentChanged?: ResidentChangeListener[];
}

export interface StaffOrderQuery {
  storeId?: string;
  from?: string;
  to?: string;
  limit: number;
}

/** Attempts to bring a mirror up to date with its facts while other writers race; each attempt re-reads. */
const MAX_MIRROR_ATTEMPTS = 20;

const rewardKey = (orderId: string) => `order:${orderId}:reward`;

/** SHA-256 of a value's JSON with object keys sorted, so equal content always hashes the same. */
function contentHash(value: unknown): string {
  const sorted = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map(sorted)
      : item && typeof item === 'object'
        ? Object.fromEntries(Object.keys(item).sort().map((key) => [key, sorted((item as Record<string, unknown>)[key])]))
        : item;
  return createHash('sha256').update(JSON.stringify(sorted(value))).digest('hex');
}

/** Which events (and which resident each was matched to) a mirror was built from. */
function fingerprint(events: Pick<OrderEventRecord, '_id' | 'residentId'>[]): string {
  return contentHash(events.map((event) => `${event._id}:${event.residentId ?? ''}`).sort());
}

const sameInstant = (a: Date | null | undefined, b: Date | null | undefined) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** The order as its events say, whatever order they arrived in. */
function orderFields(events: OrderEventRecord[], now: Date) {
  const derived = deriveOrderState(events.map((event) => ({ ...event, eventId: event._id })))!;
  // The resident as first matched: a later event cannot move an order to someone else.
  const matched = events
    .filter((event) => event.residentId)
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a._id < b._id ? -1 : 1))[0];
  return {
    residentId: matched?.residentId ?? null,
    communityId: matched?.communityId ?? null,
    storeId: derived.details.storeId,
    lines: derived.details.lines.map(({ productId, quantity, amountCents }) => ({ productId, quantity, amountCents })),
    totalCents: derived.details.totalCents,
    state: derived.state,
    placedAt: derived.placedAt,
    paidAt: derived.paidAt,
    completedAt: derived.completedAt,
    cancelledAt: derived.cancelledAt,
    refundedAt: derived.refundedAt,
    lastEventAt: derived.lastEventAt,
    derivedFrom: fingerprint(events),
    updatedAt: now,
  };
}

/**
 * Orders from the chain's O2O order system and what they earn.
 *
 * Every status event is stored once, keyed by its eventId; an order's state is derived from the set
 * of its events by a pure rule (`deriveOrderState`), so events may arrive late, twice or in any
 * order. The `orders` document mirrors that derivation and each step after it is idempotent, so
 * running `settle` again (a redelivery, `repair`) finishes whatever a crash interrupted:
 *
 * - completed: order points (`order:<id>:reward`), task event `order_completed`, the order's
 *   credit to its first and last touch (`credits`, kept level with a later refund);
 * - completed, then refunded or cancelled: the order points are clawed back;
 * - either way: the resident's `firstOrderAt` is recomputed from their completed orders, and for the
 *   earliest one the task event `first_order` and the invite's qualifying action are recorded.
 */
export class OrderService {
  private readonly residentChanges = new ResidentChangeListeners();

  constructor(private readonly deps: OrderServiceDeps) {
    for (const listener of deps.onResidentChanged ?? []) this.residentChanges.add(listener, deps.logger);
  }

  /**
   * One webhook delivery. Stores the event (a redelivery with the same eventId stores nothing and
   * gets the same answer; a different body under that eventId is a 409), then settles the order.
   * An unknown resident still stores the order, with no resident (`matched: false`).
   */
  async receive(event: OrderWebhookEvent, now = new Date()): Promise<OrderWebhookResult> {
    const resident = await this.findResident(event);
    const occurredAt = new Date(event.occurredAt);
    const content = { ...event, occurredAt: occurredAt.toISOString() };
    const record = {
      _id: event.eventId,
      orderId: event.orderId,
      status: event.status,
      occurredAt,
      storeId: toObjectId(event.storeId),
      residentId: resident?._id ?? null,
      residentOpenid: event.residentOpenid ?? null,
      communityId: resident?.communityId ?? null,
      lines: event.lines,
      totalCents: event.totalCents,
      payloadHash: contentHash(content),
      receivedAt: now,
    };
    let stored: Pick<OrderEventRecord, '_id' | 'orderId' | 'status' | 'residentId'> = record;
    let duplicate = false;
    try {
      await OrderEventModel.create(record);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await OrderEventModel.findById(event.eventId).lean<OrderEventRecord>();
      if (!existing) throw error;
      if (existing.payloadHash !== record.payloadHash) {
        throw new AppError('WEBHOOK_EVENT_CONFLICT', '这个订单事件编号已经用过，但内容不同', 409, { eventId: event.eventId });
      }
      stored = existing;
      duplicate = true;
    }
    await this.settle(stored.orderId, now);
    return {
      eventId: stored._id,
      orderId: stored.orderId,
      status: stored.status,
      matched: Boolean(stored.residentId),
      residentId: idString(stored.residentId),
      duplicate,
    };
  }

  /**
   * Brings an order up to date with its events and applies what follows from its state. Safe to
   * run any number of times, concurrently too; returns null for an order with no events.
   */
  async settle(orderId: string, now = new Date()): Promise<OrderRecord | null> {
    const order = await this.mirror(orderId, now);
    if (!order) return null;
    if (order.residentId) {
      if (order.completedAt) await this.settlePoints(order);
      if (order.completedAt) await this.deps.credits?.creditOrder(order, now);
      await this.refreshFirstOrder(order.residentId);
      // After the first order is settled: the invite's next-month repurchase tier reads it.
      await this.deps.invites.onOrderSettled(order.residentId, now);
      this.residentChanges.notify(order.residentId, `order:${order.state}`);
    }
    return order;
  }

  /**
   * Attaches orders that arrived before their resident registered (matched by openid) and settles
   * them. Call it after a resident is created; it does nothing when there is nothing to match.
   */
  async matchResident(residentId: Types.ObjectId): Promise<{ orders: number }> {
    const resident = await ResidentModel.findById(residentId, { openid: 1, communityId: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');
    const waiting = await OrderEventModel.find({ residentOpenid: resident.openid, residentId: null }, { orderId: 1 }).lean();
    if (waiting.length === 0) return { orders: 0 };
    await OrderEventModel.updateMany(
      { residentOpenid: resident.openid, residentId: null },
      { $set: { residentId: resident._id, communityId: resident.communityId ?? null } },
    );
    const orderIds = [...new Set(waiting.map((event) => event.orderId))];
    for (const orderId of orderIds) await this.settle(orderId);
    return { orders: orderIds.length };
  }

  /** Settles every order with events received since `since` (a repair job's sweep after an outage). */
  async repair(since: Date): Promise<{ orders: number }> {
    const orderIds: string[] = await OrderEventModel.distinct('orderId', { receivedAt: { $gte: since } });
    for (const orderId of orderIds) await this.settle(orderId);
    return { orders: orderIds.length };
  }

  /** The resident's latest orders, newest first, with store and product names (for the mini-program and the bot). */
  async listForResident(residentId: Types.ObjectId, limit: number): Promise<Order[]> {
    // An equality filter, sorted here: the embedded database scans the whole collection for sorted queries.
    const orders = await OrderModel.find({ residentId }).lean<OrderRecord[]>();
    const latest = orders.sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime() || (a._id < b._id ? 1 : -1)).slice(0, limit);
    return this.views(latest);
  }

  /** The resident's latest orders with the points each earned (「我的订单」). */
  async listMine(residentId: Types.ObjectId, limit: number): Promise<MyOrder[]> {
    const orders = await this.listForResident(residentId, limit);
    const earned = await PointEntryModel.find({ source: 'order', sourceId: { $in: orders.map((order) => order.id) }, 'intent.kind': 'earn' }, { sourceId: 1, applied: 1 }).lean<PointEntryRecord[]>();
    const clawedBack = new Set(
      (await PointEntryModel.find({ idempotencyKey: { $in: earned.map((entry) => `clawback:${entry._id}`) } }, { 'intent.targetId': 1 }).lean<PointEntryRecord[]>()).map((entry) => entry.intent.targetId),
    );
    const byOrder = new Map(earned.map((entry) => [entry.sourceId, entry]));
    return orders.map((order) => {
      const entry = byOrder.get(order.id);
      const taken = entry ? clawedBack.has(String(entry._id)) : false;
      const points = entry && !taken ? Math.max(0, entry.applied?.amount ?? 0) : 0;
      const expected = orderRewardPoints(order.totalCents, this.deps.config.ORDER_POINTS_PER_YUAN);
      const pointsText =
        points > 0 ? `+${points} 积分` : taken ? '积分已扣回' : order.state === 'paid' && expected > 0 ? `完成后得 ${expected} 积分` : '不计积分';
      return { ...order, pointsEarned: points, pointsText };
    });
  }

  /**
   * Orders in the staff member's scope, newest first: an advisor's own residents' orders, a store's
   * for its manager, the city's for city ops, all for admins; optionally one store and a time range
   * on when the order was placed.
   */
  async listForStaff(staff: StaffPrincipal, query: StaffOrderQuery): Promise<Order[]> {
    const conditions: Record<string, unknown>[] = [];
    if (query.storeId) conditions.push({ storeId: (await assertStoreAccess(staff, toObjectId(query.storeId)))._id });
    if (staff.role === 'advisor') {
      conditions.push({ residentId: { $in: await residentRepository.idsInScope(staff) } });
    } else {
      conditions.push(await storeFilter(staff));
    }
    if (query.from || query.to) {
      conditions.push({ placedAt: { ...(query.from ? { $gte: new Date(query.from) } : {}), ...(query.to ? { $lt: new Date(query.to) } : {}) } });
    }
    const orders = await OrderModel.find({ $and: conditions }).sort({ placedAt: -1, _id: -1 }).limit(query.limit).lean<OrderRecord[]>();
    return this.views(orders);
  }

  private async findResident(event: OrderWebhookEvent) {
    const fields = { openid: 1, communityId: 1 };
    if (event.residentId) {
      const byId = await ResidentModel.findById(event.residentId, fields).lean();
      if (byId) return byId;
    }
    return event.residentOpenid ? ResidentModel.findOne({ openid: event.residentOpenid }, fields).lean() : null;
  }

  /**
   * Rebuilds the order document from its events until a read shows it matches them. Each writer
   * writes the whole mirror at once and checks again after writing, so a writer that raced with a
   * newer event (and wrote an older picture) sees that and writes again; the last write always
   * comes from the complete set of events.
   */
  private async mirror(orderId: string, now: Date): Promise<OrderRecord | null> {
    for (let attempt = 0; attempt < MAX_MIRROR_ATTEMPTS; attempt += 1) {
      const [events, stored] = await Promise.all([
        OrderEventModel.find({ orderId }).lean<OrderEventRecord[]>(),
        OrderModel.findById(orderId).lean<OrderRecord>(),
      ]);
      if (events.length === 0) return null;
      const fields = orderFields(events, now);
      if (stored?.derivedFrom === fields.derivedFrom) return stored;
      try {
        await OrderModel.updateOne({ _id: orderId }, { $set: fields }, { upsert: true });
      } catch (error) {
        // Two first writers both inserted: the other one won; read again.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new AppError('BUSY', '这笔订单同时有太多变更，请稍后重试', 503);
  }

  /** Order points for a completed order, and their clawback once it is refunded or cancelled. */
  private async settlePoints(order: OrderRecord): Promise<void> {
    if (order.state !== 'completed') {
      await this.clawBack(order);
      return;
    }
    await this.award(order);
    await this.deps.tasks.recordEvent({
      residentId: order.residentId!,
      type: 'order_completed',
      idempotencyKey: `order:${order._id}:completed`,
      occurredAt: order.completedAt!,
      source: 'server',
      meta: { orderId: order._id, storeId: String(order.storeId), totalCents: order.totalCents },
    });
    // A refund stored while the points were being awarded may have found nothing to claw back yet.
    const events = await OrderEventModel.find({ orderId: order._id }, { status: 1, occurredAt: 1 }).lean<Pick<OrderEventRecord, '_id' | 'status' | 'occurredAt'>[]>();
    const latest = deriveOrderState(events.map((event) => ({ ...event, eventId: event._id })));
    if (latest && latest.state !== 'completed') await this.clawBack({ ...order, state: latest.state });
  }

  /** Earns the order's points once; a repeat re-applies the same entry (with the amount first decided). */
  private async award(order: OrderRecord): Promise<PointEntryRecord | null> {
    const existing = await PointEntryModel.findOne({ idempotencyKey: rewardKey(order._id) }, { residentId: 1, intent: 1 }).lean<PointEntryRecord>();
    const amount = existing?.intent.amount ?? orderRewardPoints(order.totalCents, this.deps.config.ORDER_POINTS_PER_YUAN);
    if (amount <= 0) return null;
    return this.deps.points.earn({
      residentId: existing?.residentId ?? order.residentId!,
      amount,
      source: 'order',
      sourceId: order._id,
      idempotencyKey: rewardKey(order._id),
      reasonCode: 'order_reward',
      note: '订单奖励积分',
      now: order.completedAt ?? undefined,
    });
  }

  /**
   * Takes back the order's points. Only points that were earned are taken back: an order refunded
   * before its completion arrived never earns any. The award is applied first if a crash left it
   * half-done, since a clawback of an entry not yet applied would take nothing.
   */
  private async clawBack(order: OrderRecord): Promise<void> {
    const earned = await PointEntryModel.exists({ idempotencyKey: rewardKey(order._id) });
    if (!earned) return;
    await this.award(order);
    await this.deps.points.clawback('order', order._id, order.state === 'cancelled' ? '订单取消，积分已扣回' : '订单退款，积分已扣回');
  }

  /**
   * Sets the resident's `firstOrderAt` to their earliest completed order (null when none is left),
   * computed from all their completed orders, so arrival order and refunds cannot skew it. Before
   * writing a time it records that order as the first order (task event `first_order`, the invite's
   * qualifying action), so a stored `firstOrderAt` means those are done and a repeat skips them.
   * When no completed order is left (a refund), the first-order task and invite rewards are taken
   * back before clearing it; neither pays again for a later order.
   * The field is read back after writing, like `mirror`: the embedded database may lose a field
   * written at the same moment as another field of the resident (the points balance mirror).
   */
  private async refreshFirstOrder(residentId: Types.ObjectId): Promise<void> {
    for (let attempt = 0; attempt < MAX_MIRROR_ATTEMPTS; attempt += 1) {
      const [first, resident] = await Promise.all([this.earliestCompleted(residentId), ResidentModel.findById(residentId, { firstOrderAt: 1 }).lean()]);
      if (!resident) return;
      const firstOrderAt = first?.completedAt ?? null;
      if (sameInstant(resident.firstOrderAt, firstOrderAt)) return;
      if (first && firstOrderAt) {
        await this.deps.tasks.recordEvent({
          residentId,
          type: 'first_order',
          idempotencyKey: `first-order:${residentId}`,
          occurredAt: firstOrderAt,
          source: 'server',
          meta: { orderId: first._id, storeId: String(first.storeId) },
        });
        await this.deps.invites.onQualifyingAction(residentId, firstOrderAt);
      } else {
        // The only completed order was refunded or cancelled: the first-order task reward and the
        // invite reward it released go back.
        await this.deps.tasks.reverseRewards(residentId, 'first_order', '首单已退款，首单任务奖励已收回');
        await this.deps.invites.onQualifyingActionReversed(residentId);
      }
      await ResidentModel.updateOne({ _id: residentId }, { $set: { firstOrderAt } });
    }
    throw new AppError('BUSY', '这位居民的订单同时有太多变更，请稍后重试', 503);
  }

  private async earliestCompleted(residentId: Types.ObjectId): Promise<Pick<OrderRecord, '_id' | 'completedAt' | 'storeId'> | null> {
    const completed = await OrderModel.find({ residentId, state: 'completed' }, { completedAt: 1, storeId: 1 }).lean<Pick<OrderRecord, '_id' | 'completedAt' | 'storeId'>[]>();
    return (
      completed
        .filter((order) => order.completedAt)
        .sort((a, b) => a.completedAt!.getTime() - b.completedAt!.getTime() || (a._id < b._id ? -1 : 1))[0] ?? null
    );
  }

  private async views(orders: OrderRecord[]): Promise<Order[]> {
    if (orders.length === 0) return [];
    const storeIds = [...new Set(orders.map((order) => String(order.storeId)))];
    const productIds = [...new Set(orders.flatMap((order) => order.lines.map((line) => line.productId)))];
    const [stores, products] = await Promise.all([
      StoreModel.find({ _id: { $in: storeIds } }, { name: 1 }).lean(),
      productIds.length > 0 ? ProductModel.find({ _id: { $in: productIds } }, { name: 1 }).lean() : [],
    ]);
    const storeNames = new Map(stores.map((store) => [String(store._id), store.name]));
    const productNames = new Map(products.map((product) => [String(product._id), product.name]));
    return orders.map((order) => ({
      id: order._id,
      residentId: idString(order.residentId),
      storeId: String(order.storeId),
      storeName: storeNames.get(String(order.storeId)) ?? null,
      communityId: idString(order.communityId),
      state: order.state,
      stateText: ORDER_STATE_TEXT[order.state],
      lines: order.lines.map((line) => ({ productId: line.productId, quantity: line.quantity, amountCents: line.amountCents, name: productNames.get(line.productId) ?? null })),
      totalCents: order.totalCents,
      placedAt: order.placedAt.toISOString(),
      paidAt: isoString(order.paidAt),
      completedAt: isoString(order.completedAt),
      cancelledAt: isoString(order.cancelledAt),
      refundedAt: isoString(order.refundedAt),
      updatedAt: order.updatedAt.toISOString(),
    }));
  }
}
