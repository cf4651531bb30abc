import { z } from 'zod';
import {
  botTicketRequestSchema,
  botTicketResultSchema,
  ticketAnswerInputSchema,
  ticketListQuerySchema,
  ticketParamsSchema,
  ticketSchema,
  ticketStatsQuerySchema,
  ticketStatsSchema,
} from '@o2o/shared/schemas/tickets';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { staffOf } from '../auth/auth.guard';
import { DeliveryService } from '../groups/deliveries.service';
import { botGuard } from '../groups/bot.guard';
import { TicketService } from './tickets.service';

/**
 * `/tickets`: the bot hands residents' complaints and questions it cannot answer to the store's
 * staff (`POST /tickets/bot`, BOT_API_TOKEN); staff list, answer and close them in the workbench.
 */
export function ticketsRouter(services: Pick<Services, 'guards' | 'config'>): ApiRouter {
  const { guards, config } = services;
  const tickets = new TicketService(new DeliveryService());
  const tags = ['tickets'];
  const staff = guards.staff();

  return new ApiRouter('/tickets')
    .route({
      method: 'post', path: '/bot', summary: 'Bot: hand a resident\'s message to the store\'s staff (once per message); staff bound to WeChat are told privately', tags: ['groups bot'], errors: [404],
      guards: [botGuard(config.BOT_API_TOKEN)], authenticated: true, body: botTicketRequestSchema, response: botTicketResultSchema,
      handler: async ({ body }) => tickets.open(body),
    })
    .route({
      method: 'get', path: '', summary: 'Tickets of the stores in your scope, newest first', tags, errors: [403, 404],
      guards: staff, authenticated: true, query: ticketListQuerySchema, response: z.array(ticketSchema),
      handler: async ({ query, req }) => tickets.list(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/stats', summary: 'Tickets created, open and answered, and the time to the first answer', tags, errors: [403, 404],
      guards: staff, authenticated: true, query: ticketStatsQuerySchema, response: ticketStatsSchema,
      handler: async ({ query, req }) => tickets.stats(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/:ticketId', summary: 'One ticket with its answers', tags, errors: [403, 404],
      guards: staff, authenticated: true, params: ticketParamsSchema, response: ticketSchema,
      handler: async ({ params, req }) => tickets.get(staffOf(req), params.ticketId),
    })
    .route({
      method: 'post', path: '/:ticketId/answers', summary: 'Answer a ticket; the bot relays it to the resident in the group or privately (a retried requestId is the same answer)', tags, status: 201, errors: [403, 404, 409],
      guards: staff, authenticated: true, params: ticketParamsSchema, body: ticketAnswerInputSchema, response: ticketSchema,
      handler: async ({ params, body, req }) => tickets.answer(staffOf(req), params.ticketId, body),
    })
    .route({
      method: 'post', path: '/:ticketId/close', summary: 'Close a ticket without (another) answer', tags, errors: [403, 404],
      guards: staff, authenticated: true, params: ticketParamsSchema, response: ticketSchema,
      handler: async ({ params, req }) => tickets.close(staffOf(req), params.ticketId),
    });
}
