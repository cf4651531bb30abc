import { z } from 'zod';
import { objectIdSchema } from './common';
import { productIdSchema } from './products';

/** What the order system reports about an order; each report is one status event. */
export const ORDER_STATUSES = ['paid', 'completed', 'cancelled', 'refunded'] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/** An order's current state, derived from all its status events (see `deriveOrderState`). */
export type OrderState = OrderStatus;

export const ORDER_STATE_TEXT: Record<OrderState, string> = {
  paid: '已支付',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
};

/** Ids from the order system: letters, digits and _.:- (they become keys and `_id`s). */
export const externalIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, '1-100 letters, digits and _.:-');

const isoInstant = z.iso.datetime({ offset: true });

export const orderLineSchema = z.object({
  productId: productIdSchema,
  quantity: z.number().int().min(1).max(10_000),
  /** What the line cost after discounts, in cents. */
  amountCents: z.number().int().min(0).max(100_000_000),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

/**
 * The body of `POST /orders/webhook`, one status event of one order. `eventId` is unique per event
 * (a retried delivery repeats it); the resident is named by openid or by our resident id.
 */
export const orderWebhookSchema = z
  .object({
    eventId: externalIdSchema,
    orderId: externalIdSchema,
    residentOpenid: z.string().max(128).trim().min(1).optional(),
    residentId: objectIdSchema.optional(),
    storeId: objectIdSchema,
    status: orderStatusSchema,
    occurredAt: isoInstant,
    lines: z.array(orderLineSchema).max(500),
    totalCents: z.number().int().min(0).max(100_000_000),
  })
  .refine((body) => Boolean(body.residentOpenid || body.residentId), { message: 'give residentOpenid or residentId', path: ['residentOpenid'] });
export type OrderWebhookEvent = z.infer<typeof orderWebhookSchema>;

/**
 * What a delivery answers: the same body for every delivery of one event (a retry says
 * `duplicate: true`). `matched` is false when the resident is not registered (yet): the order is
 * kept with no resident, and the status is 202.
 */
export const orderWebhookResultSchema = z.object({
  eventId: z.string(),
  orderId: z.string(),
  status: orderStatusSchema,
  matched: z.boolean(),
  residentId: objectIdSchema.nullable(),
  duplicate: z.boolean(),
});
export type OrderWebhookResult = z.infer<typeof orderWebhookResultSchema>;

export const orderViewLineSchema = orderLineSchema.extend({
  /** The product's name from the catalogue; null for a product it does not know. */
  name: z.string().nullable(),
});

export const orderSchema = z.object({
  id: z.string(),
  residentId: objectIdSchema.nullable(),
  storeId: objectIdSchema,
  storeName: z.string().nullable(),
  communityId: objectIdSchema.nullable(),
  state: orderStatusSchema,
  /** The state in Chinese, e.g. 已完成. */
  stateText: z.string(),
  lines: z.array(orderViewLineSchema),
  totalCents: z.number().int(),
  placedAt: z.string(),
  paidAt: z.string().nullable(),
  /** When it was completed; kept after a refund or cancellation, when it no longer counts. */
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  refundedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type Order = z.infer<typeof orderSchema>;

/** An order as its resident sees it: with the points it earned (0 once a refund took them back). */
export const myOrderSchema = orderSchema.extend({
  pointsEarned: z.number().int(),
  /** e.g. +35 积分 / 积分已扣回 / 不计积分 */
  pointsText: z.string(),
});
export type MyOrder = z.infer<typeof myOrderSchema>;

export const myOrdersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

export const orderListQuerySchema = z
  .object({
    storeId: objectIdSchema.optional(),
    /** Orders placed at or after. */
    from: isoInstant.optional(),
    /** Orders placed before (exclusive). */
    to: isoInstant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), { message: '结束时间要晚于开始时间', path: ['to'] });

/** One status event as the state rule needs it. */
export interface OrderStatusEvent {
  eventId: string;
  status: OrderStatus;
  occurredAt: Date;
}

export interface DerivedOrderState<E extends OrderStatusEvent> {
  state: OrderState;
  /** The earliest event of each status, or null. */
  paidAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  refundedAt: Date | null;
  /** The earliest event of any status. */
  placedAt: Date;
  lastEventAt: Date;
  /** True only for a completed order that was neither cancelled nor refunded. */
  countsAsCompleted: boolean;
  /** The event whose lines, total and store describe the order: the completed one, else the paid one, else the earliest. */
  details: E;
}

/** refunded > cancelled > completed > paid: a later stage always wins, whatever order events arrive in. */
const PRECEDENCE: Record<OrderStatus, number> = { paid: 1, completed: 2, cancelled: 3, refunded: 4 };

const earlier = <E extends OrderStatusEvent>(a: E, b: E): number => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * An order's state from the set of its status events. It depends on the set only, never on the
 * order the events arrived in, so out-of-order and repeated deliveries cannot corrupt it: the
 * status of highest precedence wins, and each timestamp is the earliest event of its status.
 * Returns null for no events.
 */
export function deriveOrderState<E extends OrderStatusEvent>(events: readonly E[]): DerivedOrderState<E> | null {
  if (events.length === 0) return null;
  const sorted = [...events].sort(earlier);
  const first = (status: OrderStatus) => sorted.find((event) => event.status === status) ?? null;
  const state = sorted.reduce<OrderStatus>((best, event) => (PRECEDENCE[event.status] > PRECEDENCE[best] ? event.status : best), sorted[0].status);
  const completed = first('completed');
  const paid = first('paid');
  return {
    state,
    paidAt: paid?.occurredAt ?? null,
    completedAt: completed?.occurredAt ?? null,
    cancelledAt: first('cancelled')?.occurredAt ?? null,
    refundedAt: first('refunded')?.occurredAt ?? null,
    placedAt: sorted[0].occurredAt,
    lastEventAt: sorted[sorted.length - 1].occurredAt,
    countsAsCompleted: state === 'completed',
    details: completed ?? paid ?? sorted[0],
  };
}

/** Points an order earns: whole yuan times the rate, rounded down (with a tolerance for float error). */
export function orderRewardPoints(totalCents: number, pointsPerYuan: number): number {
  return Math.max(0, Math.floor((totalCents * pointsPerYuan) / 100 + 1e-9));
}
