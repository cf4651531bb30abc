import type { ProjectionType } from 'mongoose';

/** The two calls this needs, with filters loose enough for any model. */
type ByIdModel = {
  find(filter: Record<string, unknown>, projection: ProjectionType<unknown>): { lean<R>(): { exec(): Promise<R> } };
  findOne(filter: Record<string, unknown>, projection: ProjectionType<unknown>): { lean<R>(): { exec(): Promise<R | null> } };
};

/** How many point queries run at once: enough to hide round trips, few enough to leave the pool for others. */
const PARALLEL = 16;
/** Past this many ids one `$in` (a scan on the embedded database) is cheaper than as many point queries. */
const MAX_POINT_QUERIES = 5000;

/**
 * The documents with these ids (duplicates and missing ones dropped, in no particular order), as
 * one `_id` equality query each, `PARALLEL` at a time.
 *
 * On the embedded database `$in` is not pushed down (see `hot-queries.ts`): `{ _id: { $in: ids } }`
 * makes FerretDB read the whole collection and filter it in Go, so naming 200 residents among
 * 100,000 costs a full scan, while each equality is served by the `_id` index. On MongoDB one
 * `$in` would be a single round trip; the point queries cost one each, which for the few hundred
 * ids a page names is still milliseconds. `bench/point-query.bench.js` measures both ways. For
 * more than `MAX_POINT_QUERIES` ids (a job's batch, not a page) it sends the one `$in`.
 */
/** `model` is any Mongoose model (typed loosely so that every model passes as it is). */
export async function findByIds<T>(model: unknown, ids: readonly unknown[], projection: ProjectionType<unknown> = {}): Promise<T[]> {
  const target = model as ByIdModel;
  const distinct = [...new Map(ids.map((id) => [String(id), id])).values()];
  if (distinct.length > MAX_POINT_QUERIES) return target.find({ _id: { $in: distinct } }, projection).lean<T[]>().exec();
  const found: T[] = [];
  for (let start = 0; start < distinct.length; start += PARALLEL) {
    const batch = await Promise.all(distinct.slice(start, start + PARALLEL).map((id) => target.findOne({ _id: id }, projection).lean<T>().exec()));
    for (const document of batch) if (document) found.push(document);
  }
  return found;
}
