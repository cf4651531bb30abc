import { checkinOutcomeSchema, myCheckinSchema } from '@o2o/shared/schemas/checkins';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { residentIdOf } from '../auth/auth.guard';
import { CheckinService } from './checkins.service';

/** `/me/checkin`: the resident's daily check-in in the mini-program (the group's 签到 is the same one). */
export function checkinsRouter({ guards, tasks, points }: Services): ApiRouter {
  const checkins = new CheckinService({ tasks, points });
  const tags = ['checkins'];
  return new ApiRouter('/me')
    .route({
      method: 'get', path: '/checkin', summary: "Today's check-in (from the app or a group), the streak and the last 7 days", tags,
      guards: guards.resident, authenticated: true, response: myCheckinSchema,
      handler: async ({ req }) => checkins.mine(residentIdOf(req)),
    })
    .route({
      method: 'post', path: '/checkin', summary: 'Check in for today (China time); once a day, shared with 签到 in the community group', tags, errors: [409],
      guards: guards.resident, authenticated: true, response: checkinOutcomeSchema,
      handler: async ({ req }) => checkins.checkIn(residentIdOf(req)),
    });
}
