import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { storeOffersSchema } from '@o2o/shared/schemas/storefront';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { StorefrontService } from './storefront.service';

/** The resident-facing shop window of a store. */
export function storefrontRouter(): ApiRouter {
  const storefront = new StorefrontService();
  return new ApiRouter('/stores').route({
    method: 'get', path: '/:storeId/offers', tags: ['storefront'], errors: [404],
    summary: "Today's offers of a store (public): promotions running now with catalogue prices, staff offer notes from the group, the catalogue",
    params: z.object({ storeId: objectIdSchema }), response: storeOffersSchema,
    handler: async ({ params }) => storefront.offers(toObjectId(params.storeId)),
  });
}
