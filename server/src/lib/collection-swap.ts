import mongoose from 'mongoose';

/*
 * Rebuilding a whole collection by writing a fresh one and swapping it in.
 *
 * Jobs that rewrite every document of a collection (labels, interest) build a new collection and
 * swap it in instead of upserting each document in place. On the embedded database (FerretDB 1.24
 * on PostgreSQL) an upsert by `_id` is an indexed point write, but still a round trip with its own
 * transaction and index maintenance; inserting into an empty collection goes in batches. Measured
 * by `npm run bench -- point-query` (see the README): 3,052 documents/s into the fresh collection
 * against 88/s upserted in place, for 100,000 documents. (On the former SQLite backend every `_id` upsert also scanned the
 * whole collection.)
 */

/** Build collections that are this old belong to a crashed run and are dropped by the next swap. */
const ABANDONED_BUILD_MS = 24 * 3600_000;
const RENAME_ATTEMPTS = 3;
const NAMESPACE_EXISTS = 48;

const buildPrefix = (target: string) => `${target}_build_`;

/** A build collection of its own per run, named by its start time so leftovers can be aged. */
export function buildCollectionName(target: string, now = Date.now()): string {
  return `${buildPrefix(target)}${now}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Replaces `target` with the finished `build`: drop, then rename (the embedded database has no
 * rename with dropTarget). Between the two, for milliseconds, readers find no document (an empty
 * answer, never a mixed one). A writer that upserts into `target` in that gap recreates it; the
 * rename then fails and is retried after dropping again, so that write is lost and the caller
 * must redo it (see the callers). A crash between drop and rename leaves the target empty until
 * the next run. Abandoned builds of crashed runs are dropped here too.
 */
export async function swapInBuild(target: string, build: string): Promise<void> {
  const db = mongoose.connection.db!;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((entry) => entry.name);
  for (let attempt = 1; ; attempt += 1) {
    const current = (await db.listCollections({ name: target }, { nameOnly: true }).toArray()).length > 0;
    if (current) await db.dropCollection(target).catch(() => undefined);
    try {
      await db.renameCollection(build, target);
      break;
    } catch (error) {
      if ((error as { code?: number }).code !== NAMESPACE_EXISTS || attempt >= RENAME_ATTEMPTS) throw error;
    }
  }
  const prefix = buildPrefix(target);
  for (const name of names) {
    if (!name.startsWith(prefix) || name === build) continue;
    const startedAt = Number(name.slice(prefix.length).split('_')[0]);
    if (Date.now() - startedAt > ABANDONED_BUILD_MS) await db.dropCollection(name).catch(() => undefined);
  }
}
