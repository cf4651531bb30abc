import { z } from 'zod';
import { churnAlertDoneSchema, churnAlertParamsSchema, churnAlertQuerySchema, churnAlertSchema } from '@o2o/shared/schemas/churn';
import { ApiRouter } from '../../lib/api-router';
import type { Services } from '../../services';
import { staffOf } from '../auth/auth.guard';

/** `/churn/alerts`: the to-do list of residents who left the group or stopped ordering. */
export function churnRouter(services: Pick<Services, 'guards' | 'churn'>): ApiRouter {
  const { guards, churn } = services;
  const staff = guards.staff();
  const tags = ['churn'];
  return new ApiRouter('/churn')
    .route({
      method: 'get', path: '/alerts', summary: 'Churn alerts: an advisor\'s own residents, a manager\'s store\'s unassigned ones, all in scope for city ops and admins', tags, errors: [403],
      guards: staff, authenticated: true, query: churnAlertQuerySchema, response: z.array(churnAlertSchema),
      handler: async ({ query, req }) => churn.list(staffOf(req), query),
    })
    .route({
      method: 'post', path: '/alerts/:alertId/done', summary: 'Mark a churn alert handled (the first closure stands; a repeat returns it)', tags, errors: [403, 404],
      guards: staff, authenticated: true, params: churnAlertParamsSchema, body: churnAlertDoneSchema, response: churnAlertSchema,
      handler: async ({ params, body, req }) => churn.markDone(staffOf(req), params.alertId, body.note),
    });
}
