import { z } from 'zod';
import {
  productIdSchema,
  productImportReportSchema,
  productInputSchema,
  productListQuerySchema,
  productSchema,
  productUpsertResultSchema,
} from '@o2o/shared/schemas/products';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { staffOf } from '../auth/auth.guard';
import { getProduct, importProductsCsv, listProducts, upsertProduct } from './products.service';

const productParams = z.object({ productId: productIdSchema });

export function productsRouter({ guards }: Services): ApiRouter {
  const tags = ['products'];
  const catalogueEditors = guards.staff('city_ops', 'admin');
  return new ApiRouter('/products')
    .route({
      method: 'get', path: '', summary: 'The active product catalogue, optionally of one store and one category', tags,
      query: productListQuerySchema, response: z.array(productSchema),
      handler: async ({ query }) => listProducts(query),
    })
    .route({
      method: 'post', path: '/import',
      summary: 'Import a product CSV (text/csv): good rows are upserted by product_id, bad rows are reported by line',
      description: 'Columns: product_id,name,category,subcategory,price_yuan,tags,store_ids,repeat_nature,active; tags and store_ids separated by ";". City ops may list only their city\'s stores.',
      tags, guards: catalogueEditors, authenticated: true, bodyContentType: 'text/csv', errors: [413, 415],
      body: z.string().describe('The CSV file, UTF-8, with a header row'), response: productImportReportSchema,
      handler: async ({ body, req }) => importProductsCsv(body, { actor: staffOf(req) }),
    })
    .route({
      method: 'get', path: '/:productId', summary: 'One product, active or not', tags, errors: [404],
      params: productParams, response: productSchema,
      handler: async ({ params }) => getProduct(params.productId),
    })
    .route({
      method: 'put', path: '/:productId', summary: 'Create or replace a product by its order-system id; the same body again changes nothing', tags, errors: [404],
      guards: catalogueEditors, authenticated: true, params: productParams, body: productInputSchema, response: productUpsertResultSchema,
      handler: async ({ params, body, req }) => upsertProduct(params.productId, body, staffOf(req)),
    });
}
