import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { groupStatsRangeQuerySchema, groupStatsRangeSchema } from '@o2o/shared/schemas/group-stats';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { staffOf } from '../auth/auth.guard';
import { GroupStatsService } from './group-stats.service';

/** Group stats over a chosen range, for the staff workbench's charts (store managers, city ops, admins in scope). */
export function groupStatsRouter({ guards }: Pick<Services, 'guards'>, stats = new GroupStatsService()): ApiRouter {
  return new ApiRouter('/group-stats').route({
    method: 'get', path: '/:groupId', tags: ['groups'], errors: [403, 404],
    summary: "A group's days from..to (China time, at most 92): messages, speakers, joins, leaves, check-ins, moderation actions, questions the bot answered and questions passed to staff (hand-off tickets) per day, with totals",
    guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
    params: z.object({ groupId: objectIdSchema }), query: groupStatsRangeQuerySchema, response: groupStatsRangeSchema,
    handler: async ({ params, query, req }) => stats.range(staffOf(req), params.groupId, query.from, query.to),
  });
}
