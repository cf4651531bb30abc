import { groupCodeJoinSchema, storeLiveCodeSchema, type GroupCodeJoin, type StoreLiveCode } from '@o2o/shared/schemas/group-codes';
import { client } from '../../services/session';

/** The store's live group code (群活码) and joining through it; responses parsed with the server's schemas. */
export const liveCodeApi = {
  forStore: async (storeId: string): Promise<StoreLiveCode['code']> =>
    storeLiveCodeSchema.parse(await client.request<unknown>({ method: 'GET', path: `/group-codes/stores/${storeId}/live` })).code,
  join: async (codeId: string): Promise<GroupCodeJoin> => groupCodeJoinSchema.parse(await client.request<unknown>({ method: 'POST', path: `/group-codes/${codeId}/join` })),
};
