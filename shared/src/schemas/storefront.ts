import { z } from 'zod';
import { objectIdSchema } from './common';

/** A product as a resident sees it on the store page: its catalogue price. */
export const offerProductSchema = z.object({
  id: z.string(),
  name: z.string(),
  category: z.string(),
  priceCents: z.number().int(),
  tags: z.array(z.string()),
});

/** Today's offers of a store (`GET /stores/:storeId/offers`, public): promotions, staff notes and the catalogue. */
export const storeOffersSchema = z.object({
  storeId: objectIdSchema,
  /** China-time `YYYY-MM-DD`. */
  day: z.string(),
  /** Product promotions running now for the store or its city, with the product's catalogue price. */
  promotions: z.array(
    z.object({
      id: objectIdSchema,
      name: z.string(),
      product: offerProductSchema,
      endsAt: z.string(),
      /** e.g. 还剩 3 天 / 今天结束 */
      endsText: z.string(),
    }),
  ),
  /** Products of the store tagged as an offer (特价, 特惠, 限时 ...), as the group bot lists them. */
  specials: z.array(offerProductSchema),
  /** Offers the store's staff posted today through the group bot, e.g. 草莓 19.9 元/盒. */
  notes: z.array(z.object({ text: z.string(), postedAt: z.string() })),
  /** The store's active catalogue, by category then name. */
  products: z.array(offerProductSchema),
  categories: z.array(z.string()),
});
export type StoreOffers = z.infer<typeof storeOffersSchema>;
