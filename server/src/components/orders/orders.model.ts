import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { ORDER_STATUSES } from '@o2o/shared/schemas/orders';

const lineSchema = new Schema(
  {
    productId: { type: String, required: true },
    quantity: { type: Number, required: true },
    amountCents: { type: Number, required: true },
  },
  { _id: false },
);

/**
 * One status event from the order system, keyed by its `eventId`: the facts an order's state is
 * derived from. Inserted once (a redelivery finds it and checks the body is the same); the resident
 * is resolved when it arrives (null when the openid is not registered yet, until a match).
 */
const orderEventSchema = new Schema({
  _id: { type: String },
  orderId: { type: String, required: true, index: true },
  status: { type: String, enum: ORDER_STATUSES, required: true },
  occurredAt: { type: Date, required: true },
  storeId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, default: null },
  residentOpenid: { type: String, default: null },
  /** The resident's community when the event arrived (metrics group orders by it). */
  communityId: { type: Schema.Types.ObjectId, default: null },
  lines: { type: [lineSchema], default: [] },
  totalCents: { type: Number, required: true },
  /** SHA-256 of the event's content: the same eventId with another body is refused. */
  payloadHash: { type: String, required: true },
  receivedAt: { type: Date, required: true, index: true },
});
orderEventSchema.index({ residentOpenid: 1, residentId: 1 });
export const OrderEventModel = model('OrderEvent', orderEventSchema, 'order_events');
export type OrderEventRecord = InferSchemaType<typeof orderEventSchema> & { _id: string };

/**
 * An order, keyed by the order system's order id: a mirror of its events, rebuilt from them by
 * `OrderService.settle` (`derivedFrom` fingerprints the events it was built from). `completedAt` is
 * when it was completed and stays after a refund; only `state: 'completed'` counts as completed, so
 * metrics filter on both.
 */
const orderSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, default: null },
  storeId: { type: Schema.Types.ObjectId, required: true },
  communityId: { type: Schema.Types.ObjectId, default: null },
  lines: { type: [lineSchema], default: [] },
  totalCents: { type: Number, required: true },
  state: { type: String, enum: ORDER_STATUSES, required: true },
  placedAt: { type: Date, required: true },
  paidAt: { type: Date, default: null },
  completedAt: { type: Date, default: null },
  cancelledAt: { type: Date, default: null },
  refundedAt: { type: Date, default: null },
  lastEventAt: { type: Date, required: true },
  derivedFrom: { type: String, required: true },
  updatedAt: { type: Date, required: true },
});
orderSchema.index({ storeId: 1, completedAt: 1 });
orderSchema.index({ residentId: 1, completedAt: 1 });
orderSchema.index({ communityId: 1, completedAt: 1 });
orderSchema.index({ state: 1, completedAt: 1 });
orderSchema.index({ refundedAt: 1 });
orderSchema.index({ cancelledAt: 1 });
orderSchema.index({ storeId: 1, placedAt: -1 });
export const OrderModel = model('Order', orderSchema, 'orders');
export type OrderRecord = InferSchemaType<typeof orderSchema> & { _id: string; residentId: Types.ObjectId | null };
