import type { Types } from 'mongoose';

/**
 * What other components need of a saved audience: its name and its current members. The
 * audiences component implements it; campaigns (subscribe-message pushes, product promotions)
 * depend only on this.
 */
export interface AudienceResolver {
  /** The audience's id and name, or null when there is no such audience. */
  describe(audienceId: string): Promise<{ id: string; name: string } | null>;
  /** The ids of the residents who match the audience's conditions now. */
  memberIds(audienceId: string): Promise<Types.ObjectId[]>;
}
