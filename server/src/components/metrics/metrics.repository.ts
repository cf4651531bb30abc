import mongoose, { type Types } from 'mongoose';
import type { MetricDimension } from '@o2o/shared/rules/metrics';
import { ResidentModel } from '../residents/resident.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { dayRangeInstants } from '@o2o/shared/rules/metrics';
import { MetricRollupModel, type MetricRollupRecord } from './metrics.model';

/** How many ids go into one `$in` query, and how many writes into one bulk write. */
export const BATCH_SIZE = 1000;

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
    const { start, end } = dayRangeInstants(dayKey, dayKey);
    const day = emptyDay();
    const registered: ResidentFact[] = [];
    for await (const resident of ResidentModel.collection.find<ResidentFact>({ registeredAt: { $gte: start, $lt: end } }, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE })) {
      registered.push(resident);
    }
    const cursor = this.orders.find({ state: 'completed', completedAt: { $gte: start, $lt: end } }, { projection: { residentId: 1, completedAt: 1, totalCents: 1 }, batchSize: BATCH_SIZE });
    for await (const order of cursor) if (order.residentId && order.completedAt) addOrder(day, order);
    for await (const event of this.taskEvents(start, end, eventTypes)) addEvent(day, event.residentId);
    const mentioned = new Map<string, Types.ObjectId>();
    for (const resident of registered) mentioned.set(String(resident._id), resident._id);
    for (const [key, entry] of [...day.orders, ...day.events]) mentioned.set(key, entry.id);
    const ids = [...mentioned.values()];
    const [firstCompleted, residents] = await Promise.all([this.firstCompletedAt(ids), this.residentsByIds(ids)]);
    return { residents, registered: new Map([[dayKey, registered]]), firstCompleted, days: new Map([[dayKey, day]]), months: new Map() };
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

  /** Each resident's earliest completed order (still completed). */
  async firstCompletedAt(residentIds: readonly Types.ObjectId[]): Promise<Map<string, Date>> {
    const first = new Map<string, Date>();
    for (const batch of chunks(residentIds)) {
      const filter = { residentId: { $in: batch }, state: 'completed' };
      for await (const order of this.orders.find(filter, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE })) {
        if (!order.residentId || !order.completedAt) continue;
        const key = String(order.residentId);
        const known = first.get(key);
        if (!known || order.completedAt < known) first.set(key, order.completedAt);
      }
    }
    return first;
  }

  async residentsByIds(ids: readonly Types.ObjectId[]): Promise<Map<string, ResidentFact>> {
    const residents = new Map<string, ResidentFact>();
    for (const batch of chunks(ids)) {
      for await (const resident of ResidentModel.collection.find<ResidentFact>({ _id: { $in: batch } }, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE })) {
        residents.set(String(resident._id), resident);
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

  /** Replaces the rollup documents whole (one atomic write each), in unordered batches. */
  async writeRollups(documents: readonly MetricRollupRecord[]): Promise<void> {
    for (const batch of chunks(documents, 100)) {
      await MetricRollupModel.collection.bulkWrite(
        batch.map((document) => ({ replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } })) as never,
        { ordered: false },
      );
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
