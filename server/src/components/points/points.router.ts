import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { manualAdjustmentSchema, pointBalanceSchema, pointEntrySchema, pointHistoryQuerySchema, pointHistorySchema } from '@o2o/shared/schemas/points';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf } from '../auth/auth.guard';
import { assertResidentAccess } from '../residents/resident.service';
import { entryView } from './points.service';

export function pointsRouter({ guards, points }: Services): ApiRouter {
  const tags = ['points'];
  return new ApiRouter('/points')
    .route({
      method: 'get', path: '/me', summary: 'My points: available, held (pending) and about to expire', tags,
      guards: guards.resident, authenticated: true, response: pointBalanceSchema,
      handler: async ({ req }) => points.balance(residentIdOf(req)),
    })
    .route({
      method: 'get', path: '/me/history', summary: 'My points history, newest first', tags,
      guards: guards.resident, authenticated: true,
      query: pointHistoryQuerySchema.omit({ before: true }).extend({ before: z.coerce.number().int().min(1).optional() }),
      response: pointHistorySchema,
      handler: async ({ req, query }) => {
        const items = await points.history(residentIdOf(req), query.limit, query.before);
        return { items: items.map(entryView), nextBefore: items.length === query.limit ? (items.at(-1)!.applied?.version ?? null) : null };
      },
    })
    .route({
      method: 'get', path: '/residents/:residentId', summary: "A resident's points (staff, within scope)", tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ residentId: objectIdSchema }), response: pointBalanceSchema,
      handler: async ({ params, req }) => {
        const resident = await assertResidentAccess(staffOf(req), params.residentId);
        return points.balance(resident._id);
      },
    })
    .route({
      method: 'post', path: '/adjustments',
      summary: 'Grant (positive) or deduct (negative) points by hand, with a reason; audited. Retries with the same key change nothing.',
      tags, status: 201, errors: [404, 409],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      body: manualAdjustmentSchema, response: pointEntrySchema,
      handler: async ({ body, req }) => {
        const staff = staffOf(req);
        const resident = await assertResidentAccess(staff, body.residentId);
        return entryView(
          await points.adjustManually({
            residentId: toObjectId(resident._id), amount: body.amount, reason: body.reason, idempotencyKey: body.idempotencyKey, staff: { id: staff.id, role: staff.role },
            // The scope check just read the resident; its points mirror says where the ledger's head is.
            knownVersion: resident.points?.version ?? 0,
          }),
        );
      },
    });
}
