import { ticketSchema, ticketStatsSchema, type Ticket, type TicketStats } from '@o2o/shared/schemas/tickets';
import { client } from '../../../services/session';

/** The staff tickets API; responses are parsed with the server's own schemas. */
export const ticketsApi = {
  list: async (status?: Ticket['status']): Promise<Ticket[]> =>
    ticketSchema.array().parse(await client.request<unknown>({ method: 'GET', path: '/tickets', query: { status, limit: 50 } })),
  stats: async (): Promise<TicketStats> => ticketStatsSchema.parse(await client.request<unknown>({ method: 'GET', path: '/tickets/stats' })),
  answer: async (ticketId: string, input: { text: string; via: 'group' | 'private'; requestId: string }): Promise<Ticket> =>
    ticketSchema.parse(await client.request<unknown>({ method: 'POST', path: `/tickets/${ticketId}/answers`, body: { ...input, close: true } })),
  close: async (ticketId: string): Promise<Ticket> => ticketSchema.parse(await client.request<unknown>({ method: 'POST', path: `/tickets/${ticketId}/close` })),
};

/** A fresh id per answer attempt the page keeps until it succeeds, so a retry is the same answer. */
export function newRequestId(): string {
  return `answer-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function durationText(seconds: number | null): string {
  if (seconds === null) return '未回复';
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`;
  return `${(seconds / 3600).toFixed(1)} 小时`;
}
