import { z } from 'zod';
import { sopPlanInputSchema, sopPlanParamsSchema, sopPlanPatchSchema, sopPlanSchema, sopReportSchema } from '@o2o/shared/schemas/sop';
import { ApiRouter } from '../../lib/api-router';
import type { Services } from '../../services';
import { staffOf } from '../auth/auth.guard';

/** `/sop/plans`: content plans for store managers (their store), city ops (their city) and admins. */
export function sopRouter(services: Pick<Services, 'guards' | 'sop'>): ApiRouter {
  const { guards, sop } = services;
  const planners = guards.staff('store_manager', 'city_ops', 'admin');
  const tags = ['sop'];
  return new ApiRouter('/sop')
    .route({
      method: 'post', path: '/plans', summary: 'Create a content plan: journey-relative (days after joining, registering, the first order, the last order) or weekly per group', tags, status: 201, errors: [403, 404],
      guards: planners, authenticated: true, body: sopPlanInputSchema, response: sopPlanSchema,
      handler: async ({ body, req }) => sop.create(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/plans', summary: 'Content plans in your scope, newest first', tags, errors: [403],
      guards: planners, authenticated: true, response: z.array(sopPlanSchema),
      handler: async ({ req }) => sop.list(staffOf(req)),
    })
    .route({
      method: 'patch', path: '/plans/:planId', summary: 'Rename, reword, stop or restart a plan (a stopped plan\'s queued messages are skipped)', tags, errors: [403, 404],
      guards: planners, authenticated: true, params: sopPlanParamsSchema, body: sopPlanPatchSchema, response: sopPlanSchema,
      handler: async ({ params, body, req }) => sop.update(staffOf(req), params.planId, body),
    })
    .route({
      method: 'get', path: '/plans/:planId/report', summary: 'A plan\'s deliveries: due, pending, sent, skipped (with why), failed', tags, errors: [403, 404],
      guards: planners, authenticated: true, params: sopPlanParamsSchema, response: sopReportSchema,
      handler: async ({ params, req }) => sop.report(staffOf(req), params.planId),
    });
}
