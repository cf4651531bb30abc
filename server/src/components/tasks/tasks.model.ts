import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { TASK_EVENT_SOURCES, TASK_EVENT_TYPES, TASK_KINDS, TASK_PERIOD_KINDS } from '@o2o/shared/schemas/tasks';

/** What a task asks for, what it pays and whom it applies to. Written by staff, read on every event. */
const taskDefinitionSchema = new Schema(
  {
    kind: { type: String, enum: TASK_KINDS, required: true },
    eventType: { type: String, enum: TASK_EVENT_TYPES, required: true },
    target: { type: Number, required: true },
    period: {
      type: new Schema(
        {
          kind: { type: String, enum: TASK_PERIOD_KINDS, required: true },
          startsAt: { type: Date, default: null },
          endsAt: { type: Date, default: null },
        },
        { _id: false },
      ),
      required: true,
    },
    rewardPoints: { type: Number, required: true },
    newbieWindowDays: { type: Number, default: null },
    storeId: { type: Schema.Types.ObjectId, default: null },
    cityId: { type: Schema.Types.ObjectId, default: null },
    /** Special tasks only: shown to and counted for the members of this audience only. */
    audienceId: { type: Schema.Types.ObjectId, default: null },
    active: { type: Boolean, required: true },
    displayOrder: { type: Number, default: 0 },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    nextStep: { type: String, required: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
taskDefinitionSchema.index({ eventType: 1, active: 1 });
taskDefinitionSchema.index({ active: 1, kind: 1, displayOrder: 1 });
export const TaskDefinitionModel = model('TaskDefinition', taskDefinitionSchema, 'task_definitions');
export type TaskDefinitionRecord = InferSchemaType<typeof taskDefinitionSchema> & { _id: Types.ObjectId };

/**
 * Something a resident did, stored once per idempotency key. `counts` are the task periods it
 * counts toward, decided when it was first stored, so a retry finishes exactly that work even if
 * the tasks were edited since.
 */
const taskEventSchema = new Schema({
  residentId: { type: Schema.Types.ObjectId, required: true },
  type: { type: String, enum: TASK_EVENT_TYPES, required: true },
  idempotencyKey: { type: String, required: true, unique: true },
  occurredAt: { type: Date, required: true },
  source: { type: String, enum: TASK_EVENT_SOURCES, required: true },
  meta: { type: Schema.Types.Mixed, default: null },
  /** The resident's store when the event happened (reports filter by it without a join). */
  storeId: { type: Schema.Types.ObjectId, default: null },
  counts: {
    type: [new Schema({ taskId: { type: Schema.Types.ObjectId, required: true }, periodKey: { type: String, required: true } }, { _id: false })],
    default: [],
  },
  recordedAt: { type: Date, required: true },
});
taskEventSchema.index({ residentId: 1, type: 1, occurredAt: -1 });
// The nightly metrics job finds events recorded late (occurredAt before its window) by this.
taskEventSchema.index({ recordedAt: 1 });
export const TaskEventModel = model('TaskEvent', taskEventSchema, 'task_events');
export type TaskEventRecord = InferSchemaType<typeof taskEventSchema> & { _id: Types.ObjectId };

/**
 * One event counted toward one task in one period. Progress is the number of marks: the unique key
 * makes an event count at most once, and counting inserted marks (never `$inc`) stays exact under
 * concurrency on a database that does not serialise read-modify-write updates.
 */
const taskProgressMarkSchema = new Schema({
  taskId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  periodKey: { type: String, required: true },
  eventId: { type: Schema.Types.ObjectId, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  occurredAt: { type: Date, required: true },
});
taskProgressMarkSchema.index({ taskId: 1, residentId: 1, periodKey: 1, eventId: 1 }, { unique: true });
taskProgressMarkSchema.index({ residentId: 1, periodKey: 1 });
taskProgressMarkSchema.index({ storeId: 1, occurredAt: 1 });
export const TaskProgressMarkModel = model('TaskProgressMark', taskProgressMarkSchema, 'task_progress_marks');
export type TaskProgressMarkRecord = InferSchemaType<typeof taskProgressMarkSchema> & { _id: Types.ObjectId };

/** A task completed by a resident in a period, written after its reward was awarded; at most one per period. */
const taskCompletionSchema = new Schema({
  taskId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  periodKey: { type: String, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  rewardPoints: { type: Number, required: true },
  /** The points entry of the reward (null for a task without a reward). */
  pointEntryId: { type: Schema.Types.ObjectId, default: null },
  completedAt: { type: Date, required: true },
});
taskCompletionSchema.index({ taskId: 1, residentId: 1, periodKey: 1 }, { unique: true });
taskCompletionSchema.index({ residentId: 1, periodKey: 1 });
taskCompletionSchema.index({ storeId: 1, completedAt: 1 });
export const TaskCompletionModel = model('TaskCompletion', taskCompletionSchema, 'task_completions');
export type TaskCompletionRecord = InferSchemaType<typeof taskCompletionSchema> & { _id: Types.ObjectId };

/** A resident was shown a task for a period (the first step of the review funnel); at most one per period. */
const taskViewSchema = new Schema({
  taskId: { type: Schema.Types.ObjectId, required: true },
  residentId: { type: Schema.Types.ObjectId, required: true },
  periodKey: { type: String, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  seenAt: { type: Date, required: true },
});
taskViewSchema.index({ taskId: 1, residentId: 1, periodKey: 1 }, { unique: true });
taskViewSchema.index({ residentId: 1, periodKey: 1 });
taskViewSchema.index({ storeId: 1, seenAt: 1 });
export const TaskViewModel = model('TaskView', taskViewSchema, 'task_views');
export type TaskViewRecord = InferSchemaType<typeof taskViewSchema> & { _id: Types.ObjectId };
