import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { completeSignUpSchema, residentListQuerySchema, residentSchema, updateProfileSchema } from '@o2o/shared/schemas/residents';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf, type StaffPrincipal } from '../auth/auth.guard';
import { storeIdsInScope } from '../staff/staff-scope';
import { ResidentModel, type ResidentRecord } from './resident.model';
import { residentView } from './resident.service';

/** An advisor's own residents: credited to them, or brought in by a code they own. */
export async function residentScopeFilter(staff: StaffPrincipal): Promise<Record<string, unknown>> {
  if (staff.role === 'advisor') return { $or: [{ 'attribution.advisorId': staff.id }, { 'attribution.codeOwnerId': staff.id }] };
  const storeIds = await storeIdsInScope(staff);
  return storeIds === 'all' ? {} : { storeId: { $in: storeIds } };
}

export async function assertResidentAccess(staff: StaffPrincipal, residentId: z.infer<typeof objectIdSchema>): Promise<ResidentRecord> {
  const resident = await ResidentModel.findOne({ _id: toObjectId(residentId), ...(await residentScopeFilter(staff)) }).lean<ResidentRecord>();
  if (!resident) {
    if (await ResidentModel.exists({ _id: toObjectId(residentId) })) throw AppError.forbidden('这位居民不在你的负责范围内');
    throw AppError.notFound('居民');
  }
  return resident;
}

/** A phone tail (3-4 digits) matches the end of the number; anything else a name or building fragment. */
function residentSearchFilter(q: string): Record<string, unknown> {
  if (/^\d{3,4}$/.test(q)) return { phone: { $regex: `${q}$` } };
  const fragment = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { $or: [{ nickname: { $regex: fragment } }, { building: { $regex: fragment } }] };
}

export function residentRouter({ guards, residents, wechat }: Services): ApiRouter {
  const tags = ['residents'];
  return new ApiRouter('/residents')
    .route({
      method: 'get', path: '/me', summary: 'The signed-in resident', tags,
      guards: guards.resident, authenticated: true, response: residentSchema,
      handler: async ({ req }) => residentView(await residents.get(residentIdOf(req))),
    })
    .route({
      method: 'patch', path: '/me', summary: 'My profile (我的): nickname, community, building and unit, phone (WeChat phone code, or typed in H5)', tags, errors: [404, 409, 502, 503],
      description: 'When every profile field is filled, the newbie task 完善资料 is recorded by the server (once).',
      guards: guards.resident, authenticated: true, body: updateProfileSchema, response: residentSchema,
      handler: async ({ body, req }) => {
        let phone = body.phone;
        let phoneVerified = false;
        if (body.phoneCode) {
          if (!wechat) throw new AppError('WECHAT_NOT_CONFIGURED', '暂时无法获取微信手机号，请直接填写手机号', 503);
          phone = (await wechat.getPhoneNumber(body.phoneCode)).purePhoneNumber;
          phoneVerified = true;
        }
        return residentView(
          await residents.updateProfile(residentIdOf(req), {
            nickname: body.nickname,
            communityId: body.communityId ? toObjectId(body.communityId) : undefined,
            building: body.building,
            unit: body.unit,
            phone,
            phoneVerified,
          }),
        );
      },
    })
    .route({
      method: 'post', path: '/me/sign-up', summary: 'Finish sign-up: confirm the community (phone number optional, through WeChat)', tags, errors: [404, 502],
      guards: guards.resident, authenticated: true, body: completeSignUpSchema, response: residentSchema,
      handler: async ({ body, req }) => {
        let phone: string | undefined;
        if (body.phoneCode) {
          if (!wechat) throw new AppError('WECHAT_NOT_CONFIGURED', '获取手机号需要接入微信，当前尚未配置', 503);
          phone = (await wechat.getPhoneNumber(body.phoneCode)).purePhoneNumber;
        }
        return residentView(await residents.completeSignUp(residentIdOf(req), { communityId: toObjectId(body.communityId), nickname: body.nickname, phone, phoneVerified: phone !== undefined }));
      },
    })
    .route({
      method: 'get', path: '', summary: 'Residents in your scope (an advisor: their own; a manager: their store; city ops: their city)', tags,
      guards: guards.staff(), authenticated: true, query: residentListQuerySchema,
      response: z.object({ total: z.number().int(), items: z.array(residentSchema) }),
      handler: async ({ query, req }) => {
        const filter: Record<string, unknown> = { ...(await residentScopeFilter(staffOf(req))) };
        const narrowing: Record<string, unknown>[] = [];
        if (query.storeId) narrowing.push({ storeId: toObjectId(query.storeId) });
        if (query.communityId) narrowing.push({ communityId: toObjectId(query.communityId) });
        if (query.advisorId) narrowing.push({ 'attribution.advisorId': toObjectId(query.advisorId) });
        if (query.q) narrowing.push(residentSearchFilter(query.q));
        const combined = narrowing.length > 0 ? { $and: [filter, ...narrowing] } : filter;
        const [total, items] = await Promise.all([
          ResidentModel.countDocuments(combined),
          ResidentModel.find(combined).sort({ registeredAt: -1, _id: -1 }).skip(query.offset).limit(query.limit).lean<ResidentRecord[]>(),
        ]);
        return { total, items: items.map(residentView) };
      },
    })
    .route({
      method: 'get', path: '/:residentId', summary: 'One resident in your scope', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ residentId: objectIdSchema }), response: residentSchema,
      handler: async ({ params, req }) => residentView(await assertResidentAccess(staffOf(req), params.residentId)),
    });
}
