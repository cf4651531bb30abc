import mongoose, { type Connection } from 'mongoose';

/*
 * The MongoDB subset this code base may use. The embedded database is FerretDB 1.x on PostgreSQL,
 * and the same code must run unchanged on a real MongoDB, so:
 *
 * - No multi-document transactions and no sessions.
 * - FerretDB 1.x does not serialise read-modify-write updates: measured here, 50 concurrent
 *   `$inc` on one document left 1, and 50 concurrent conditional `{n: {$gte: 10}}` decrements of
 *   n = 100 all succeeded. Unique indexes ARE exact (50 concurrent inserts of one key: 1 winner).
 *   So anything that must hold under concurrency rests on unique inserts: idempotency keys,
 *   versioned steps keyed `<id>:<version>` (points, section ownership), numbered slots (rate
 *   limits, stock). Plain $set/$inc only write mirrors that a reconcile job can rebuild.
 * - No geo queries or 2dsphere indexes: distances are computed in code.
 * - Aggregation only with $match, $group (with $sum / $count), $sort, $limit, $skip, $project,
 *   $unwind, $addFields / $set, $unset and $count. Anything else ($lookup, $facet, $bucket,
 *   date operators inside $group, ...) is computed in the server process, streaming with a cursor.
 * - Indexes: single-field and compound, unique and sparse/partial-free. TTL indexes are not
 *   expired by FerretDB 1.x, so expired documents are swept by the code that owns them.
 * - No change streams, no capped-collection tailing, no $where / server-side JavaScript.
 * - Queries on growing collections need a top-level equality on an indexed field: only that is
 *   pushed down to PostgreSQL (see hot-queries.ts).
 */

/** Host list of a MongoDB URI, without user name or password. */
export function describeMongoHosts(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  return match?.[1] ?? '(unparseable URI)';
}

function scrubCredentials(text: string, uri: string): string {
  const credentials = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/.exec(uri)?.[1];
  if (!credentials) return text;
  let scrubbed = text.split(credentials).join('***');
  const password = credentials.split(':')[1];
  if (password) scrubbed = scrubbed.split(password).join('***').split(decodeURIComponent(password)).join('***');
  return scrubbed;
}

export class DatabaseConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConnectError';
  }
}

/**
 * Connects Mongoose's default connection, which the models use. Fails within `timeoutMs`
 * with a message naming the host(s) of the URI and never its password.
 */
export async function connectDatabase(uri: string, dbName: string, timeoutMs = 5000): Promise<Connection> {
  try {
    await mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, autoIndex: true });
    await mongoose.connection.db!.command({ ping: 1 });
    // Indexes carry the uniqueness rules that make writes idempotent; wait for them.
    await Promise.all(Object.values(mongoose.connection.models).map((model) => model.init()));
    return mongoose.connection;
  } catch (error) {
    await mongoose.disconnect().catch(() => undefined);
    const reason = scrubCredentials((error as Error).message, uri);
    throw new DatabaseConnectError(`Cannot connect to MongoDB at ${describeMongoHosts(uri)} within ${timeoutMs} ms: ${reason}`);
  }
}

/** Pings with a deadline; used by /readyz. */
export async function pingDatabase(connection: Connection, timeoutMs = 2000): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
    });
    await Promise.race([connection.db.command({ ping: 1 }), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
