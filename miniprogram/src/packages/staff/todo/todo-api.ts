import { churnAlertSchema, type ChurnAlert } from '@o2o/shared/schemas/churn';
import { client } from '../../../services/session';

/** The churn to-do API; responses are parsed with the server's own schemas. */
export const todoApi = {
  list: async (status: ChurnAlert['status']): Promise<ChurnAlert[]> =>
    churnAlertSchema.array().parse(await client.request<unknown>({ method: 'GET', path: '/churn/alerts', query: { status, limit: 100 } })),
  done: async (alertId: string, note: string): Promise<ChurnAlert> =>
    churnAlertSchema.parse(await client.request<unknown>({ method: 'POST', path: `/churn/alerts/${encodeURIComponent(alertId)}/done`, body: note ? { note } : {} })),
};
