import { groupShareQuerySchema, groupShareSchema, touchInputSchema, touchResultSchema } from '@o2o/shared/schemas/credits';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { residentIdOf, staffOf } from '../auth/auth.guard';

/** Touches reported by the mini-program, and what the stored order credits say. */
export function creditsRouter({ guards, credits }: Pick<Services, 'guards' | 'credits'>): ApiRouter {
  const tags = ['credits'];
  return new ApiRouter('/credits')
    .route({
      method: 'post', path: '/touches', tags, errors: [404, 409],
      summary: 'The resident opened the mini-program from a broadcast card, a push or a share (the link\'s tk/tr/tg/tu parameters); a retry with the same touchId is stored once',
      description:
        'In WeChat, pass `groupInfo` (what wx.getGroupEnterInfo returned for the shareTicket): the server decrypts it with the session key kept at login. ' +
        'A broadcast card opened in its group teaches the server that group\'s opengid; a share opened in a known group is then credited to it. Opening one\'s own share stores nothing (`created: false`).',
      guards: guards.resident, authenticated: true, body: touchInputSchema, response: touchResultSchema,
      handler: async ({ body, req }) => credits.recordTouch(residentIdOf(req), body),
    })
    .route({
      method: 'get', path: '/group-share', tags, errors: [403, 404],
      summary: 'Completed orders over China days and how many a group (broadcast card or share opened in a group), or any touch, led to: the share of orders that came through groups',
      guards: guards.staff('store_manager', 'city_ops', 'admin'), authenticated: true, query: groupShareQuerySchema, response: groupShareSchema,
      handler: async ({ query, req }) => credits.groupShare(staffOf(req), query),
    });
}
