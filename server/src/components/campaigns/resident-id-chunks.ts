import type { Model, Types } from 'mongoose';
import { insertManyOnce } from '../../db/unique-insert';
import { ID_CHUNK_SIZE } from './campaigns.model';

/**
 * Stores a list of resident ids as chunks `<ownerId>:<n>` of at most ID_CHUNK_SIZE ids, never one
 * unbounded array. Re-running it for the same owner and list changes nothing (unique inserts).
 * Returns the number of chunks.
 */
export async function writeIdChunks(chunks: Model<any>, ownerId: Types.ObjectId, residentIds: readonly Types.ObjectId[]): Promise<number> {
  const documents: Record<string, unknown>[] = [];
  for (let start = 0; start < residentIds.length; start += ID_CHUNK_SIZE) {
    const n = start / ID_CHUNK_SIZE;
    documents.push({ _id: `${ownerId}:${n}`, ownerId, n, residentIds: residentIds.slice(start, start + ID_CHUNK_SIZE) });
  }
  // A chunk is up to 1000 ids (about 30 KB); a few per insert keeps each write small.
  for (let start = 0; start < documents.length; start += 20) await insertManyOnce(chunks, documents.slice(start, start + 20));
  return documents.length;
}

/** Reads chunk n of an owner by `_id`; an absent chunk reads as empty. */
export async function readIdChunk(chunks: Model<any>, ownerId: Types.ObjectId, n: number): Promise<Types.ObjectId[]> {
  const chunk = await chunks.findById(`${ownerId}:${n}`, { residentIds: 1 }).lean<{ residentIds: Types.ObjectId[] }>();
  return chunk?.residentIds ?? [];
}

/** The ids without repeats, first occurrence kept, order kept. */
export function uniqueIds(ids: readonly Types.ObjectId[]): Types.ObjectId[] {
  return [...new Map(ids.map((id) => [String(id), id])).values()];
}
