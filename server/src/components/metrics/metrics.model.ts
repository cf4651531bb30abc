import { Schema, model } from 'mongoose';

/**
 * Precomputed counts, ONE document per period and metric, keyed `<period>|<metric>` (see
 * `rollupId`), holding the counts of every dimension value in `rows` (keyed `<dimension>|<value>`,
 * see `rollupRowKey`). A rollup replaces the whole document from raw data, so rerunning a period
 * gives the same document, and a reader never sees half of a period's values.
 *
 * One document per period (rather than per value) because the embedded database answers only
 * `_id` equality lookups quickly: a month-range query is ~31 `findById` calls whatever the
 * number of stores, communities or advisors.
 *
 * metrics: `cohort` (per registration day: registrations, converted7, converted30), `activity`
 * (per day: firstOrders, completedOrders, orderingResidents, revenueCents, activeResidents,
 * activeNew, activeOld), `repurchase` (per month M: base, repurchased, newBase, newRepurchased),
 * `active_week` (per Monday) and `active_month` (per month): active, and `consumers` (per day,
 * cumulative at the end of that day: registered, consumers).
 */
const metricRollupSchema = new Schema(
  {
    _id: { type: String },
    period: { type: String, required: true },
    metric: { type: String, required: true },
    rows: { type: Schema.Types.Mixed, required: true },
    computedAt: { type: Date, required: true },
    /** True for the `metrics-today` job's rollup of a day still running; the nightly job writes the final one. */
    partial: { type: Boolean, default: false },
  },
  { versionKey: false, minimize: false },
);
export const MetricRollupModel = model('MetricRollup', metricRollupSchema, 'metric_rollups');
export interface MetricRollupRecord {
  _id: string;
  period: string;
  metric: string;
  rows: Record<string, Record<string, number>>;
  computedAt: Date;
  partial?: boolean;
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
