import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { sessionSchema } from '@o2o/shared/schemas/auth';
import { acceptStaffInviteSchema, createStaffInviteSchema, staffInviteSchema, staffSchema, updateStaffGoalSchema } from '@o2o/shared/schemas/staff';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { staffOf } from '../auth/auth.guard';
import { acceptInvite, createInvite, staffView } from './staff.service';
import { staffRepository } from './staff.repository';

export function staffRouter({ guards, identity, sessions }: Services): ApiRouter {
  const tags = ['staff'];
  return new ApiRouter('/staff')
    .route({
      method: 'post', path: '/invites', summary: 'Create a one-time staff invite', tags, status: 201,
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true, errors: [404],
      body: createStaffInviteSchema, response: staffInviteSchema,
      handler: async ({ body, req }) => createInvite(staffOf(req), body),
    })
    .route({
      method: 'post', path: '/invites/accept', summary: "Bind an invite to the caller's WeChat identity and sign in as staff", tags, errors: [409, 502, 503],
      body: acceptStaffInviteSchema, response: sessionSchema,
      handler: async ({ body }) => {
        const who = await identity(body.code);
        const staff = await acceptInvite(body.inviteCode, who);
        const session = await sessions.create({ kind: 'staff', residentId: null, staffId: staff._id, openid: who.openid });
        return {
          token: session.token, expiresAt: session.expiresAt.toISOString(), kind: 'staff' as const,
          residentId: null, isNewResident: false, needsSignUp: false, staff: staffView(staff), scan: null,
        };
      },
    })
    .route({
      method: 'get', path: '/me', summary: 'The signed-in staff member', tags,
      guards: guards.staff(), authenticated: true, response: staffSchema,
      handler: async ({ req }) => staffView(await staffRepository.byId(staffOf(req).id)),
    })
    .route({
      method: 'get', path: '', summary: 'Staff in your scope (a manager: their store; city ops: their city)', tags,
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      query: z.object({ storeId: objectIdSchema.optional(), role: staffSchema.shape.role.optional() }),
      response: z.array(staffSchema),
      handler: async ({ query, req }) =>
        (await staffRepository.listInScope(staffOf(req), { storeId: query.storeId ? toObjectId(query.storeId) : undefined, role: query.role })).map(staffView),
    })
    .route({
      method: 'patch', path: '/:staffId/goal', summary: "Change an advisor's consumer-user goal (default 1,000)", tags, errors: [404],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: z.object({ staffId: objectIdSchema }), body: updateStaffGoalSchema, response: staffSchema,
      handler: async ({ params, body, req }) => {
        const advisor = await staffRepository.advisorInScope(staffOf(req), toObjectId(params.staffId));
        return staffView(await staffRepository.setGoal(advisor._id, body.goalConsumerUsers));
      },
    });
}
