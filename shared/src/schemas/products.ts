import { z } from 'zod';
import { objectIdSchema } from './common';

/**
 * How often a product is bought again: `daily` consumables (vegetables, milk) are re-bought within
 * days, `periodic` ones (rice, detergent) every few weeks, `durable` goods (appliances) rarely.
 * Interest prediction and repurchase reminders weigh purchases by it.
 */
export const REPEAT_NATURES = ['daily', 'periodic', 'durable'] as const;
export const repeatNatureSchema = z.enum(REPEAT_NATURES);
export type RepeatNature = z.infer<typeof repeatNatureSchema>;

/** The order system's product id (SKU), used as the catalogue key. */
export const productIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1-64 letters, digits and _.:-');

const productFields = z.object({
  name: z.string().max(60).trim().min(1),
  /** 品类, e.g. 蔬菜 水果 乳品 粮油 日用 家电. */
  category: z.string().max(20).trim().min(1),
  subcategory: z.string().max(20).trim(),
  priceCents: z.number().int().min(0).max(100_000_000),
  tags: z.array(z.string().max(20).trim().min(1)).max(20),
  /** The stores that sell it. */
  storeIds: z.array(objectIdSchema).max(1000),
  repeatNature: repeatNatureSchema,
  active: z.boolean(),
});

/** The body of `PUT /products/:productId`: the whole product (an upsert). */
export const productInputSchema = productFields.extend({
  subcategory: productFields.shape.subcategory.default(''),
  tags: productFields.shape.tags.default([]),
  storeIds: productFields.shape.storeIds.default([]),
  active: z.boolean().default(true),
});
export type ProductInput = z.output<typeof productInputSchema>;

export const productSchema = productFields.extend({
  id: productIdSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof productSchema>;

export const PRODUCT_UPSERT_RESULTS = ['created', 'updated', 'unchanged'] as const;

export const productUpsertResultSchema = z.object({
  result: z.enum(PRODUCT_UPSERT_RESULTS),
  product: productSchema,
});
export type ProductUpsertResult = z.infer<typeof productUpsertResultSchema>;

/** Public catalogue listing: active products, optionally of one store and one category. */
export const productListQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  category: z.string().max(20).trim().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/** The CSV columns, in the order the template uses (any order is accepted; the header names them). */
export const PRODUCT_CSV_COLUMNS = ['product_id', 'name', 'category', 'subcategory', 'price_yuan', 'tags', 'store_ids', 'repeat_nature', 'active'] as const;

/** What a CSV import did: rows created, changed and already up to date, and each bad row by its line. */
export const productImportReportSchema = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
});
export type ProductImportReport = z.infer<typeof productImportReportSchema>;
