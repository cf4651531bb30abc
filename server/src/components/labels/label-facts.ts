import type { Collection, Types } from 'mongoose';
import { chinaDayStart } from '@o2o/shared/rules/china-time';
import {
  addActivity,
  addCompletedOrder,
  addGroupActivity,
  addGroupMembership,
  addInvitee,
  addNewbieProgress,
  addOpenFraudFlag,
  newFacts,
  setInterestCategories,
  type FactWindows,
  type ResidentFacts,
} from '@o2o/shared/rules/labels';

/*
 * Turns raw documents into per-resident facts. `FactsBuilder` takes documents one at a time, so the
 * one-resident refresh (its own small queries) and the nightly recompute (each collection streamed
 * once, in any order) feed the very same code and cannot disagree.
 */

export interface StoreRef {
  name: string;
  cityId: string | null;
}

export interface NewbieTaskRef {
  id: string;
  storeId: string | null;
  cityId: string | null;
}

export interface FactContext {
  windows: FactWindows;
  /** Task event types that count as activity (the metrics' active definition; orders come from `orders`). */
  activityTypes: readonly string[];
  /** Active newbie tasks. */
  newbieTasks: NewbieTaskRef[];
  /** Stores by id (all of them nightly, the resident's own on a refresh). */
  stores: Map<string, StoreRef>;
  /** Community names by id (all nightly, the resident's own on a refresh). */
  communities: Map<string, string>;
}

/** The projections each source is read with: only the fields the builder uses. */
export const PROJECTIONS = {
  residents: { registeredAt: 1, storeId: 1, communityId: 1 },
  orders: { residentId: 1, completedAt: 1, totalCents: 1 },
  taskEvents: { residentId: 1, occurredAt: 1 },
  newbieProgress: { taskId: 1, residentId: 1 },
  identities: { residentId: 1 },
  members: { wxid: 1 },
  activity: { day: 1, counts: 1 },
  checkins: { residentId: 1, at: 1 },
  invites: { inviterId: 1, qualifiedAt: 1, qualifyBy: 1 },
  flags: { inviterId: 1 },
  interests: { categories: 1 },
} as const;

const idOf = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const timeOf = (value: unknown): number | null => (value instanceof Date ? value.getTime() : null);

/** Per-resident facts, built from documents of every source. Unknown residents are ignored. */
export class FactsBuilder {
  /** A null entry is a resident whose facts were already consumed (see `take`). */
  readonly facts = new Map<string, ResidentFacts | null>();
  private readonly wxidResidents = new Map<string, ResidentFacts>();
  private readonly newbieByScope = new Map<string, readonly string[]>();

  constructor(readonly context: FactContext) {}

  addResident(doc: { _id: Types.ObjectId; registeredAt: Date; storeId?: unknown; communityId?: unknown }): void {
    const storeId = idOf(doc.storeId);
    const communityId = idOf(doc.communityId);
    const store = storeId ? this.context.stores.get(storeId) : undefined;
    const basics = { registeredAt: doc.registeredAt, storeId, storeName: store?.name ?? null, communityId, communityName: communityId ? this.context.communities.get(communityId) ?? null : null };
    this.facts.set(String(doc._id), newFacts(basics, this.newbieApplicable(storeId, store?.cityId ?? null), this.context.windows));
  }

  /** A completed order (the query selects `state: 'completed'`). */
  addOrder(doc: { residentId?: unknown; completedAt?: unknown; totalCents?: number }): void {
    const facts = this.of(doc.residentId);
    const completedAt = timeOf(doc.completedAt);
    if (facts && completedAt !== null) addCompletedOrder(facts, completedAt, doc.totalCents ?? 0, this.context.windows);
  }

  /** An activity task event (the query selects the activity types). */
  addTaskEvent(doc: { residentId?: unknown; occurredAt?: unknown }): void {
    const facts = this.of(doc.residentId);
    const at = timeOf(doc.occurredAt);
    if (facts && at !== null) addActivity(facts, at, this.context.windows);
  }

  addNewbieProgress(doc: { taskId?: unknown; residentId?: unknown }, completed: boolean): void {
    const facts = this.of(doc.residentId);
    if (facts && doc.taskId) addNewbieProgress(facts, String(doc.taskId), completed);
  }

  /** A WeChat identity bound to a resident: lets group members and messages be traced to the resident. */
  addIdentity(doc: { _id: string; residentId?: unknown }): void {
    const facts = this.of(doc.residentId);
    if (facts) this.wxidResidents.set(doc._id, facts);
  }

  /** A current group membership (the query selects `leftAt: null`). Call after every identity. */
  addGroupMember(doc: { wxid?: string }): void {
    const facts = doc.wxid ? this.wxidResidents.get(doc.wxid) : undefined;
    if (facts) addGroupMembership(facts);
  }

  /** A day's message counts in a group. Call after every identity. */
  addGroupActivity(doc: { day?: string; counts?: { wxid?: string | null; messages?: number | null }[] }): void {
    if (!doc.day) return;
    const at = chinaDayStart(doc.day).getTime();
    for (const count of doc.counts ?? []) {
      const facts = count.wxid && (count.messages ?? 0) > 0 ? this.wxidResidents.get(count.wxid) : undefined;
      if (facts) addGroupActivity(facts, at);
    }
  }

  addCheckin(doc: { residentId?: unknown; at?: unknown }): void {
    const facts = this.of(doc.residentId);
    const at = timeOf(doc.at);
    if (facts && at !== null) addGroupActivity(facts, at);
  }

  addInvite(doc: { inviterId?: unknown; qualifiedAt?: unknown; qualifyBy?: unknown }): void {
    const facts = this.of(doc.inviterId);
    if (facts) addInvitee(facts, { qualified: doc.qualifiedAt instanceof Date, qualifyBy: timeOf(doc.qualifyBy) ?? Number.POSITIVE_INFINITY }, this.context.windows);
  }

  /** An open fraud flag (the query selects `status: 'open'`). */
  addOpenFlag(doc: { inviterId?: unknown }): void {
    const facts = this.of(doc.inviterId);
    if (facts) addOpenFraudFlag(facts);
  }

  addInterest(doc: { _id: unknown; categories?: { category: string }[] }): void {
    const facts = this.of(doc._id);
    if (facts) setInterestCategories(facts, (doc.categories ?? []).map((entry) => entry.category));
  }

  /** Hands out a resident's facts once; later documents for that resident are ignored. */
  take(residentId: string): ResidentFacts | null | undefined {
    const facts = this.facts.get(residentId);
    if (facts) this.facts.set(residentId, null);
    return facts;
  }

  private of(residentId: unknown): ResidentFacts | undefined {
    return residentId ? this.facts.get(String(residentId)) ?? undefined : undefined;
  }

  /** Newbie tasks for the resident's store and city; one shared list per scope keeps memory small. */
  private newbieApplicable(storeId: string | null, cityId: string | null): readonly string[] {
    const scope = `${storeId}|${cityId}`;
    let list = this.newbieByScope.get(scope);
    if (!list) {
      list = this.context.newbieTasks.filter((task) => (!task.storeId || task.storeId === storeId) && (!task.cityId || task.cityId === cityId)).map((task) => task.id);
      this.newbieByScope.set(scope, list);
    }
    return list;
  }
}

/** Streams a collection once, in batches, calling `each` per document. */
export async function streamCollection<T>(collection: Collection, filter: Record<string, unknown>, projection: Record<string, 1>, each: (doc: T) => void): Promise<number> {
  let count = 0;
  for await (const doc of collection.find(filter, { projection, batchSize: 1000 })) {
    each(doc as unknown as T);
    count += 1;
  }
  return count;
}
