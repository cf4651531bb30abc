import { chinaDateKey, chinaMonthKey } from '@o2o/shared/rules/china-time';
import { addMonths, monthRange, share } from '@o2o/shared/rules/metrics';
import { wilsonInterval } from '@o2o/shared/rules/wilson';
import {
  LAST_TOUCH_DIMENSIONS,
  SMALL_SAMPLE,
  type Scorecard,
  type ScorecardDimension,
  type ScorecardFigures,
  type ScorecardQuery,
  type ScorecardRow,
  type ScorecardShare,
} from '@o2o/shared/schemas/scorecards';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { scorecardMonth, sumByValue, type ScorecardCounts, type ScorecardResident, type ScorecardRows } from './scorecard-tables';
import { ScorecardsRepository } from './scorecards.repository';

/** Where a scorecard's month rows come from: the rollups (computing any month not rolled up yet from raw data), or raw data only. */
export type ScorecardSource = 'rollups' | 'raw';

/** Which rows a staff member may sum: the stores they may see, and for an advisor only their own values. */
interface ScorecardScope {
  storeAllowed: (store: string) => boolean;
  valueAllowed: (value: string) => boolean;
}

function shareOf(count: number, base: number): ScorecardShare {
  const { rate } = share(count, base);
  const interval = wilsonInterval(count, base);
  return { count, base, rate, low: interval?.low ?? null, high: interval?.high ?? null };
}

const ZERO: ScorecardCounts = { registrations: 0, converted7: 0, converted30: 0, repurchaseBase: 0, repurchased: 0, ordersCredited: 0, revenueCreditedCents: 0 };

export function figuresOf(counts: ScorecardCounts | undefined, dimension: ScorecardDimension): ScorecardFigures {
  const c = counts ?? ZERO;
  const lastTouch = LAST_TOUCH_DIMENSIONS.includes(dimension);
  return {
    registrations: lastTouch ? null : c.registrations,
    conversion7: lastTouch ? null : shareOf(c.converted7, c.registrations),
    conversion30: lastTouch ? null : shareOf(c.converted30, c.registrations),
    repurchase: lastTouch ? null : shareOf(c.repurchased, c.repurchaseBase),
    ordersCredited: c.ordersCredited,
    revenueCreditedCents: c.revenueCreditedCents,
  };
}

/**
 * Best first: by the Wilson lower bound of 7-day conversion (nobody registered last), so a code
 * with 1 of 1 does not outrank one with 40 of 100; last-touch dimensions by orders credited;
 * ties by value, so the order is stable.
 */
export function rankValues(totals: Map<string, ScorecardCounts>, dimension: ScorecardDimension): string[] {
  const lastTouch = LAST_TOUCH_DIMENSIONS.includes(dimension);
  const key = (value: string): number => {
    const counts = totals.get(value)!;
    return lastTouch ? counts.ordersCredited : (wilsonInterval(counts.converted7, counts.registrations)?.low ?? -1);
  };
  return [...totals.keys()].sort((a, b) => key(b) - key(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Scorecards: for each code, placement, campaign, channel, advisor, inviter, group and broadcast,
 * registrations, 7- and 30-day first-order conversion and next-month repurchase of the residents
 * it brought (first touch), orders and revenue credited to it, each share with its 95% Wilson
 * interval, ranked, beside the period of equal length just before. Months come from the monthly
 * rollups the nightly job writes (`scorecard_rollups`); a month never rolled up is computed from
 * raw data on the request. Months are China-time calendar months, as in the growth metrics.
 */
export class ScorecardsService {
  readonly repository = new ScorecardsRepository();
  private readonly now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async scorecard(staff: StaffPrincipal, query: Pick<ScorecardQuery, 'dimension' | 'from' | 'to'> & { limit?: number }, source: ScorecardSource = 'rollups'): Promise<Scorecard> {
    const { dimension, from, to } = query;
    const scope = await this.scopeOf(staff, dimension);
    const currentMonths = monthRange(from, to);
    const previousFrom = addMonths(from, -currentMonths.length);
    const previousTo = addMonths(from, -1);
    const { rows, asOf } = await this.monthRows(dimension, monthRange(previousFrom, to), source);
    const keep = (totals: Map<string, ScorecardCounts>): Map<string, ScorecardCounts> => new Map([...totals].filter(([value]) => scope.valueAllowed(value)));
    const current = keep(sumByValue(currentMonths.map((month) => rows.get(month)!), scope.storeAllowed));
    const previous = keep(sumByValue(monthRange(previousFrom, previousTo).map((month) => rows.get(month)!), scope.storeAllowed));
    const previousRank = new Map(rankValues(previous, dimension).map((value, index) => [value, index + 1]));
    const ranked = rankValues(new Map([...previous].map(([value]) => [value, ZERO] as const).concat([...current])), dimension);
    const total = ranked.length;
    ranked.splice(query.limit ?? total);
    const labels = await this.repository.labels(dimension, ranked);
    const lastTouch = LAST_TOUCH_DIMENSIONS.includes(dimension);
    const result: ScorecardRow[] = ranked.map((value, index) => {
      const figures = figuresOf(current.get(value), dimension);
      return {
        rank: index + 1,
        value,
        label: labels.get(value) || `已删除（${value.slice(-6)}）`,
        ...figures,
        smallSample: (lastTouch ? figures.ordersCredited : figures.registrations!) < SMALL_SAMPLE,
        previous: { ...figuresOf(previous.get(value), dimension), rank: previousRank.get(value) ?? null },
      };
    });
    return { dimension, from, to, previousFrom, previousTo, rankedBy: lastTouch ? 'orders_credited' : 'conversion7_low', asOf: asOf.toISOString(), total, rows: result };
  }

  /**
   * Each month's rows of the dimension, from the rollups where they exist, with the oldest time
   * they were computed at. A month without one is computed from raw data and, when reading
   * rollups, stored as the job would store it (every dimension), so only the first request after
   * a deploy or a new month pays for the raw read.
   */
  async monthRows(dimension: ScorecardDimension, months: readonly string[], source: ScorecardSource): Promise<{ rows: Map<string, ScorecardRows>; asOf: Date }> {
    const rows = new Map<string, ScorecardRows>();
    let asOf = this.now();
    if (source === 'rollups') {
      for (const [month, document] of await this.repository.readRollups(dimension, months)) {
        rows.set(month, document.rows);
        if (document.computedAt < asOf) asOf = document.computedAt;
      }
    }
    const missing = months.filter((month) => !rows.has(month));
    if (missing.length > 0) {
      const snapshot = await this.repository.loadSnapshot(missing[0]);
      const computedAt = this.now();
      for (const month of missing) {
        const computed = scorecardMonth(month, snapshot);
        rows.set(month, computed[dimension]);
        if (source === 'rollups') await this.repository.writeRollups(month, computed, computedAt, { raceIsFine: true });
      }
    }
    return { rows, asOf };
  }

  /** Rewrites the rollups of the months from one snapshot; a rerun on the same data writes the same documents. */
  async rollupMonths(months: readonly string[], residents?: Map<string, ScorecardResident>): Promise<{ months: string[]; documents: number }> {
    const sorted = [...new Set(months)].sort();
    if (sorted.length === 0) return { months: [], documents: 0 };
    const snapshot = await this.repository.loadSnapshot(sorted[0], residents);
    const computedAt = this.now();
    let documents = 0;
    for (const month of sorted) documents += await this.repository.writeRollups(month, scorecardMonth(month, snapshot), computedAt);
    return { months: sorted, documents };
  }

  /**
   * The nightly job: the month of yesterday and the two before it (30-day conversion and
   * next-month repurchase keep changing for that long), and for every order changed in the last
   * 4 days (a late delivery, a refund) the month it was completed in and the one before (its
   * repurchase base) and its resident's registration month (their conversion).
   */
  async nightly(now: Date): Promise<Record<string, unknown>> {
    const yesterdayMonth = chinaMonthKey(new Date(now.getTime() - 24 * 3600_000));
    const changed = await this.repository.ordersChangedSince(new Date(now.getTime() - 4 * 24 * 3600_000));
    const residents = await this.repository.loadResidents();
    const registrationMonths = changed.residentIds.flatMap((id) => {
      const resident = residents.get(id);
      return resident ? [chinaMonthKey(resident.registeredAt)] : [];
    });
    const months = [
      addMonths(yesterdayMonth, -2), addMonths(yesterdayMonth, -1), yesterdayMonth,
      ...changed.months.flatMap((month) => [addMonths(month, -1), month]), ...registrationMonths,
    ].filter((month) => month <= yesterdayMonth);
    const summary = await this.rollupMonths(months, residents);
    return { ...summary, changedOrdersResidents: changed.residentIds.length, day: chinaDateKey(now) };
  }

  private async scopeOf(staff: StaffPrincipal, dimension: ScorecardDimension): Promise<ScorecardScope> {
    const anyValue = (): boolean => true;
    switch (staff.role) {
      case 'admin':
        return { storeAllowed: () => true, valueAllowed: anyValue };
      case 'city_ops': {
        if (!staff.cityId) throw AppError.forbidden('这些数据不在你的查看范围内');
        const stores = new Set((await StoreModel.find({ cityId: staff.cityId }, { _id: 1 }).lean()).map((store) => String(store._id)));
        return { storeAllowed: (store) => stores.has(store), valueAllowed: anyValue };
      }
      case 'store_manager': {
        if (!staff.storeId) throw AppError.forbidden('这些数据不在你的查看范围内');
        const own = String(staff.storeId);
        return { storeAllowed: (store) => store === own, valueAllowed: anyValue };
      }
      default: {
        // An advisor sees their own codes and their own row, across stores.
        if (dimension === 'advisor') return { storeAllowed: () => true, valueAllowed: (value) => value === String(staff.id) };
        if (dimension === 'code') {
          const codes = new Set(await this.repository.codesOf(staff.id));
          return { storeAllowed: () => true, valueAllowed: (value) => codes.has(value) };
        }
        throw AppError.forbidden('顾问只能查看自己的二维码和自己的成绩单');
      }
    }
  }
}
