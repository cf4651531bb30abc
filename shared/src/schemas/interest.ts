import { z } from 'zod';
import { DEFAULT_INTEREST_PARAMETERS } from '../rules/interest';
import { objectIdSchema } from './common';
import { productIdSchema } from './products';

const positive = z.coerce.number().positive();
const count = z.coerce.number().int().min(0);
const D = DEFAULT_INTEREST_PARAMETERS;

/** Every model parameter with its default; the server's config can pass any subset (e.g. from env). */
export const interestParametersSchema = z.object({
  halfLifeDays: positive.max(3650).default(D.halfLifeDays),
  neighboursPerProduct: count.max(500).default(D.neighboursPerProduct),
  minCoCount: count.min(1).max(1000).default(D.minCoCount),
  shrinkage: z.coerce.number().min(0).max(10_000).default(D.shrinkage),
  maxProductsPerResident: count.min(1).max(10_000).default(D.maxProductsPerResident),
  topProducts: count.min(1).max(200).default(D.topProducts),
  topCategories: count.min(1).max(50).default(D.topCategories),
  durableSuppressionDays: count.max(3650).default(D.durableSuppressionDays),
  durableSubcategoryDamping: z.coerce.number().min(0).max(1).default(D.durableSubcategoryDamping),
  repeatWeight: z.coerce.number().min(0).max(1000).default(D.repeatWeight),
  similarityWeight: z.coerce.number().min(0).max(1000).default(D.similarityWeight),
  periodicIntervalDays: positive.max(3650).default(D.periodicIntervalDays),
  horizonDays: count.max(365).default(D.horizonDays),
  popularityWeight: z.coerce.number().min(0).max(1000).default(D.popularityWeight),
});
export type InterestParametersInput = z.input<typeof interestParametersSchema>;

const scoredProduct = z.object({ productId: z.string(), score: z.number() });
const scoredCategory = z.object({ category: z.string(), score: z.number() });

/** A resident's interest label; empty lists and null model when the resident has no usable history. */
export const residentInterestSchema = z.object({
  residentId: objectIdSchema,
  modelId: z.string().nullable(),
  builtAt: z.string().nullable(),
  products: z.array(scoredProduct),
  categories: z.array(scoredCategory),
});
export type ResidentInterest = z.infer<typeof residentInterestSchema>;

export const interestResidentParamsSchema = z.object({ residentId: objectIdSchema });
export const interestProductParamsSchema = z.object({ productId: productIdSchema });

export const audienceQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Only residents of this store (must be in the caller's scope). */
  storeId: objectIdSchema.optional(),
});

/** The residents most likely to want a product, best first (only those with it among their stored top products). */
export const productAudienceSchema = z.object({
  productId: z.string(),
  modelId: z.string().nullable(),
  residents: z.array(z.object({ residentId: objectIdSchema, storeId: objectIdSchema.nullable(), score: z.number(), rank: z.number().int() })),
});
export type ProductAudience = z.infer<typeof productAudienceSchema>;

export const interestModelRunSchema = z.object({
  modelId: z.string(),
  builtAt: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  parameters: z.record(z.string(), z.number()),
  counts: z.object({
    products: z.number().int(),
    ordersRead: z.number().int(),
    purchases: z.number().int(),
    skippedPurchases: z.number().int().describe('order lines of products not in the catalogue'),
    residentsWithHistory: z.number().int(),
    residentsScored: z.number().int(),
    neighbourPairs: z.number().int(),
    staleRemoved: z.number().int().describe('documents of an earlier model removed'),
  }),
  timings: z.object({ readMs: z.number(), similarityMs: z.number(), scoreMs: z.number(), writeMs: z.number(), totalMs: z.number() }),
  memory: z.object({ peakRssMb: z.number(), peakHeapUsedMb: z.number() }),
});
export type InterestModelRun = z.infer<typeof interestModelRunSchema>;

/** 猜你喜欢: the signed-in resident's top products with names, active products only. */
export const myInterestsSchema = z.object({
  title: z.string(),
  builtAt: z.string().nullable(),
  products: z.array(z.object({ productId: z.string(), name: z.string(), category: z.string(), priceCents: z.number().int(), score: z.number() })),
  categories: z.array(scoredCategory),
});
export type MyInterests = z.infer<typeof myInterestsSchema>;
