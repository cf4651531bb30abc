import { z } from 'zod';
import { sessionSchema, wechatLoginSchema } from '@o2o/shared/schemas/auth';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { staffView } from '../staff/staff.service';
import { staffRepository } from '../staff/staff.repository';

export function authRouter({ guards, identity, sessions, residents }: Services): ApiRouter {
  const tags = ['auth'];
  return new ApiRouter('/auth')
    .route({
      method: 'post', path: '/wechat-login',
      summary: "Sign in with wx.login's code: staff get a staff session, anyone else becomes (or is) a resident credited to their first touch",
      description: 'The scene the mini-program opened with is recorded as a touch; a new resident is credited to it exactly once.',
      tags, errors: [403, 502, 503],
      body: wechatLoginSchema, response: sessionSchema,
      handler: async ({ body }) => {
        const who = await identity(body.code);
        const staff = await staffRepository.activeByOpenid(who.openid);
        if (staff) {
          const session = await sessions.create({ kind: 'staff', residentId: null, staffId: staff._id, openid: who.openid });
          return { token: session.token, expiresAt: session.expiresAt.toISOString(), kind: 'staff' as const, residentId: null, isNewResident: false, needsSignUp: false, staff: staffView(staff), scan: null };
        }
        const login = await residents.login({ openid: who.openid, unionid: who.unionid, scene: body.scene, deviceId: body.deviceId });
        const session = await sessions.create({ kind: 'resident', residentId: login.resident._id, staffId: null, openid: who.openid });
        return {
          token: session.token,
          expiresAt: session.expiresAt.toISOString(),
          kind: 'resident' as const,
          residentId: String(login.resident._id),
          isNewResident: login.isNew,
          needsSignUp: !login.resident.signedUpAt,
          staff: null,
          scan: login.scan,
        };
      },
    })
    .route({
      method: 'post', path: '/logout', summary: 'End this session', tags, status: 204,
      guards: guards.signedIn, authenticated: true, response: z.null(),
      handler: async ({ req }) => {
        await sessions.revoke(req.header('authorization')!.replace(/^Bearer\s+/, ''));
        return null;
      },
    });
}
