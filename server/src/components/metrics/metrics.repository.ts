import mongoose, { type Types } from 'mongoose';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { dayRange, dayRangeInstants, type MetricDimension } from '@o2o/shared/rules/metrics';
import { ResidentModel } from '../residents/resident.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { MetricRollupModel, type MetricRollupRecord } from './metrics.model';
import { isDuplicateKey } from '../../db/unique-insert';

/** How many ids go into one `$in` query, and how many writes into one bulk write. */
export const BATCH_SIZE = 1000;
/** Above this many ids, one pass over the collection replaces the `$in` batches. */
const ONE_PASS_ABOVE = BATCH_SIZE;

/** What the metrics need of an order (the `orders` collection of the orders component). */
export interface OrderFact {
  _id: unknown;
  residentId: Types.ObjectId | null;
  state: string;
  completedAt: Date | null;
  totalCents?: number;
}

/** What the metrics need of a resident: the registration time and the first-touch dimensions. */
export interface ResidentFact {
  _id: Types.ObjectId;
  registeredAt: Date;
  storeId?: Types.ObjectId | null;
  communityId?: Types.ObjectId | null;
  attribution?: {
    advisorId?: Types.ObjectId | null;
    codeType?: string | null;
    channelId?: Types.ObjectId | null;
    campaignId?: Types.ObjectId | null;
    placementId?: Types.ObjectId | null;
  } | null;
}

const RESIDENT_PROJECTION = {
  registeredAt: 1, storeId: 1, communityId: 1,
  'attribution.advisorId': 1, 'attribution.codeType': 1, 'attribution.channelId': 1, 'attribution.campaignId': 1, 'attribution.placementId': 1,
};

/** The dimension values a resident is counted under: always `all`, then each first-touch dimension that is set. */
export function dimensionsOf(resident: ResidentFact | null | undefined): [MetricDimension, string][] {
  const dimensions: [MetricDimension, string][] = [['all', 'all']];
  if (!resident) return dimensions;
  const add = (dimension: MetricDimension, value: unknown): void => {
    if (value !== null && value !== undefined && value !== '') dimensions.push([dimension, String(value)]);
  };
  add('store', resident.storeId);
  add('community', resident.communityId);
  add('advisor', resident.attribution?.advisorId);
  add('codeType', resident.attribution?.codeType);
  add('channel', resident.attribution?.channelId);
  add('campaign', resident.attribution?.campaignId);
  add('placement', resident.attribution?.placementId);
  return dimensions;
}

/** The batch indexes of a bulk write that failed only on duplicate keys (a concurrent upsert), or null for any other failure. */
function duplicateKeyFailures(error: unknown): number[] | null {
  const bulk = error as { code?: number; writeErrors?: { code?: number; index?: number }[] | { code?: number; index?: number } };
  const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : bulk.writeErrors ? [bulk.writeErrors] : [];
  if (writeErrors.length === 0 || writeErrors.some((entry) => !isDuplicateKey(entry) || entry.index === undefined)) return null;
  return writeErrors.map((entry) => entry.index!);
}

function chunks<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** One day's raw facts: who completed orders (how many, how much), who had activity events. */
export interface DayFacts {
  orders: Map<string, { id: Types.ObjectId; orders: number; cents: number }>;
  events: Map<string, { id: Types.ObjectId; count: number }>;
}

/**
 * The raw data a set of rollups needs, read once: residents by id, each resident's earliest
 * completed order (still completed), per-day facts and, per month, who completed an order in it.
 * `residents` and `firstCompleted` cover at least every resident the days and months mention.
 */
export interface MetricsSnapshot {
  residents: Map<string, ResidentFact>;
  /** China-time day -> the residents who registered on it (every day `loadFull` saw; the one day of `loadLive`). */
  registered: Map<string, ResidentFact[]>;
  firstCompleted: Map<string, Date>;
  days: Map<string, DayFacts>;
  /** Month key -> the residents with a completed order in that month. */
  months: Map<string, Set<string>>;
}

function emptyDay(): DayFacts {
  return { orders: new Map(), events: new Map() };
}

function addOrder(day: DayFacts, order: OrderFact): void {
  const key = String(order.residentId);
  const entry = day.orders.get(key) ?? { id: order.residentId!, orders: 0, cents: 0 };
  entry.orders += 1;
  entry.cents += order.totalCents ?? 0;
  day.orders.set(key, entry);
}

function addEvent(day: DayFacts, residentId: Types.ObjectId): void {
  const key = String(residentId);
  const entry = day.events.get(key) ?? { id: residentId, count: 0 };
  entry.count += 1;
  day.events.set(key, entry);
}

/**
 * Raw reads for the metrics, streamed with cursors, and the rollup writes. Only equality, `$in`
 * and range filters; no `$lookup`, no date operators: days are keyed in code.
 *
 * Two ways to read: `loadFull` streams residents, completed orders and the range's events ONCE
 * each, for the nightly job and backfills (the embedded database scans a collection for any
 * filter but `_id` equality, so one pass beats many filtered queries); `loadLive` reads one day
 * with filtered queries, for today's numbers between rollups (cheap with MongoDB's indexes).
 */
export class MetricsRepository {
  private get orders() {
    return mongoose.connection.collection<OrderFact>('orders');
  }

  /**
   * One pass over residents, completed orders and task events: facts for `days` (registrations,
   * orders, events) and `months` (who ordered). Memory: one small entry per resident, plus one per
   * ordering or active resident and day of `days`.
   */
  async loadFull(days: readonly string[], months: readonly string[], eventTypes: readonly string[]): Promise<MetricsSnapshot> {
    const snapshot: MetricsSnapshot = { residents: new Map(), registered: new Map(), firstCompleted: new Map(), days: new Map(days.map((day) => [day, emptyDay()])), months: new Map(months.map((month) => [month, new Set()])) };
    for await (const resident of ResidentModel.collection.find<ResidentFact>({}, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE })) {
      snapshot.residents.set(String(resident._id), resident);
      const day = chinaDateKey(resident.registeredAt);
      const cohort = snapshot.registered.get(day);
      if (cohort) cohort.push(resident);
      else snapshot.registered.set(day, [resident]);
    }
    const cursor = this.orders.find({ state: 'completed' }, { projection: { residentId: 1, completedAt: 1, totalCents: 1 }, batchSize: BATCH_SIZE });
    for await (const order of cursor) {
      if (!order.residentId || !order.completedAt) continue;
      const key = String(order.residentId);
      const known = snapshot.firstCompleted.get(key);
      if (!known || order.completedAt < known) snapshot.firstCompleted.set(key, order.completedAt);
      const dayKey = chinaDateKey(order.completedAt);
      const day = snapshot.days.get(dayKey);
      if (day) addOrder(day, order);
      snapshot.months.get(dayKey.slice(0, 7))?.add(key);
    }
    if (days.length > 0) {
      const sorted = [...days].sort();
      const { start, end } = dayRangeInstants(sorted[0], sorted[sorted.length - 1]);
      for await (const event of this.taskEvents(start, end, eventTypes)) {
        const day = snapshot.days.get(chinaDateKey(event.occurredAt));
        if (day) addEvent(day, event.residentId);
      }
    }
    return snapshot;
  }

  /** One day's facts with filtered queries, and the residents and first orders they mention. */
  async loadLive(dayKey: string, eventTypes: readonly string[]): Promise<MetricsSnapshot> {
    return this.loadRange(dayKey, dayKey, eventTypes);
  }

  /**
   * The facts of the days `from`..`to` with filtered queries (indexed on MongoDB): registrations,
   * completed orders and events of those days (each part only when asked for), who ordered in each
   * month the days cover, and the residents and first completed orders they mention. Enough for
   * the cohort, activity, repurchase and active-period tables of those days and months.
   */
  async loadRange(
    from: string,
    to: string,
    eventTypes: readonly string[],
    parts: { registrations?: boolean; orders?: boolean; events?: boolean } = { registrations: true, orders: true, events: true },
  ): Promise<MetricsSnapshot> {
    const { start, end } = dayRangeInstants(from, to);
    const snapshot: MetricsSnapshot = { residents: new Map(), registered: new Map(), firstCompleted: new Map(), days: new Map(), months: new Map() };
    const dayOf = (key: string): DayFacts => {
      let day = snapshot.days.get(key);
      if (!day) snapshot.days.set(key, (day = emptyDay()));
      return day;
    };
    for (const key of dayRange(from, to)) {
      dayOf(key);
      if (!snapshot.months.has(key.slice(0, 7))) snapshot.months.set(key.slice(0, 7), new Set());
    }
    const mentioned = new Map<string, Types.ObjectId>();
    if (parts.registrations) {
      for await (const resident of ResidentModel.collection.find<ResidentFact>({ registeredAt: { $gte: start, $lt: end } }, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE })) {
        const key = chinaDateKey(resident.registeredAt);
        const cohort = snapshot.registered.get(key);
        if (cohort) cohort.push(resident);
        else snapshot.registered.set(key, [resident]);
        snapshot.residents.set(String(resident._id), resident);
        mentioned.set(String(resident._id), resident._id);
      }
    }
    if (parts.orders) {
      const cursor = this.orders.find({ state: 'completed', completedAt: { $gte: start, $lt: end } }, { projection: { residentId: 1, completedAt: 1, totalCents: 1 }, batchSize: BATCH_SIZE });
      for await (const order of cursor) {
        if (!order.residentId || !order.completedAt) continue;
        const key = chinaDateKey(order.completedAt);
        addOrder(dayOf(key), order);
        snapshot.months.get(key.slice(0, 7))?.add(String(order.residentId));
        mentioned.set(String(order.residentId), order.residentId);
      }
    }
    if (parts.events) {
      for await (const event of this.taskEvents(start, end, eventTypes)) {
        addEvent(dayOf(chinaDateKey(event.occurredAt)), event.residentId);
        mentioned.set(String(event.residentId), event.residentId);
      }
    }
    const ids = [...mentioned.values()];
    const missing = ids.filter((id) => !snapshot.residents.has(String(id)));
    const [firstCompleted, residents] = await Promise.all([this.firstCompletedAt(ids), this.residentsByIds(missing)]);
    for (const [key, resident] of residents) snapshot.residents.set(key, resident);
    snapshot.firstCompleted = firstCompleted;
    return snapshot;
  }

  /**
   * Days (China time) before `before` that task events recorded in [start, end) happened on: a
   * store visit entered days later, a check-in the bot's outbox delivered late. The nightly job
   * re-rolls those days.
   */
  async lateEventDays(start: Date, end: Date, before: Date, types: readonly string[]): Promise<string[]> {
    const days = new Set<string>();
    const cursor = TaskEventModel.collection.find<{ occurredAt: Date }>(
      { recordedAt: { $gte: start, $lt: end }, occurredAt: { $lt: before }, type: { $in: [...types] } },
      { projection: { occurredAt: 1 }, batchSize: BATCH_SIZE },
    );
    for await (const event of cursor) days.add(chinaDateKey(event.occurredAt));
    return [...days].sort();
  }

  /** Nicknames of residents, for a page of a drill-down list. */
  async nicknames(ids: readonly Types.ObjectId[]): Promise<Map<string, string | null>> {
    const names = new Map<string, string | null>();
    for (const batch of chunks(ids)) {
      for await (const resident of ResidentModel.collection.find<{ _id: Types.ObjectId; nickname?: string | null }>({ _id: { $in: batch } }, { projection: { nickname: 1 } })) {
        names.set(String(resident._id), resident.nickname ?? null);
      }
    }
    return names;
  }

  /**
   * Orders whose record changed in [start, end) (`updatedAt`: a late delivery, a refund, a
   * cancellation): their residents and the China-time days they were completed on, which the
   * nightly job re-rolls even when those days are older than its usual window.
   */
  async ordersChanged(start: Date, end: Date): Promise<{ residentIds: Types.ObjectId[]; completedAt: Date[] }> {
    const ids = new Map<string, Types.ObjectId>();
    const completedAt: Date[] = [];
    const cursor = this.orders.find(
      { $or: [{ updatedAt: { $gte: start, $lt: end } }, { refundedAt: { $gte: start, $lt: end } }, { cancelledAt: { $gte: start, $lt: end } }] },
      { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE },
    );
    for await (const order of cursor) {
      if (order.residentId) ids.set(String(order.residentId), order.residentId);
      if (order.completedAt) completedAt.push(order.completedAt);
    }
    return { residentIds: [...ids.values()], completedAt };
  }

  /**
   * Each resident's earliest completed order (still completed). Many residents are read in one
   * pass over the completed orders instead of `$in` batches: the embedded database scans the
   * collection for each batch.
   */
  async firstCompletedAt(residentIds: readonly Types.ObjectId[]): Promise<Map<string, Date>> {
    const first = new Map<string, Date>();
    const wanted = residentIds.length > ONE_PASS_ABOVE ? new Set(residentIds.map(String)) : null;
    const filters = wanted ? [{ state: 'completed' }] : chunks(residentIds).map((batch) => ({ residentId: { $in: batch }, state: 'completed' }));
    for (const filter of filters) {
      for await (const order of this.orders.find(filter, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE })) {
        if (!order.residentId || !order.completedAt) continue;
        const key = String(order.residentId);
        if (wanted && !wanted.has(key)) continue;
        const known = first.get(key);
        if (!known || order.completedAt < known) first.set(key, order.completedAt);
      }
    }
    return first;
  }

  /** Residents by id; many are read in one pass over the residents, like `firstCompletedAt`. */
  async residentsByIds(ids: readonly Types.ObjectId[]): Promise<Map<string, ResidentFact>> {
    const residents = new Map<string, ResidentFact>();
    const wanted = ids.length > ONE_PASS_ABOVE ? new Set(ids.map(String)) : null;
    const filters = wanted ? [{}] : chunks(ids).map((batch) => ({ _id: { $in: batch } }));
    for (const filter of filters) {
      for await (const resident of ResidentModel.collection.find<ResidentFact>(filter, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE })) {
        if (!wanted || wanted.has(String(resident._id))) residents.set(String(resident._id), resident);
      }
    }
    return residents;
  }

  taskEvents(start: Date, end: Date, types: readonly string[]): AsyncIterable<{ residentId: Types.ObjectId; occurredAt: Date }> {
    return TaskEventModel.collection.find<{ residentId: Types.ObjectId; occurredAt: Date }>(
      { occurredAt: { $gte: start, $lt: end }, type: { $in: [...types] } },
      { projection: { residentId: 1, occurredAt: 1 }, batchSize: BATCH_SIZE },
    );
  }

  /**
   * Replaces the rollup documents whole (one atomic write each), in unordered batches. Idempotent
   * under concurrency: when two writers upsert the same new document at once, the embedded database
   * (unlike MongoDB, which retries such upserts itself) fails the slower insert with E11000; the
   * document exists by then, so the replacement is simply written again.
   */
  async writeRollups(documents: readonly MetricRollupRecord[]): Promise<void> {
    for (const batch of chunks(documents, 100)) {
      let pending = batch;
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        try {
          await MetricRollupModel.collection.bulkWrite(
            pending.map((document) => ({ replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } })) as never,
            { ordered: false },
          );
          pending = [];
        } catch (error) {
          const failed = duplicateKeyFailures(error);
          if (!failed || attempt >= 4) throw error;
          pending = failed.map((index) => pending[index]);
        }
      }
    }
  }

  /** Rollup documents by id, each an `_id` equality lookup (the fast path of the embedded database), a few at a time. */
  async rollupsByIds(ids: readonly string[]): Promise<Map<string, MetricRollupRecord>> {
    const found = new Map<string, MetricRollupRecord>();
    for (const batch of chunks([...new Set(ids)], 16)) {
      const documents = await Promise.all(batch.map((id) => MetricRollupModel.findById(id).lean<MetricRollupRecord>()));
      for (const document of documents) if (document) found.set(document._id, document);
    }
    return found;
  }
}
