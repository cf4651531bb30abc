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
