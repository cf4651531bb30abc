import type { Connection } from 'mongoose';
import type { AudienceService } from '../audiences/audiences.service';
import type { PointsService } from '../points/points.service';
import type { TaskService } from '../tasks/tasks.service';
import { BindCodeService } from './bind-codes.service';
import { TicketService } from '../tickets/tickets.service';
import { BotAccountService } from './bot-accounts.service';
import { BotEventService } from './bot-events.service';
import { DeliveryService, type DeliverySendCheck } from './deliveries.service';
import { GroupsService } from './groups.service';
import { ModerationService } from './moderation.service';

export type GroupServices = ReturnType<typeof createGroupServices>;

/** The community-group component's services, wired to each other. */
export function createGroupServices(deps: { points: PointsService; tasks: TaskService; connection: Connection; audiences?: AudienceService | null; now?: () => Date; sendChecks?: DeliverySendCheck[] }) {
  const deliveries = new DeliveryService(deps.audiences ?? null, deps.sendChecks ?? []);
  const groups = new GroupsService(deps, deliveries);
  const moderation = new ModerationService(groups.settings, deliveries, deps.now);
  const bindCodes = new BindCodeService((wxid, residentId, now) => groups.onResidentIdentityBound(wxid, residentId, now));
  const accounts = new BotAccountService(new TicketService(deliveries), moderation.now);
  return { groups, deliveries, moderation, bindCodes, accounts, events: new BotEventService(groups, deliveries, moderation, accounts) };
}
