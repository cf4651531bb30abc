import type { Types } from 'mongoose';
import { addMonths, convertedWithin } from '@o2o/shared/rules/metrics';
import { chinaMonthKey } from '@o2o/shared/rules/china-time';
import { LAST_TOUCH_DIMENSIONS, SCORECARD_DIMENSIONS, type ScorecardDimension } from '@o2o/shared/schemas/scorecards';

/** The counts kept per month, store and value, in the order rollup rows store them. */
export const SCORECARD_FIELDS = ['registrations', 'converted7', 'converted30', 'repurchaseBase', 'repurchased', 'ordersCredited', 'revenueCreditedCents'] as const;
export type ScorecardField = (typeof SCORECARD_FIELDS)[number];
export type ScorecardCounts = Record<ScorecardField, number>;

const FIELD_INDEX = Object.fromEntries(SCORECARD_FIELDS.map((field, index) => [field, index])) as Record<ScorecardField, number>;
export const NO_STORE = '-';

type Id = Types.ObjectId | string | null | undefined;

/** What a scorecard needs of a resident: when they registered, their store and their first touch. */
export interface ScorecardResident {
  _id: Types.ObjectId;
  registeredAt: Date;
  storeId?: Id;
  attribution?: { codeId?: Id; advisorId?: Id; channelId?: Id; campaignId?: Id; placementId?: Id; inviterResidentId?: Id } | null;
}

/** What a scorecard needs of an order credit (one per completed order, state following refunds). */
export interface ScorecardCredit {
  residentId: Types.ObjectId;
  storeId: Id;
  day: string;
  totalCents: number;
  first?: ScorecardResident['attribution'];
  touchKind?: string | null;
  refId?: Id;
  groupId?: Id;
  sharerId?: Id;
}

/**
 * The raw data of the months a scorecard covers: every resident, each resident's first completed
 * order and who completed an order in each month (orders that are still completed), and the
 * credits of still-completed orders. Orders never precede their resident's registration, so
 * reading orders from the first month on finds every registrant's first order.
 */
export interface ScorecardSnapshot {
  residents: Map<string, ScorecardResident>;
  firstCompleted: Map<string, Date>;
  orderedIn: Map<string, Set<string>>;
  credits: ScorecardCredit[];
}

const text = (value: Id): string | null => (value === null || value === undefined || value === '' ? null : String(value));

/** The first-touch value of a resident's attribution under a dimension (null for last-touch dimensions). */
export function firstTouchValue(attribution: ScorecardResident['attribution'], dimension: ScorecardDimension): string | null {
  switch (dimension) {
    case 'code': return text(attribution?.codeId);
    case 'placement': return text(attribution?.placementId);
    case 'campaign': return text(attribution?.campaignId);
    case 'channel': return text(attribution?.channelId);
    case 'advisor': return text(attribution?.advisorId);
    case 'inviter': return text(attribution?.inviterResidentId);
    default: return null;
  }
}

/**
 * Who an order is credited to under a dimension: the first touch (copied onto the credit) for
 * the acquisition dimensions (the resident's attribution, which the credit copied and which never
 * changes, so the snapshot need not read the copy); the last touch for a group (the group the link was opened in), a
 * broadcast or SOP plan (a card from it was the last touch; their ids never collide) and an inviter (their share was the last touch).
 */
export function creditValue(credit: ScorecardCredit, dimension: ScorecardDimension, firstTouch = credit.first): string | null {
  switch (dimension) {
    case 'group': return text(credit.groupId);
    case 'broadcast': return credit.touchKind === 'broadcast' || credit.touchKind === 'sop' ? text(credit.refId) : null;
    case 'inviter': return credit.touchKind === 'share' ? text(credit.sharerId) : null;
    default: return firstTouchValue(firstTouch, dimension);
  }
}

/** One month's rows of one dimension: `<storeId>|<value>` -> counts in `SCORECARD_FIELDS` order. */
export type ScorecardRows = Record<string, number[]>;

class RowsBuilder {
  readonly rows: ScorecardRows = {};

  add(store: Id, value: string | null, field: ScorecardField, amount = 1): void {
    if (value === null || amount === 0) return;
    const key = `${text(store) ?? NO_STORE}|${value}`;
    (this.rows[key] ??= SCORECARD_FIELDS.map(() => 0))[FIELD_INDEX[field]] += amount;
  }
}

/**
 * Every dimension's rows of one month, from the snapshot: the month's registrations and how many
 * of them converted within 7 and 30 days (first completed order, as of the snapshot); the month's
 * ordering residents (the repurchase base) and how many ordered again in the next month, both
 * under the resident's first touch and store; the month's credited orders and their amount.
 */
export function scorecardMonth(month: string, snapshot: ScorecardSnapshot): Record<ScorecardDimension, ScorecardRows> {
  const builders = Object.fromEntries(SCORECARD_DIMENSIONS.map((dimension) => [dimension, new RowsBuilder()])) as Record<ScorecardDimension, RowsBuilder>;
  const firstTouch = SCORECARD_DIMENSIONS.filter((dimension) => !LAST_TOUCH_DIMENSIONS.includes(dimension));
  for (const resident of snapshot.residents.values()) {
    if (chinaMonthKey(resident.registeredAt) !== month) continue;
    const first = snapshot.firstCompleted.get(String(resident._id)) ?? null;
    for (const dimension of firstTouch) {
      const value = firstTouchValue(resident.attribution, dimension);
      builders[dimension].add(resident.storeId, value, 'registrations');
      if (convertedWithin(resident.registeredAt, first, 7)) builders[dimension].add(resident.storeId, value, 'converted7');
      if (convertedWithin(resident.registeredAt, first, 30)) builders[dimension].add(resident.storeId, value, 'converted30');
    }
  }
  const next = snapshot.orderedIn.get(addMonths(month, 1)) ?? new Set<string>();
  for (const key of snapshot.orderedIn.get(month) ?? []) {
    const resident = snapshot.residents.get(key);
    if (!resident) continue;
    for (const dimension of firstTouch) {
      const value = firstTouchValue(resident.attribution, dimension);
      builders[dimension].add(resident.storeId, value, 'repurchaseBase');
      if (next.has(key)) builders[dimension].add(resident.storeId, value, 'repurchased');
    }
  }
  for (const credit of snapshot.credits) {
    if (credit.day.slice(0, 7) !== month) continue;
    // First-touch credit is the resident's (their store, like their registration); last-touch credit the order's store.
    const resident = snapshot.residents.get(String(credit.residentId));
    const residentStore = resident?.storeId ?? credit.storeId;
    for (const dimension of SCORECARD_DIMENSIONS) {
      const lastTouch = LAST_TOUCH_DIMENSIONS.includes(dimension) || dimension === 'inviter';
      const value = creditValue(credit, dimension, resident?.attribution);
      builders[dimension].add(lastTouch ? credit.storeId : residentStore, value, 'ordersCredited');
      builders[dimension].add(lastTouch ? credit.storeId : residentStore, value, 'revenueCreditedCents', credit.totalCents);
    }
  }
  return Object.fromEntries(SCORECARD_DIMENSIONS.map((dimension) => [dimension, builders[dimension].rows])) as Record<ScorecardDimension, ScorecardRows>;
}

/** Sums rows of several months by value, keeping only the stores `storeAllowed` admits. */
export function sumByValue(monthRows: readonly ScorecardRows[], storeAllowed: (store: string) => boolean): Map<string, ScorecardCounts> {
  const totals = new Map<string, number[]>();
  for (const rows of monthRows) {
    for (const [key, counts] of Object.entries(rows)) {
      const split = key.indexOf('|');
      if (!storeAllowed(key.slice(0, split))) continue;
      const value = key.slice(split + 1);
      const total = totals.get(value) ?? SCORECARD_FIELDS.map(() => 0);
      counts.forEach((count, index) => (total[index] += count));
      totals.set(value, total);
    }
  }
  return new Map([...totals].map(([value, counts]) => [value, Object.fromEntries(SCORECARD_FIELDS.map((field, index) => [field, counts[index]])) as ScorecardCounts]));
}
