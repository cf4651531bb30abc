import mongoose, { type Types } from 'mongoose';
import { chinaDayStart, chinaMonthKey } from '@o2o/shared/rules/china-time';
import type { ScorecardDimension } from '@o2o/shared/schemas/scorecards';
import { CampaignModel, ChannelModel, PlacementModel, QrCodeModel } from '../acquisition/acquisition.model';
import { OrderCreditModel } from '../credits/credits.model';
import { GroupBroadcastModel, GroupModel } from '../groups/groups.model';
import { SopPlanModel } from '../sop/sop.model';
import { ResidentModel } from '../residents/resident.model';
import { StaffModel } from '../staff/staff.model';
import type { ScorecardCredit, ScorecardResident, ScorecardRows, ScorecardSnapshot } from './scorecard-tables';
import { isDuplicateKey } from '../../db/unique-insert';
import { ScorecardRollupModel, type ScorecardRollupRecord } from './scorecards.model';
import { findByIds } from '../../db/find-by-ids';

const BATCH_SIZE = 1000;

export const rollupKey = (month: string, dimension: ScorecardDimension): string => `${month}|${dimension}`;

/**
 * Raw reads and rollup writes of the scorecards. The embedded database scans a collection for
 * any filter but `_id`, so a snapshot streams residents, completed orders and credits once each
 * (range filters only, no `$lookup`) and everything else is counted in the process.
 */
export class ScorecardsRepository {
  /** Every resident and the still-completed orders and credits from the start of `firstMonth` on. */
  async loadSnapshot(firstMonth: string, residents?: Map<string, ScorecardResident>): Promise<ScorecardSnapshot> {
    return this.loadActivity(firstMonth, residents ?? (await this.loadResidents()));
  }

  async loadResidents(): Promise<Map<string, ScorecardResident>> {
    const residents = new Map<string, ScorecardResident>();
    const residentCursor = ResidentModel.collection.find(
      {},
      { projection: { registeredAt: 1, storeId: 1, 'attribution.codeId': 1, 'attribution.advisorId': 1, 'attribution.channelId': 1, 'attribution.campaignId': 1, 'attribution.placementId': 1, 'attribution.inviterResidentId': 1 }, batchSize: BATCH_SIZE },
    );
    for await (const resident of residentCursor) residents.set(String(resident._id), resident as unknown as ScorecardResident);
    return residents;
  }

  private async loadActivity(firstMonth: string, residents: Map<string, ScorecardResident>): Promise<ScorecardSnapshot> {
    const since = chinaDayStart(`${firstMonth}-01`);
    const firstCompleted = new Map<string, Date>();
    const orderedIn = new Map<string, Set<string>>();
    const orderCursor = mongoose.connection.collection('orders').find({ state: 'completed', completedAt: { $gte: since } }, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE });
    for await (const order of orderCursor) {
      if (!order.residentId || !order.completedAt) continue;
      const key = String(order.residentId);
      const at = order.completedAt as Date;
      const earliest = firstCompleted.get(key);
      if (!earliest || at < earliest) firstCompleted.set(key, at);
      const month = chinaMonthKey(at);
      let set = orderedIn.get(month);
      if (!set) orderedIn.set(month, (set = new Set()));
      set.add(key);
    }

    const credits: ScorecardCredit[] = [];
    const creditCursor = OrderCreditModel.collection.find(
      { state: 'completed', day: { $gte: `${firstMonth}-01` } },
      { projection: { residentId: 1, storeId: 1, day: 1, totalCents: 1, touchKind: 1, refId: 1, groupId: 1, sharerId: 1 }, batchSize: BATCH_SIZE },
    );
    for await (const credit of creditCursor) credits.push(credit as unknown as ScorecardCredit);
    return { residents, firstCompleted, orderedIn, credits };
  }

  /** The orders changed since `since` (a late delivery, a refund): the months they were completed in, and their residents. */
  async ordersChangedSince(since: Date): Promise<{ months: string[]; residentIds: string[] }> {
    const months = new Set<string>();
    const residentIds = new Set<string>();
    const cursor = mongoose.connection.collection('orders').find({ updatedAt: { $gte: since } }, { projection: { residentId: 1, completedAt: 1 }, batchSize: BATCH_SIZE });
    for await (const order of cursor) {
      if (order.completedAt) months.add(chinaMonthKey(order.completedAt as Date));
      if (order.residentId) residentIds.add(String(order.residentId));
    }
    return { months: [...months].sort(), residentIds: [...residentIds] };
  }

  async readRollups(dimension: ScorecardDimension, months: readonly string[]): Promise<Map<string, ScorecardRollupRecord>> {
    const documents = await ScorecardRollupModel.find({ _id: { $in: months.map((month) => rollupKey(month, dimension)) } }).lean<ScorecardRollupRecord[]>();
    return new Map(documents.map((document) => [document.month, document]));
  }

  /**
   * Replaces each month's document of each dimension whole (a rerun writes the same). With
   * `raceIsFine`, a duplicate key from a concurrent upsert of the same document is ignored: the
   * other writer stored the same counts.
   */
  async writeRollups(month: string, byDimension: Record<ScorecardDimension, ScorecardRows>, computedAt: Date, options: { raceIsFine?: boolean } = {}): Promise<number> {
    const operations = Object.entries(byDimension).map(([dimension, rows]) => ({
      replaceOne: { filter: { _id: rollupKey(month, dimension as ScorecardDimension) }, replacement: { month, dimension, rows, computedAt }, upsert: true },
    }));
    try {
      await ScorecardRollupModel.bulkWrite(operations, { ordered: false });
    } catch (error) {
      if (!options.raceIsFine || !onlyDuplicateKeys(error)) throw error;
    }
    return operations.length;
  }

  /** The ids of the codes an advisor owns. */
  async codesOf(advisorId: Types.ObjectId): Promise<string[]> {
    return (await QrCodeModel.find({ advisorId }, { _id: 1 }).lean()).map((code) => String(code._id));
  }

  /** What a person reads for each value: a code's, placement's, campaign's, channel's or advisor's name, an inviter's nickname, a group's topic, a broadcast's opening words or an SOP plan's name. */
  async labels(dimension: ScorecardDimension, values: readonly string[]): Promise<Map<string, string>> {
    const ids = values.filter((value) => /^[0-9a-f]{24}$/i.test(value)).map((value) => new mongoose.Types.ObjectId(value));
    const named = async (found: Promise<{ _id: unknown; [field: string]: unknown }[]>, field: string): Promise<Map<string, string>> =>
      new Map((await found).map((entry) => [String(entry._id), String(entry[field] ?? '')]));
    const filter = { _id: { $in: ids } };
    switch (dimension) {
      case 'code': return named(QrCodeModel.find(filter, { name: 1 }).lean(), 'name');
      case 'placement': return named(PlacementModel.find(filter, { name: 1 }).lean(), 'name');
      case 'campaign': return named(CampaignModel.find(filter, { name: 1 }).lean(), 'name');
      case 'channel': return named(ChannelModel.find(filter, { name: 1 }).lean(), 'name');
      case 'advisor': return named(StaffModel.find(filter, { name: 1 }).lean(), 'name');
      case 'inviter': {
        // A resident who never gave a nickname is still someone: named by the end of their id.
        const inviters = await findByIds<{ _id: unknown; nickname?: string | null }>(ResidentModel, ids, { nickname: 1 });
        return new Map(inviters.map((inviter) => [String(inviter._id), inviter.nickname || `居民·${String(inviter._id).slice(-4)}`]));
      }
      case 'group': return named(GroupModel.find(filter, { topic: 1 }).lean(), 'topic');
      case 'broadcast': {
        // The dimension holds broadcasts and SOP plans (a plan is named 「SOP」 and its name).
        const [broadcasts, plans] = await Promise.all([GroupBroadcastModel.find(filter, { text: 1 }).lean(), SopPlanModel.find(filter, { name: 1 }).lean()]);
        return new Map([
          ...broadcasts.map((broadcast) => [String(broadcast._id), opening(String(broadcast.text ?? ''))] as const),
          ...plans.map((plan) => [String(plan._id), `SOP·${plan.name}`] as const),
        ]);
      }
    }
  }
}

function onlyDuplicateKeys(error: unknown): boolean {
  const bulk = error as { writeErrors?: unknown[] | unknown };
  const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : bulk.writeErrors ? [bulk.writeErrors] : [error];
  return writeErrors.every(isDuplicateKey);
}

/** The first 20 characters of a text, on one line. */
function opening(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 20 ? `${line.slice(0, 20)}…` : line;
}
