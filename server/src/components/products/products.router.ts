import type { RequestHandler } from 'express';
import { z } from 'zod';
import {
  productIdSchema,
  productImportReportSchema,
  productInputSchema,
  productListQuerySchema,
  productSchema,
  productUpsertResultSchema,
} from '@o2o/shared/schemas/products';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { staffOf } from '../auth/auth.guard';
import { getProduct, importProductsCsv, listProducts, upsertProduct } from './products.service';

const productParams = z.object({ productId: productIdSchema });

/** `/products/import` is the import's own path: GET or PUT there is a 405, never product "import". */
const notTheImportPath: RequestHandler = (req, _res, next) => (req.params.productId === 'import' ? next('route') : next());

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
      handler: async ({ body, req }) => {
        const report = await importProductsCsv(body, { actor: staffOf(req) });
        // A file that yields no product at all (empty, no or wrong header, only bad rows) is refused, not answered 200.
        if (report.imported + report.updated + report.unchanged === 0) {
          throw new AppError('VALIDATION_FAILED', report.errors[0] ? `没有导入任何商品：第 ${report.errors[0].line} 行 ${report.errors[0].message}` : '没有导入任何商品：文件里只有表头', 400, report.errors);
        }
        return report;
      },
    })
    .route({
      method: 'get', path: '/:productId', summary: 'One product, active or not', tags, errors: [404],
      guards: [notTheImportPath], params: productParams, response: productSchema,
      handler: async ({ params }) => getProduct(params.productId),
    })
    .route({
      method: 'put', path: '/:productId', summary: 'Create or replace a product by its order-system id; the same body again changes nothing', tags, errors: [404],
      guards: [notTheImportPath, ...catalogueEditors], authenticated: true, params: productParams, body: productInputSchema, response: productUpsertResultSchema,
      handler: async ({ params, body, req }) => upsertProduct(params.productId, body, staffOf(req)),
    });
}
