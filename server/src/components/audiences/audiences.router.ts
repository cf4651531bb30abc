import { z } from 'zod';
import {
  audienceCountSchema,
  audienceGroupsSchema,
  audienceMembersQuerySchema,
  audienceMembersSchema,
  audienceParamsSchema,
  audienceSchema,
  createAudienceSchema,
  previewAudienceSchema,
  updateAudienceSchema,
} from '@o2o/shared/schemas/audiences';
import { ApiRouter } from '../../lib/api-router';
import { staffOf, type Guards } from '../auth/auth.guard';
import type { AudienceService } from './audiences.service';

const SCOPE_NOTE = 'A store manager\'s audiences are limited to their own store; city ops\' to their city or one of its stores; an admin\'s to a store, a city or the whole chain. Advisors have no audiences.';

/** Saved audiences: label conditions with a live count and member list (city ops, admins, store managers for their store). */
export function audiencesRouter(guards: Guards, audiences: AudienceService): ApiRouter {
  const tags = ['audiences'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter('/audiences')
    .route({
      method: 'get', path: '', summary: 'The audiences in your scope, newest first', tags,
      guards: managers, authenticated: true, response: z.array(audienceSchema),
      handler: async ({ req }) => audiences.list(staffOf(req)),
    })
    .route({
      method: 'post', path: '', summary: 'Save an audience: label conditions ({all}/{any} groups of label comparisons)', description: SCOPE_NOTE, tags, status: 201, errors: [404],
      guards: managers, authenticated: true, body: createAudienceSchema, response: audienceSchema,
      handler: async ({ body, req }) => audiences.create(staffOf(req), body),
    })
    .route({
      method: 'post', path: '/preview', summary: 'Count the residents matching conditions that are not saved yet', description: SCOPE_NOTE, tags, errors: [404],
      guards: managers, authenticated: true, body: previewAudienceSchema, response: audienceCountSchema,
      handler: async ({ body, req }) => audiences.preview(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/:audienceId', summary: 'One audience', tags, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, response: audienceSchema,
      handler: async ({ params, req }) => audiences.get(staffOf(req), params.audienceId),
    })
    .route({
      method: 'patch', path: '/:audienceId', summary: 'Change an audience\'s name, description, scope or conditions', description: SCOPE_NOTE, tags, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, body: updateAudienceSchema, response: audienceSchema,
      handler: async ({ params, body, req }) => audiences.update(staffOf(req), params.audienceId, body),
    })
    .route({
      method: 'delete', path: '/:audienceId', summary: 'Delete an audience', tags, status: 204, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, response: z.null(),
      handler: async ({ params, req }) => {
        await audiences.remove(staffOf(req), params.audienceId);
        return null;
      },
    })
    .route({
      method: 'get', path: '/:audienceId/count', summary: 'How many residents match the audience now', tags, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, response: audienceCountSchema,
      handler: async ({ params, req }) => audiences.count(staffOf(req), params.audienceId),
    })
    .route({
      method: 'get', path: '/:audienceId/members', summary: 'A page of the residents matching the audience now, by resident id, with the labels the conditions use', tags, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, query: audienceMembersQuerySchema, response: audienceMembersSchema,
      handler: async ({ params, query, req }) => audiences.members(staffOf(req), params.audienceId, query),
    })
    .route({
      method: 'get', path: '/:audienceId/groups', summary: 'The community groups the audience\'s members are in, with how many members each (to target a group broadcast)', tags, errors: [404],
      guards: managers, authenticated: true, params: audienceParamsSchema, response: audienceGroupsSchema,
      handler: async ({ params, req }) => audiences.groups(staffOf(req), params.audienceId),
    });
}
