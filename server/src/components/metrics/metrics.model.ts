import { Schema, model, type Types } from 'mongoose';

/**
 * Precomputed counts, one document per period, metric, dimension and value, keyed
 * `<period>|<metric>|<dimension>|<value>` (see `rollupId`). A rollup rewrites whole documents
 * with `$set` + upsert from raw data, so rerunning a period gives the same documents; API range
 * queries read them by `_id`.
 *
 * metrics: `cohort` (per registration day: registrations, converted7, converted30), `activity`
 * (per day: firstOrders, completedOrders, orderingResidents, revenueCents, activeResidents,
 * activeNew, activeOld), `repurchase` (per month M: base, repurchased, newBase, newRepurchased),
 * `active_week` (per Monday) and `active_month` (per month): active.
 */
const metricRollupSchema = new Schema(
  {
    _id: { type: String },
    period: { type: String, required: true },
    metric: { type: String, required: true },
    dimension: { type: String, required: true },
    value: { type: String, required: true },
    counts: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
metricRollupSchema.index({ period: 1, metric: 1 });
export const MetricRollupModel = model('MetricRollup', metricRollupSchema, 'metric_rollups');
export interface MetricRollupRecord {
  _id: string;
  period: string;
  metric: string;
  dimension: string;
  value: string;
  counts: Record<string, number>;
}

/** When a period rollup (repurchase, weekly/monthly active) was last computed: `<period>|<metric>`. */
const metricRollupRunSchema = new Schema({ _id: { type: String }, computedAt: { type: Date, required: true } }, { versionKey: false });
export const MetricRollupRunModel = model('MetricRollupRun', metricRollupRunSchema, 'metric_rollup_runs');

/**
 * Consumer residents (at least one completed order), keyed by resident id, with the first-touch
 * dimensions penetration and advisor progress count by. Rewritten by the daily rollup for every
 * resident whose orders changed that day (completed, refunded or cancelled), and deleted when
 * a refund leaves a resident with no completed order.
 */
const metricConsumerSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId },
    firstCompletedAt: { type: Date, required: true },
    firstDay: { type: String, required: true },
    storeId: { type: Schema.Types.ObjectId, default: null },
    communityId: { type: Schema.Types.ObjectId, default: null },
    advisorId: { type: Schema.Types.ObjectId, default: null },
  },
  { versionKey: false },
);
metricConsumerSchema.index({ communityId: 1 });
metricConsumerSchema.index({ advisorId: 1 });
metricConsumerSchema.index({ storeId: 1 });
export const MetricConsumerModel = model('MetricConsumer', metricConsumerSchema, 'metric_consumers');
export interface MetricConsumerRecord {
  _id: Types.ObjectId;
  firstCompletedAt: Date;
  firstDay: string;
  storeId: Types.ObjectId | null;
  communityId: Types.ObjectId | null;
  advisorId: Types.ObjectId | null;
}

/** A biweekly review, keyed by its period `<from>_<to>`; the body is the `Review` schema. */
const metricReviewSchema = new Schema(
  {
    _id: { type: String },
    from: { type: String, required: true },
    to: { type: String, required: true },
    createdAt: { type: Date, required: true },
    body: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
metricReviewSchema.index({ to: -1 });
export const MetricReviewModel = model('MetricReview', metricReviewSchema, 'metric_reviews');
