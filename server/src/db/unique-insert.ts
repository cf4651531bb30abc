import type { Model } from 'mongoose';

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number })?.code === DUPLICATE_KEY;
}

/** Inserts a document; false when its unique key already exists (someone else did it first). */
export async function insertOnce(model: Model<any>, doc: Record<string, unknown>): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Inserts many documents, skipping those whose unique key exists; returns how many were new. */
export async function insertManyOnce(model: Model<any>, docs: Record<string, unknown>[]): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    const inserted = await model.insertMany(docs, { ordered: false });
    return inserted.length;
  } catch (error) {
    const bulk = error as { code?: number; insertedDocs?: unknown[]; writeErrors?: { code?: number; err?: { code?: number } }[]; result?: { insertedCount?: number } };
    const writeErrors = bulk.writeErrors ?? [];
    const allDuplicates = writeErrors.length > 0 ? writeErrors.every((entry) => (entry.code ?? entry.err?.code) === DUPLICATE_KEY) : isDuplicateKey(error);
    if (!allDuplicates) throw error;
    return bulk.insertedDocs?.length ?? bulk.result?.insertedCount ?? 0;
  }
}

export interface NumberedSlot {
  /** `_id` of slot n is `<prefix>:<n>`. */
  prefix: string;
  /** Selects every slot of the pool, to start after the ones taken. */
  pool: Record<string, unknown>;
  /** A unique field naming what takes the slot, so the same item never takes two. */
  keyField: string;
  key: string;
  /** Stored on the slot beside `_id`, `n` and the key. */
  fields: Record<string, unknown>;
}

/**
 * Takes the next numbered slot of a pool for one item, by unique insert: two items at once get
 * distinct numbers, and an item that already holds a slot (a retry, or a racing copy of itself)
 * gets its own number back. Null after `attempts` numbers were taken by others meanwhile.
 */
export async function takeNumberedSlot(model: Model<any>, slot: NumberedSlot, attempts: number): Promise<number | null> {
  const taken = await model.countDocuments(slot.pool);
  for (let n = taken + 1; n <= taken + attempts; n += 1) {
    if (await insertOnce(model, { _id: `${slot.prefix}:${n}`, n, [slot.keyField]: slot.key, ...slot.fields })) return n;
    const held = await model.findOne({ [slot.keyField]: slot.key }, { n: 1 }).lean<{ n: number }>();
    if (held) return held.n;
  }
  return null;
}
