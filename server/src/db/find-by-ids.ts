import type { ProjectionType } from 'mongoose';

/** The one call this needs, with filters loose enough for any model. */
type ByIdModel = {
  find(filter: Record<string, unknown>, projection: ProjectionType<unknown>): { lean<R>(): { exec(): Promise<R> } };
};

/** How many point queries run at once: enough to hide round trips, few enough to leave the pool for others. */
const PARALLEL = 16;
/** Past this many ids one `$in` (a scan on the embedded database) is cheaper than as many point queries. */
const MAX_POINT_QUERIES = 5000;

/**
 * The documents whose top-level `field` equals one of `values` (repeated values asked once, in
 * no particular order), as one equality query per value, `PARALLEL` at a time.
 *
 * On the embedded database `$in` is not pushed down (see `hot-queries.ts`): `{ _id: { $in: ids } }`
 * makes FerretDB read the whole collection and filter it in Go, so naming 200 residents among
 * 100,000 costs a full scan, while each equality is served by an index on the field. On MongoDB
 * one `$in` would be a single round trip; the equality queries cost one each, which for the few
 * hundred values a page names is still milliseconds. `bench/point-query.bench.js` measures both
 * ways. For more than `MAX_POINT_QUERIES` values (a job's batch, not a page) it sends the one `$in`.
 * `model` is any Mongoose model (typed loosely so that every model passes as it is); `field` must
 * be indexed.
 */
export async function findEach<T>(model: unknown, field: string, values: readonly unknown[], projection: ProjectionType<unknown> = {}): Promise<T[]> {
  const target = model as ByIdModel;
  const distinct = [...new Map(values.map((value) => [String(value), value])).values()];
  if (distinct.length > MAX_POINT_QUERIES) return target.find({ [field]: { $in: distinct } }, projection).lean<T[]>().exec();
  const found: T[] = [];
  for (let start = 0; start < distinct.length; start += PARALLEL) {
    const batch = await Promise.all(distinct.slice(start, start + PARALLEL).map((value) => target.find({ [field]: value }, projection).lean<T[]>().exec()));
    for (const documents of batch) found.push(...documents);
  }
  return found;
}

/** The documents with these ids (missing ones dropped): `findEach` on `_id`. */
export function findByIds<T>(model: unknown, ids: readonly unknown[], projection: ProjectionType<unknown> = {}): Promise<T[]> {
  return findEach<T>(model, '_id', ids, projection);
}
