import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { completeSignUpSchema, residentListQuerySchema, residentSchema, updateProfileSchema } from '@o2o/shared/schemas/residents';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf } from '../auth/auth.guard';
import { residentRepository } from './resident.repository';
import { assertResidentAccess, residentView } from './resident.service';

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
        const { total, items } = await residentRepository.listInScope(
          staffOf(req),
          { storeId: query.storeId ? toObjectId(query.storeId) : undefined, communityId: query.communityId ? toObjectId(query.communityId) : undefined, advisorId: query.advisorId ? toObjectId(query.advisorId) : undefined, q: query.q },
          { offset: query.offset, limit: query.limit },
        );
        return { total, items: items.map(residentView) };
      },
    })
    .route({
      method: 'get', path: '/:residentId', summary: 'One resident in your scope', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: z.object({ residentId: objectIdSchema }), response: residentSchema,
      handler: async ({ params, req }) => residentView(await assertResidentAccess(staffOf(req), params.residentId)),
    });
}
