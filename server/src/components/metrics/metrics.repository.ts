import mongoose, { type Types } from 'mongoose';
import type { MetricDimension } from '@o2o/shared/rules/metrics';
import { ResidentModel } from '../residents/resident.model';
import { TaskEventModel } from '../tasks/tasks.model';
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

/**
 * Raw reads for the metrics, streamed with cursors (bounded memory), and the rollup writes. Only
 * equality, `$in` and range filters; no `$lookup`, no date operators: days are keyed in code.
 */
export class MetricsRepository {
  private get orders() {
    return mongoose.connection.collection<OrderFact>('orders');
  }

  /** Orders completed in [start, end) and still completed (not refunded or cancelled since). */
  completedOrders(start: Date, end: Date): AsyncIterable<OrderFact> {
    return this.orders.find({ state: 'completed', completedAt: { $gte: start, $lt: end } }, { projection: { residentId: 1, state: 1, completedAt: 1, totalCents: 1 }, batchSize: BATCH_SIZE });
  }

  /** Residents whose order was refunded or cancelled in [start, end): their consumer status may have changed. */
  async residentsWithReversedOrders(start: Date, end: Date): Promise<Types.ObjectId[]> {
    const ids = new Map<string, Types.ObjectId>();
    const cursor = this.orders.find(
      { $or: [{ refundedAt: { $gte: start, $lt: end } }, { cancelledAt: { $gte: start, $lt: end } }] },
      { projection: { residentId: 1 }, batchSize: BATCH_SIZE },
    );
    for await (const order of cursor) if (order.residentId) ids.set(String(order.residentId), order.residentId);
    return [...ids.values()];
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

  /** Each resident's earliest completed order (still completed), optionally only those before `before`. */
  async firstCompletedAt(residentIds: readonly Types.ObjectId[], before?: Date): Promise<Map<string, Date>> {
    const first = new Map<string, Date>();
    for (const batch of chunks(residentIds)) {
      const filter: Record<string, unknown> = { residentId: { $in: batch }, state: 'completed' };
      if (before) filter.completedAt = { $lt: before };
      for await (const order of this.orders.find(filter, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE })) {
        if (!order.residentId || !order.completedAt) continue;
        const key = String(order.residentId);
        const known = first.get(key);
        if (!known || order.completedAt < known) first.set(key, order.completedAt);
      }
    }
    return first;
  }

  residentsRegistered(start: Date, end: Date): AsyncIterable<ResidentFact> {
    return ResidentModel.collection.find<ResidentFact>({ registeredAt: { $gte: start, $lt: end } }, { projection: RESIDENT_PROJECTION, batchSize: BATCH_SIZE });
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

  /**
   * Makes the stored rollups of one period and metric exactly `documents`: each is written whole
   * (`$set` + upsert on its deterministic `_id`), and documents of that period and metric not in
   * the new set (a value whose count fell to nothing) are deleted.
   */
  async replaceRollups(period: string, metric: string, documents: readonly MetricRollupRecord[]): Promise<void> {
    const keep = new Set(documents.map((document) => document._id));
    for (const batch of chunks(documents)) {
      await MetricRollupModel.collection.bulkWrite(
        batch.map(({ _id, ...fields }) => ({ updateOne: { filter: { _id }, update: { $set: fields }, upsert: true } })) as never,
        { ordered: false },
      );
    }
    const existing = await MetricRollupModel.collection.find({ period, metric }, { projection: { _id: 1 } }).toArray();
    const stale = existing.map((document) => document._id as unknown as string).filter((id) => !keep.has(id));
    for (const batch of chunks(stale)) await MetricRollupModel.collection.deleteMany({ _id: { $in: batch } } as never);
  }

  async rollupsByIds(ids: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const found = new Map<string, Record<string, number>>();
    for (const batch of chunks([...new Set(ids)])) {
      for await (const document of MetricRollupModel.collection.find<MetricRollupRecord>({ _id: { $in: batch } } as never, { projection: { counts: 1 } })) {
        found.set(document._id, document.counts);
      }
    }
    return found;
  }
}
