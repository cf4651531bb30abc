import { Schema, model, type Types } from 'mongoose';

const scoredProductSchema = new Schema({ productId: { type: String, required: true }, score: { type: Number, required: true } }, { _id: false });
const scoredCategorySchema = new Schema({ category: { type: String, required: true }, score: { type: Number, required: true } }, { _id: false });

/**
 * The interest-prediction label of one resident, keyed by the resident's id so every read is an
 * `_id` lookup: the products and categories they are most likely to want next, best first, with
 * scores from the last model rebuild (`modelId`). Written whole by the rebuild; a resident with no
 * usable history has no document.
 */
const residentInterestSchema = new Schema({
  _id: { type: Schema.Types.ObjectId },
  products: { type: [scoredProductSchema], default: [] },
  categories: { type: [scoredCategorySchema], default: [] },
  modelId: { type: String, required: true },
  builtAt: { type: Date, required: true },
  /** The resident's store and advisors (first-touch advisor and code owner) at build time, so audiences can be scoped while streaming. */
  storeId: { type: Schema.Types.ObjectId, default: null },
  advisorIds: { type: [Schema.Types.ObjectId], default: [] },
});
export const ResidentInterestModel = model('ResidentInterest', residentInterestSchema, 'resident_interests');
export interface ResidentInterestRecord {
  _id: Types.ObjectId;
  products: { productId: string; score: number }[];
  categories: { category: string; score: number }[];
  modelId: string;
  builtAt: Date;
  storeId?: Types.ObjectId | null;
  advisorIds?: Types.ObjectId[];
}

/**
 * One model rebuild, keyed by its modelId (`interest:<build time ISO>`, so a rerun for the same
 * time rewrites the same record): parameters, counts, timings and peak memory.
 */
const interestModelRunSchema = new Schema({
  _id: { type: String },
  builtAt: { type: Date, required: true },
  startedAt: { type: Date, required: true },
  finishedAt: { type: Date, required: true },
  parameters: { type: Schema.Types.Mixed, required: true },
  counts: { type: Schema.Types.Mixed, required: true },
  timings: { type: Schema.Types.Mixed, required: true },
  memory: { type: Schema.Types.Mixed, required: true },
});
export const InterestModelRunModel = model('InterestModelRun', interestModelRunSchema, 'interest_models');
export interface InterestModelRunRecord {
  _id: string;
  builtAt: Date;
  startedAt: Date;
  finishedAt: Date;
  parameters: Record<string, number>;
  counts: InterestRunCounts;
  timings: InterestRunTimings;
  memory: { peakRssMb: number; peakHeapUsedMb: number };
}
export interface InterestRunCounts {
  products: number;
  ordersRead: number;
  purchases: number;
  skippedPurchases: number;
  residentsWithHistory: number;
  residentsScored: number;
  neighbourPairs: number;
  staleRemoved: number;
}
export interface InterestRunTimings {
  readMs: number;
  similarityMs: number;
  scoreMs: number;
  writeMs: number;
  totalMs: number;
}
