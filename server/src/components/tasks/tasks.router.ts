import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  createTaskDefinitionSchema,
  myTasksSchema,
  reportTaskEventSchema,
  taskDefinitionListQuerySchema,
  taskDefinitionSchema,
  taskEventResultSchema,
  taskFunnelQuerySchema,
  taskFunnelSchema,
  updateTaskDefinitionSchema,
} from '@o2o/shared/schemas/tasks';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf } from '../auth/auth.guard';

export function tasksRouter({ guards, tasks }: Services): ApiRouter {
  const tags = ['tasks'];
  const taskManagers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter('/tasks')
    .route({
      method: 'get', path: '/me',
      summary: 'My tasks for the current periods (newbie, daily, special) with progress; records that I saw them', tags,
      guards: guards.resident, authenticated: true, response: myTasksSchema,
      handler: async ({ req }) => tasks.listForResident(residentIdOf(req)),
    })
    .route({
      method: 'post', path: '/events',
      summary: 'Report an event from the mini-program (only activity_viewed and profile_completed); a repeated key counts once', tags, errors: [403],
      guards: guards.resident, authenticated: true, body: reportTaskEventSchema, response: taskEventResultSchema,
      handler: async ({ body, req }) => tasks.reportFromMiniprogram(residentIdOf(req), body),
    })
    .route({
      method: 'get', path: '/definitions', summary: 'Task definitions in your scope (optionally those that apply to one store)', tags, errors: [404],
      guards: guards.staff(), authenticated: true, query: taskDefinitionListQuerySchema, response: z.array(taskDefinitionSchema),
      handler: async ({ query, req }) => tasks.listDefinitions(staffOf(req), query),
    })
    .route({
      method: 'post', path: '/definitions',
      summary: 'Create a task (store managers: tasks of their own store; city ops: their city or its stores; admins: any)', tags, status: 201, errors: [404],
      guards: taskManagers, authenticated: true, body: createTaskDefinitionSchema, response: taskDefinitionSchema,
      handler: async ({ body, req }) => tasks.createDefinition(staffOf(req), body),
    })
    .route({
      method: 'patch', path: '/definitions/:taskId', summary: 'Change a task, or switch it on or off with `active`', tags, errors: [404],
      guards: taskManagers, authenticated: true, params: z.object({ taskId: objectIdSchema }), body: updateTaskDefinitionSchema, response: taskDefinitionSchema,
      handler: async ({ params, body, req }) => tasks.updateDefinition(staffOf(req), toObjectId(params.taskId), body),
    })
    .route({
      method: 'get', path: '/funnel',
      summary: "A store's task funnel for the review: per task, residents who saw, started and completed it, with open and completion rates", tags, errors: [404],
      guards: taskManagers, authenticated: true, query: taskFunnelQuerySchema, response: taskFunnelSchema,
      handler: async ({ query, req }) => tasks.funnel(staffOf(req), query),
    });
}
