import type { Model, Types } from 'mongoose';
import { isDuplicateKey } from '../../db/unique-insert';


interface SlotClaim {
  /** `_id` of slot n is `<prefix>:<n>`. */
  prefix: string;
  /** Selects every slot of this pool (for counting and for finding gaps). */
  pool: Record<string, unknown>;
  /** Slots 1..capacity exist; none above. */
  capacity: number;
  redemptionId: Types.ObjectId;
  /** Extra fields stored on the slot. */
  fields: Record<string, unknown>;
  now: Date;
}

/**
 * Takes a free numbered slot of a pool for a redemption, by unique insert, or finds the one it
 * already holds (the slot's `redemptionId` is unique too, so a redemption never holds two).
 * Returns false when every slot 1..capacity is taken. Starts after the count of taken slots, where
 * free ones usually are, then looks for gaps left by released slots.
 */
export async function claimNumberedSlot(slots: Model<any>, claim: SlotClaim): Promise<boolean> {
  const holds = async () => Boolean(await slots.exists({ redemptionId: claim.redemptionId }));
  if (await holds()) return true;
  const taken = await slots.countDocuments(claim.pool);
  if (taken >= claim.capacity) return holds();

  const tryInsert = async (n: number): Promise<boolean | 'held'> => {
    try {
      await slots.create({ _id: `${claim.prefix}:${n}`, n, redemptionId: claim.redemptionId, at: claim.now, ...claim.fields });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // On MongoDB the error names the index; a clash on redemptionId means this redemption already holds one.
      return (error as { keyPattern?: Record<string, unknown> }).keyPattern?.redemptionId ? 'held' : false;
    }
  };

  for (let n = taken + 1; n <= claim.capacity; n += 1) {
    if (await tryInsert(n)) return true;
  }
  const used = new Set((await slots.find(claim.pool, { n: 1 }).lean<{ n: number }[]>()).map((slot) => slot.n));
  for (let n = 1; n <= claim.capacity; n += 1) {
    if (!used.has(n) && (await tryInsert(n))) return true;
  }
  return holds();
}

/** Frees whatever slots a redemption holds in a pool; keyed by redemption, so a reused slot number is never freed by mistake. */
export async function releaseSlots(slots: Model<any>, redemptionId: Types.ObjectId): Promise<number> {
  return (await slots.deleteMany({ redemptionId })).deletedCount ?? 0;
}
