import { Schema, model } from 'mongoose';

/**
 * One month's scorecard counts of one dimension, `_id` `<YYYY-MM>|<dimension>`, written only by
 * the scorecard rollup (nightly job, backfills): rewritten whole, so a rerun stores the same
 * document. `rows` maps `<storeId>|<value>` (storeId `-` when the resident or order has none) to
 * the counts in `SCORECARD_FIELDS` order, kept per store so managers and city ops sum only theirs.
 * One document per dimension keeps each small (the inviter dimension has a row per inviter).
 */
const scorecardRollupSchema = new Schema(
  {
    _id: { type: String },
    month: { type: String, required: true },
    dimension: { type: String, required: true },
    rows: { type: Schema.Types.Mixed, required: true },
    computedAt: { type: Date, required: true },
  },
  { minimize: false },
);
export const ScorecardRollupModel = model('ScorecardRollup', scorecardRollupSchema, 'scorecard_rollups');

export interface ScorecardRollupRecord {
  _id: string;
  month: string;
  dimension: string;
  rows: Record<string, number[]>;
  computedAt: Date;
}
