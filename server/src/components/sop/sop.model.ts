import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { SOP_CHANNELS, SOP_JOURNEY_EVENTS, SOP_PLAN_KINDS } from '@o2o/shared/schemas/sop';

/** A mini-program card sent after an SOP message's text. */
const cardSchema = new Schema({ title: { type: String, required: true }, pagePath: { type: String, required: true } }, { _id: false });

/** A content plan (SOP): what to say, to whom, when. Edited by `$set` (last writer wins). */
const planSchema = new Schema(
  {
    kind: { type: String, enum: SOP_PLAN_KINDS, required: true },
    name: { type: String, required: true },
    text: { type: String, required: true },
    card: { type: cardSchema, default: null },
    storeId: { type: Schema.Types.ObjectId, default: null, index: true },
    cityId: { type: Schema.Types.ObjectId, default: null },
    groupId: { type: Schema.Types.ObjectId, default: null },
    event: { type: String, enum: [...SOP_JOURNEY_EVENTS, null], default: null },
    days: { type: Number, default: null },
    channel: { type: String, enum: [...SOP_CHANNELS, null], default: null },
    weekdays: { type: [Number], default: [] },
    time: { type: String, default: null },
    active: { type: Boolean, default: true, index: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
export const SopPlanModel = model('SopPlan', planSchema, 'sop_plans');
export type SopPlanRecord = InferSchemaType<typeof planSchema> & { _id: Types.ObjectId; createdAt: Date };

/**
 * One plan's message to one target at one occurrence, keyed like its delivery:
 * `sop:<planId>:wx:<wxid>` (joined the group), `sop:<planId>:r:<residentId>` (registered, first
 * order), `sop:<planId>:r:<residentId>:<orderId>` (no order since that one: once per lapse), and
 * `sop:<planId>:g:<groupId>:<2026-12-04T18:00>` (calendar). Created by unique insert before its
 * delivery, so a rerun or a crash never makes a second one; `queuedAt` mirrors that the delivery
 * was inserted (a run repairs any dispatch left without one). `skippedReason` mirrors why the send
 * check withdrew it.
 */
const dispatchSchema = new Schema({
  _id: { type: String },
  planId: { type: Schema.Types.ObjectId, required: true, index: true },
  groupId: { type: Schema.Types.ObjectId, required: true },
  roomId: { type: String, required: true },
  wxid: { type: String, default: null },
  residentId: { type: Schema.Types.ObjectId, default: null },
  /** The event the plan is relative to (joined, registered, first or last order); the slot for calendar plans. */
  anchorAt: { type: Date, required: true },
  toWxid: { type: String, default: null },
  mentionWxids: { type: [String], default: [] },
  text: { type: String, required: true },
  /** The plan's card when the dispatch was made (like `text`, later edits do not change it). */
  card: { type: cardSchema, default: null },
  dueAt: { type: Date, required: true },
  createdAt: { type: Date, required: true },
  queuedAt: { type: Date, default: null, index: true },
  skippedReason: { type: String, default: null },
});
export const SopDispatchModel = model('SopDispatch', dispatchSchema, 'sop_dispatches');
export type SopDispatchRecord = InferSchemaType<typeof dispatchSchema> & { _id: string };
