import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  labelDefinitionInputSchema,
  labelDefinitionSchema,
  labelKeyParamsSchema,
  recomputeResultSchema,
  residentLabelParamsSchema,
  residentLabelsSchema,
  scenarioInputSchema,
  scenarioSchema,
  setManualLabelSchema,
} from '@o2o/shared/schemas/labels';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { staffOf, type Guards } from '../auth/auth.guard';
import { assertResidentAccess } from '../residents/resident.service';
import type { LabelService } from './labels.service';

/** The label catalogue (read by staff, edited by operations), residents' labels, manual labels and the full recompute. */
export function labelsRouter(guards: Guards, labels: LabelService): ApiRouter {
  const tags = ['labels'];
  const staff = guards.staff();
  const operators = guards.staff('city_ops', 'admin');
  const labellers = guards.staff('store_manager', 'city_ops', 'admin');
  const residentParams = z.object({ residentId: objectIdSchema });
  return new ApiRouter()
    .route({
      method: 'get', path: '/labels/scenarios', summary: 'The business scenarios labels serve', tags,
      guards: staff, authenticated: true, response: z.array(scenarioSchema),
      handler: async () => labels.catalogue.listScenarios(),
    })
    .route({
      method: 'put', path: '/labels/scenarios/:key', summary: 'Create or replace a scenario (operations)', tags,
      guards: operators, authenticated: true, params: labelKeyParamsSchema, body: scenarioInputSchema, response: scenarioSchema,
      handler: async ({ params, body, req }) => labels.catalogue.putScenario(params.key, body, staffOf(req).id),
    })
    .route({
      method: 'get', path: '/labels/definitions', summary: 'Every label definition: scenarios, category, kind, rule and parameters, values with display names', tags,
      guards: staff, authenticated: true, response: z.array(labelDefinitionSchema),
      handler: async () => labels.catalogue.listDefinitions(),
    })
    .route({
      method: 'put', path: '/labels/definitions/:key', tags, errors: [409],
      summary: 'Create or replace a label definition (operations); residents get it at their next refresh or the nightly recompute',
      description: 'kind `rule` names a built-in rule with its parameters; `interest` uses the interest_category rule; `manual` lists its allowed values and has no rule. A label keeps its kind.',
      guards: operators, authenticated: true, params: labelKeyParamsSchema, body: labelDefinitionInputSchema, response: labelDefinitionSchema,
      handler: async ({ params, body, req }) => labels.catalogue.putDefinition(params.key, body, staffOf(req).id),
    })
    .route({
      method: 'post', path: '/labels/recompute', summary: 'Recompute every resident\'s labels now (the nightly job, by hand)', tags,
      guards: operators, authenticated: true, response: recomputeResultSchema,
      handler: async () => labels.recomputeAll(),
    })
    .route({
      method: 'get', path: '/residents/:residentId/labels', tags, errors: [404],
      summary: "A resident's labels with why and since when (advisor: own residents, manager: store, city ops: city)",
      guards: staff, authenticated: true, params: residentParams, response: residentLabelsSchema,
      handler: async ({ params, req }) => {
        await assertResidentAccess(staffOf(req), params.residentId);
        return labels.residentLabels(toObjectId(params.residentId));
      },
    })
    .route({
      method: 'put', path: '/residents/:residentId/labels/:key', tags, errors: [404, 409],
      summary: 'Set a manual label on a resident, with a reason (managers: their store\'s residents; city ops: their city\'s)',
      guards: labellers, authenticated: true, params: residentLabelParamsSchema, body: setManualLabelSchema, response: residentLabelsSchema,
      handler: async ({ params, body, req }) => {
        await assertResidentAccess(staffOf(req), params.residentId);
        return labels.setManual(staffOf(req), toObjectId(params.residentId), params.key, body);
      },
    })
    .route({
      method: 'delete', path: '/residents/:residentId/labels/:key', tags, errors: [404, 409],
      summary: 'Remove a manual label from a resident (removing one that is not set is fine)',
      guards: labellers, authenticated: true, params: residentLabelParamsSchema, response: residentLabelsSchema,
      handler: async ({ params, req }) => {
        await assertResidentAccess(staffOf(req), params.residentId);
        return labels.unsetManual(toObjectId(params.residentId), params.key);
      },
    });
}
