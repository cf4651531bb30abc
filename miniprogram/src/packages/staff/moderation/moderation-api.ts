import { moderationCaseSchema, moderationUndoResultSchema, type ModerationCase, type ModerationUndoResult } from '@o2o/shared/schemas/groups';
import { client } from '../../../services/session';

/** The staff moderation API; responses are parsed with the server's own schemas. */
export const moderationApi = {
  list: async (): Promise<ModerationCase[]> =>
    moderationCaseSchema.array().parse(await client.request<unknown>({ method: 'GET', path: '/groups/moderation', query: { limit: 50 } })),
  undo: async (caseId: string, reason: string): Promise<ModerationUndoResult> =>
    moderationUndoResultSchema.parse(await client.request<unknown>({ method: 'POST', path: `/groups/moderation/${caseId}/undo`, body: { reason } })),
};
