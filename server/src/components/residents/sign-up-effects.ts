import type { Logger } from '../../lib/logger';
import type { InviteService } from '../invites/invite.service';
import type { OrderService } from '../orders/orders.service';
import type { TaskService } from '../tasks/tasks.service';
import type { ResidentLifecycle } from './resident.service';

/**
 * What follows a resident's registration, sign-up and completed profile in other components. Each
 * step is keyed, so a repeated sign-up counts once; a failure that must not fail the sign-up is
 * logged, and a repair job finishes it.
 */
export function signUpEffects({ orders, tasks, invites, logger }: { orders: OrderService; tasks: TaskService; invites: InviteService; logger: Logger }): ResidentLifecycle {
  return {
    onRegistered: [
      // Orders that arrived before the resident registered are attached now (a repair job retries).
      (resident) => orders.matchResident(resident._id).then(
        () => undefined,
        (error: unknown) => logger.error({ err: error, residentId: String(resident._id) }, 'attaching earlier orders failed'),
      ),
    ],
    onSignedUp: [
      // The newbie task "完成注册"; the key makes a repeated sign-up count once.
      (resident) => tasks
        .recordEvent({ residentId: resident._id, type: 'signup_completed', idempotencyKey: `signup:${resident._id}`, occurredAt: resident.signedUpAt ?? new Date(), source: 'server' })
        .then(() => undefined),
      // An invitee counts for the inviter once signed up (not at the first login); the invite jobs repair a missing invite.
      (resident) => invites.onRegistered(resident).then(
        () => undefined,
        (error: unknown) => logger.error({ err: error, residentId: String(resident._id) }, 'recording the invite failed; the invite job will repair it'),
      ),
    ],
    onProfileCompleted: [
      // The newbie task "完善资料", once the profile is really filled in.
      (resident) => tasks
        .recordEvent({ residentId: resident._id, type: 'profile_completed', idempotencyKey: `profile_completed:${resident._id}`, occurredAt: resident.profileCompletedAt ?? new Date(), source: 'server' })
        .then(() => undefined),
    ],
  };
}
