import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { TOUCH_KINDS } from '@o2o/shared/rules/order-credit';
import { ORDER_STATUSES } from '@o2o/shared/schemas/orders';

/**
 * A resident opening the mini-program from a link that names what it came from (a group
 * broadcast's card, a subscribe-message push, a resident's share), keyed by the app's touchId so
 * a retried report is stored once. `at` is when the server received it: the client's clock is
 * not trusted for crediting.
 */
const linkTouchSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true, index: true },
  kind: { type: String, enum: TOUCH_KINDS, required: true },
  refId: { type: Schema.Types.ObjectId, default: null },
  groupId: { type: Schema.Types.ObjectId, default: null },
  sharerId: { type: Schema.Types.ObjectId, default: null },
  /** The WeChat group the link was opened in (decrypted `opengid`), when WeChat gave one. */
  opengid: { type: String, default: null },
  at: { type: Date, required: true },
});
export const LinkTouchModel = model('LinkTouch', linkTouchSchema, 'link_touches');
export type LinkTouchRecord = InferSchemaType<typeof linkTouchSchema> & { _id: string; residentId: Types.ObjectId };

/**
 * Which of our groups a WeChat `opengid` is, learnt when a broadcast card the bot posted in a
 * known group is opened with that group's shareTicket. Inserted once: the first learning stays.
 */
const groupOpengidSchema = new Schema({
  _id: { type: String }, // opengid
  groupId: { type: Schema.Types.ObjectId, required: true },
  learntFrom: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
export const GroupOpengidModel = model('GroupOpengid', groupOpengidSchema, 'group_opengids');

const firstTouchSchema = new Schema(
  {
    source: { type: String, default: null },
    codeId: { type: Schema.Types.ObjectId, default: null },
    codeType: { type: String, default: null },
    storeId: { type: Schema.Types.ObjectId, default: null },
    advisorId: { type: Schema.Types.ObjectId, default: null },
    channelId: { type: Schema.Types.ObjectId, default: null },
    campaignId: { type: Schema.Types.ObjectId, default: null },
    placementId: { type: Schema.Types.ObjectId, default: null },
    inviterResidentId: { type: Schema.Types.ObjectId, default: null },
  },
  { _id: false },
);

/**
 * One completed order's credit, keyed by the order id: the resident's first touch (their sign-up
 * attribution, copied) and the last touch before the order inside the window (null when none),
 * kept side by side and never mixed. Created once when the order completes; later settles only
 * bring `state` along (a refund), so a rerun changes nothing. The flat `groupId`, `storeId` and
 * `day` are top-level equality keys the embedded database can push down.
 */
const orderCreditSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  storeId: { type: Schema.Types.ObjectId, required: true },
  state: { type: String, enum: ORDER_STATUSES, required: true },
  totalCents: { type: Number, required: true },
  placedAt: { type: Date, required: true },
  completedAt: { type: Date, required: true },
  /** The China day of `completedAt`, YYYY-MM-DD (named `day` like the group collections, so group stats count it the same way). */
  day: { type: String, required: true },
  first: { type: firstTouchSchema, required: true },
  /** The last touch's id, kind and what it names; all null when no touch was inside the window. */
  touchId: { type: String, default: null },
  touchKind: { type: String, enum: [...TOUCH_KINDS, null], default: null },
  touchedAt: { type: Date, default: null },
  refId: { type: Schema.Types.ObjectId, default: null },
  groupId: { type: Schema.Types.ObjectId, default: null },
  sharerId: { type: Schema.Types.ObjectId, default: null },
  windowHours: { type: Number, required: true },
  createdAt: { type: Date, required: true },
});
orderCreditSchema.index({ groupId: 1, day: 1 });
orderCreditSchema.index({ storeId: 1, day: 1 });
orderCreditSchema.index({ refId: 1 });
export const OrderCreditModel = model('OrderCredit', orderCreditSchema, 'order_credits');
export type OrderCreditRecord = InferSchemaType<typeof orderCreditSchema> & { _id: string };
