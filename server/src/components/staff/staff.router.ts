import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { sessionSchema } from '@o2o/shared/schemas/auth';
import { acceptStaffInviteSchema, createStaffInviteSchema, staffInviteSchema, staffSchema, updateStaffGoalSchema } from '@o2o/shared/schemas/staff';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import { staffOf } from '../auth/auth.guard';
import { canAccessStore, storeFilter } from './staff-scope';
import { acceptInvite, createInvite, staffView } from './staff.service';
import { StaffModel, type StaffRecord } from './staff.model';
import { getStore } from '../organisation/organisation.service';

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
      handler: async ({ req }) => staffView((await StaffModel.findById(staffOf(req).id).lean<StaffRecord>())!),
    })
    .route({
      method: 'get', path: '', summary: 'Staff in your scope (a manager: their store; city ops: their city)', tags,
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      query: z.object({ storeId: objectIdSchema.optional(), role: staffSchema.shape.role.optional() }),
      response: z.array(staffSchema),
      handler: async ({ query, req }) => {
        const staff = staffOf(req);
        // The query narrows the caller's scope; it never replaces it.
        const narrowing: Record<string, unknown>[] = [staff.role === 'admin' ? {} : staff.role === 'city_ops' ? { cityId: staff.cityId } : await storeFilter(staff)];
        if (query.storeId) narrowing.push({ storeId: toObjectId(query.storeId) });
        if (query.role) narrowing.push({ role: query.role });
        return (await StaffModel.find({ $and: narrowing }).sort({ name: 1 }).limit(1000).lean<StaffRecord[]>()).map(staffView);
      },
    })
    .route({
      method: 'patch', path: '/:staffId/goal', summary: "Change an advisor's consumer-user goal (default 1,000)", tags, errors: [404],
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true,
      params: z.object({ staffId: objectIdSchema }), body: updateStaffGoalSchema, response: staffSchema,
      handler: async ({ params, body, req }) => {
        const target = await StaffModel.findById(toObjectId(params.staffId)).lean<StaffRecord>();
        if (!target) throw AppError.notFound('工作人员');
        if (target.role !== 'advisor') throw AppError.badRequest('只有顾问有消费用户目标');
        if (!target.storeId || !canAccessStore(staffOf(req), await getStore(target.storeId))) throw AppError.forbidden('这位顾问不在你的负责范围内');
        const updated = await StaffModel.findByIdAndUpdate(target._id, { $set: { goalConsumerUsers: body.goalConsumerUsers } }, { returnDocument: 'after' }).lean<StaffRecord>();
        return staffView(updated!);
      },
    });
}
