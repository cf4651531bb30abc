import type { Types } from 'mongoose';
import { addDays, advisorProgress, hardestFirst, penetration, rollupId, share } from '@o2o/shared/rules/metrics';
import type { AdvisorProgressView, CommunityPenetration } from '@o2o/shared/schemas/metrics';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { communitiesServedBy } from '../organisation/organisation.service';
import { CommunityModel, StoreModel, type CommunityRecord, type StoreRecord } from '../organisation/organisation.model';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { StaffModel } from '../staff/staff.model';
import { CONSUMER_FIELDS, storedView, type CountsView } from './metric-tables';
import { todayOf, type MetricsContext } from './metrics-context';
import type { MetricsQueries } from './metrics-query.service';
import type { MetricScope } from './metrics-scope';

/** Penetration of communities and advisors' progress to their goals of consumer users, in the caller's scope. */
export class MetricsProgress {
  constructor(
    private readonly context: MetricsContext,
    private readonly queries: MetricsQueries,
  ) {}

  async penetration(staff: StaffPrincipal, query: { storeId?: string; cityId?: string; order: 'hardest' | 'name'; limit: number }): Promise<{ storeId: string | null; cityId: string | null; communities: CommunityPenetration[] }> {
    let communities: CommunityRecord[];
    let storeId: string | null = null;
    let cityId: string | null = null;
    const ownStore = staff.role === 'advisor' || staff.role === 'store_manager';
    if (query.storeId || (ownStore && !query.cityId)) {
      const id = query.storeId ? toObjectId(query.storeId) : staff.storeId;
      if (!id) throw AppError.forbidden('你还没有归属门店，请联系店长或城市运营');
      await assertStoreAccess(staff, id);
      const store = (await StoreModel.findById(id).lean<StoreRecord>())!;
      communities = (await communitiesServedBy(store)).map((entry) => entry.community);
      storeId = String(id);
    } else if (query.cityId || staff.role === 'city_ops') {
      const id = query.cityId ? toObjectId(query.cityId) : staff.cityId;
      if (!id || ownStore || !canAccessCity(staff, id)) throw AppError.forbidden('这个城市不在你的负责范围内');
      communities = await CommunityModel.find({ cityId: id }).lean<CommunityRecord[]>();
      cityId = String(id);
    } else {
      communities = await CommunityModel.find({}).lean<CommunityRecord[]>();
    }
    const rows = await this.penetrationOf(communities);
    const ordered = query.order === 'hardest' ? hardestFirst(rows) : [...rows].sort((a, b) => a.name.localeCompare(b.name, 'zh-Hans-CN'));
    return { storeId, cityId, communities: ordered.slice(0, query.limit) };
  }

  /** Registered and consumer residents per community: the totals at the end of yesterday plus today's from raw data. */
  async penetrationOf(communities: readonly CommunityRecord[]): Promise<CommunityPenetration[]> {
    const totals = await this.consumerTotals('community', communities.map((community) => community._id));
    return communities.map((community) => {
      const row = totals.get(String(community._id))!;
      return { id: String(community._id), name: community.name, ...penetration(community.households, row.registered, row.consumers) };
    });
  }

  /**
   * Registered and consumer residents per community or advisor: the consumer rollup at the end of
   * yesterday (computed from raw data and kept in memory, not written, if the nightly job has not
   * written it yet) plus today's
   * registrations and first completed orders from raw data.
   */
  private async consumerTotals(dimension: 'community' | 'advisor', ids: readonly Types.ObjectId[]): Promise<Map<string, { registered: number; consumers: number }>> {
    const today = todayOf(this.context);
    const yesterday = addDays(today, -1);
    const id = rollupId(yesterday, 'consumers');
    const stored = (await this.context.repository.rollupsByIds([id])).get(id);
    const totals: CountsView = stored
      ? storedView(stored, CONSUMER_FIELDS)
      : await this.queries.onDemand(`consumers|${yesterday}`, async () => this.context.tables.consumersTable(yesterday, await this.context.repository.loadFull([], [], [])));
    const live = await this.queries.dayViews(today);
    return new Map(
      ids.map((value) => {
        const key = String(value);
        const row = totals.get(dimension, key);
        return [key, {
          registered: row.registered + live.cohort.get(dimension, key).registrations,
          consumers: row.consumers + live.activity.get(dimension, key).firstOrders,
        }];
      }),
    );
  }

  async consumersBy(dimension: 'community' | 'advisor', ids: readonly Types.ObjectId[]): Promise<Map<string, number>> {
    const totals = await this.consumerTotals(dimension, ids);
    return new Map([...totals].map(([key, row]) => [key, row.consumers]));
  }

  async advisorsProgress(staff: StaffPrincipal, query: { storeId?: string; from?: string; to?: string }): Promise<AdvisorProgressView[]> {
    let filter: Record<string, unknown>;
    if (staff.role === 'advisor') {
      if (query.storeId && query.storeId !== String(staff.storeId)) throw AppError.forbidden('这个门店不在你的负责范围内');
      filter = { _id: staff.id };
    } else if (query.storeId) {
      await assertStoreAccess(staff, toObjectId(query.storeId));
      filter = { storeId: toObjectId(query.storeId) };
    } else if (staff.role === 'store_manager') {
      if (!staff.storeId) throw AppError.forbidden('你还没有归属门店，请联系店长或城市运营');
      filter = { storeId: staff.storeId };
    } else if (staff.role === 'city_ops') {
      const stores = staff.cityId ? await StoreModel.find({ cityId: staff.cityId }, { _id: 1 }).lean() : [];
      filter = { storeId: { $in: stores.map((store) => store._id) } };
    } else {
      filter = {};
    }
    const advisors = await StaffModel.find({ ...filter, role: 'advisor', active: true }).lean();
    return this.progressOf(advisors, query.from, query.to);
  }

  async myProgress(staff: StaffPrincipal, query: { from?: string; to?: string }): Promise<AdvisorProgressView> {
    const advisor = await StaffModel.findById(staff.id).lean();
    if (!advisor || advisor.role !== 'advisor') throw AppError.forbidden('只有顾问有消费用户目标');
    return (await this.progressOf([advisor], query.from, query.to))[0];
  }

  /**
   * Consumers credited by first touch against each advisor's goal, and their new sign-ups in the
   * range (default: the last 30 days up to today) with 7-day first-order conversion of those.
   */
  async progressOf(
    advisors: readonly { _id: Types.ObjectId; name: string; storeId?: Types.ObjectId | null; goalConsumerUsers: number }[],
    from?: string,
    to?: string,
  ): Promise<AdvisorProgressView[]> {
    const rangeTo = to ?? todayOf(this.context);
    const rangeFrom = from ?? addDays(rangeTo, -29);
    if (rangeFrom > rangeTo) throw AppError.badRequest('开始日期不能晚于结束日期', [{ path: 'query.from', message: 'after to' }]);
    const consumers = await this.consumersBy('advisor', advisors.map((advisor) => advisor._id));
    const scope: MetricScope = { dimension: 'advisor', values: advisors.map((advisor) => String(advisor._id)), label: '' };
    const perAdvisor = await this.queries.cohortTotalsPerValue(scope, rangeFrom, rangeTo);
    return advisors
      .map((advisor) => {
        const id = String(advisor._id);
        const cohort = perAdvisor.get(id) ?? { registrations: 0, converted7: 0 };
        return {
          advisorId: id,
          name: advisor.name,
          storeId: advisor.storeId ? String(advisor.storeId) : null,
          ...advisorProgress(consumers.get(id) ?? 0, advisor.goalConsumerUsers),
          from: rangeFrom,
          to: rangeTo,
          newSignups: cohort.registrations,
          conversion7: share(cohort.converted7, cohort.registrations),
        };
      })
      .sort((a, b) => b.remaining - a.remaining || (a.advisorId < b.advisorId ? -1 : 1));
  }
}
