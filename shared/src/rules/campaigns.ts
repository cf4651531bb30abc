/**
 * Pure rules of campaigns: the subscribe-message templates the platform knows and WeChat's limits
 * on their field values, the slow-moving ranking of a store's products, and the before/after
 * effect of a product promotion on its audience versus everyone else.
 */

// ---------------------------------------------------------------------------------------------
// Subscribe-message templates
// ---------------------------------------------------------------------------------------------

/**
 * WeChat's keyword kinds for subscribe-message template fields. The field name is the kind plus a
 * number (`thing1`, `time2`), and WeChat refuses a value outside the kind's limits with 47003.
 */
export const TEMPLATE_FIELD_KINDS = [
  'thing',
  'number',
  'letter',
  'symbol',
  'character_string',
  'time',
  'date',
  'amount',
  'phone_number',
  'name',
  'phrase',
] as const;
export type TemplateFieldKind = (typeof TEMPLATE_FIELD_KINDS)[number];

export interface TemplateField {
  /** WeChat's keyword name, e.g. `thing1`. */
  name: string;
  kind: TemplateFieldKind;
  /** The keyword's title in the template, e.g. 活动名称. */
  label: string;
}

export interface SubscribeTemplate {
  /** The WeChat template id (from the mini-program console); what `wx.requestSubscribeMessage` takes. */
  id: string;
  /** Our stable name for it; deployments map it to their own WeChat template id. */
  key: string;
  title: string;
  purpose: string;
  fields: TemplateField[];
}

/**
 * The templates this platform sends. The ids are placeholders: each deployment picks these
 * templates in its mini-program console and maps the keys to the ids WeChat issued (see
 * `withTemplateIds`).
 */
export const SUBSCRIBE_TEMPLATES: readonly SubscribeTemplate[] = [
  {
    id: 'tmpl-activity-reminder',
    key: 'activity_reminder',
    title: '活动提醒',
    purpose: '门店活动、新品试吃、特价商品开始前提醒居民',
    fields: [
      { name: 'thing1', kind: 'thing', label: '活动名称' },
      { name: 'time2', kind: 'time', label: '活动时间' },
      { name: 'thing3', kind: 'thing', label: '活动内容' },
      { name: 'thing4', kind: 'thing', label: '温馨提示' },
    ],
  },
  {
    id: 'tmpl-arrival-reminder',
    key: 'arrival_reminder',
    title: '到货提醒',
    purpose: '居民关注的商品到店或补货后提醒',
    fields: [
      { name: 'thing1', kind: 'thing', label: '商品名称' },
      { name: 'amount2', kind: 'amount', label: '商品价格' },
      { name: 'thing3', kind: 'thing', label: '门店名称' },
      { name: 'phrase4', kind: 'phrase', label: '到货状态' },
    ],
  },
  {
    id: 'tmpl-points-expiry',
    key: 'points_expiry',
    title: '积分到期提醒',
    purpose: '积分即将过期时提醒居民去积分商城兑换',
    fields: [
      { name: 'number1', kind: 'number', label: '到期积分' },
      { name: 'date2', kind: 'date', label: '到期时间' },
      { name: 'thing3', kind: 'thing', label: '温馨提示' },
    ],
  },
];

/** The templates with the WeChat ids a deployment configured for their keys; unmapped keys keep their placeholder. */
export function withTemplateIds(templates: readonly SubscribeTemplate[], ids: Partial<Record<string, string>>): SubscribeTemplate[] {
  return templates.map((template) => ({ ...template, id: ids[template.key] ?? template.id }));
}

/**
 * Parses `key:templateId,key:templateId` (e.g. a SUBSCRIBE_TEMPLATE_IDS variable) into the mapping
 * `withTemplateIds` takes; null when an entry is malformed or names a key the platform does not have.
 */
export function parseTemplateIds(value: string, templates: readonly SubscribeTemplate[] = SUBSCRIBE_TEMPLATES): Record<string, string> | null {
  const keys = new Set(templates.map((template) => template.key));
  const mapping: Record<string, string> = {};
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z_]+):([A-Za-z0-9_-]{1,64})$/.exec(entry);
    if (!match || !keys.has(match[1])) return null;
    mapping[match[1]] = match[2];
  }
  return mapping;
}

const DATE_PART = String.raw`(\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2})`;
const CLOCK_PART = String.raw`([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?`;

interface KindRule {
  maxLength: number;
  pattern?: RegExp;
  what: string;
}

/** WeChat's documented limits per kind (lengths in characters, a Chinese character counting one). */
const KIND_RULES: Record<TemplateFieldKind, KindRule> = {
  thing: { maxLength: 20, what: 'at most 20 characters' },
  number: { maxLength: 32, pattern: /^-?\d+(\.\d+)?$/, what: 'a number of at most 32 characters' },
  letter: { maxLength: 32, pattern: /^[A-Za-z]+$/, what: 'at most 32 letters' },
  symbol: { maxLength: 5, pattern: /^[^A-Za-z0-9\s\u4e00-\u9fff]+$/, what: 'at most 5 symbols' },
  character_string: { maxLength: 32, pattern: /^[\x21-\x7e]+$/, what: 'at most 32 letters, digits and symbols' },
  time: { maxLength: 32, pattern: new RegExp(`^(${DATE_PART} )?${CLOCK_PART}$`), what: 'a 24-hour time such as 15:01 or 2024年10月1日 15:01' },
  date: { maxLength: 32, pattern: new RegExp(`^${DATE_PART}( ${CLOCK_PART})?$`), what: 'a date such as 2024年10月1日 or 2024-10-01 (optionally with a time)' },
  amount: { maxLength: 16, pattern: /^[¥￥$]?\d{1,10}(\.\d{1,2})?元?$/, what: 'an amount such as ¥12.50 or 12.50元 (at most 10 digits before the point)' },
  phone_number: { maxLength: 17, pattern: /^[0-9+\-() ]+$/, what: 'a phone number of at most 17 digits and symbols' },
  name: { maxLength: 20, what: 'at most 10 Chinese characters or 20 letters' },
  phrase: { maxLength: 5, pattern: /^[\u4e00-\u9fff]+$/, what: 'at most 5 Chinese characters' },
};

function characterCount(value: string): number {
  return [...value].length;
}

/** Why a value does not fit its kind, or null when WeChat will accept it. */
export function fieldValueProblem(kind: TemplateFieldKind, value: string): string | null {
  const rule = KIND_RULES[kind];
  const length = characterCount(value);
  if (value.trim() === '') return 'must not be empty';
  if (length > rule.maxLength) return `must be ${rule.what}`;
  if (rule.pattern && !rule.pattern.test(value)) return `must be ${rule.what}`;
  // A name is limited to 10 characters as soon as it holds anything but Latin letters and spaces.
  if (kind === 'name' && !/^[A-Za-z ]+$/.test(value) && length > 10) return `must be ${rule.what}`;
  return null;
}

export interface FieldIssue {
  field: string;
  message: string;
}

/** Every problem of `data` against the template: missing fields, unknown fields, values out of limits. */
export function templateDataIssues(template: SubscribeTemplate, data: Record<string, string>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const known = new Set(template.fields.map((field) => field.name));
  for (const field of template.fields) {
    const value = data[field.name];
    if (value === undefined) {
      issues.push({ field: field.name, message: `required (${field.label})` });
      continue;
    }
    const problem = fieldValueProblem(field.kind, value);
    if (problem) issues.push({ field: field.name, message: `${field.label} ${problem}` });
  }
  for (const name of Object.keys(data)) {
    if (!known.has(name)) issues.push({ field: name, message: `not a field of template ${template.title}` });
  }
  return issues;
}

/** The body WeChat expects for `data`: each value wrapped as `{ value }`. */
export function wechatTemplateData(data: Record<string, string>): Record<string, { value: string }> {
  return Object.fromEntries(Object.entries(data).map(([name, value]) => [name, { value }]));
}

// ---------------------------------------------------------------------------------------------
// Slow-moving products
// ---------------------------------------------------------------------------------------------

export interface ProductSales {
  units: number;
  orders: number;
  revenueCents: number;
  lastSoldAt: Date | null;
}

export function emptySales(): ProductSales {
  return { units: 0, orders: 0, revenueCents: 0, lastSoldAt: null };
}

/** Adds one completed order's lines to per-product sales; a product on two lines of one order counts one order. */
export function addOrderToSales(
  sales: Map<string, ProductSales>,
  order: { completedAt: Date; lines: readonly { productId: string; quantity: number; amountCents: number }[] },
  tracked?: ReadonlySet<string>,
): void {
  const seen = new Set<string>();
  for (const line of order.lines) {
    if (tracked && !tracked.has(line.productId)) continue;
    let entry = sales.get(line.productId);
    if (!entry) {
      entry = emptySales();
      sales.set(line.productId, entry);
    }
    entry.units += line.quantity;
    entry.revenueCents += line.amountCents;
    if (!seen.has(line.productId)) entry.orders += 1;
    seen.add(line.productId);
    if (!entry.lastSoldAt || order.completedAt > entry.lastSoldAt) entry.lastSoldAt = order.completedAt;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface SlowMovingRow {
  productId: string;
  units: number;
  orders: number;
  revenueCents: number;
  /** Units per day over the window. */
  velocity: number;
  /** velocity / the median velocity of the store's active products; null when that median is 0. */
  velocityRatio: number | null;
  lastSoldAt: Date | null;
  /** Whole days since the last sale in the window; null when it did not sell in the window at all. */
  daysSinceLastSale: number | null;
}

export interface SlowMovingRanking {
  medianVelocity: number;
  rows: SlowMovingRow[];
}

const DAY_MS = 24 * 3600_000;

/**
 * Ranks a store's active products slowest first: lowest velocity, then (on a tie) the longest
 * since the last sale, never-sold first, then by id so the order is stable. The median is over
 * all the store's active products, sold or not, so "half the store sells faster than this" holds.
 */
export function rankSlowMoving(productIds: readonly string[], sales: ReadonlyMap<string, ProductSales>, window: { days: number; end: Date }): SlowMovingRanking {
  const rows = productIds.map((productId): SlowMovingRow => {
    const entry = sales.get(productId) ?? emptySales();
    return {
      productId,
      units: entry.units,
      orders: entry.orders,
      revenueCents: entry.revenueCents,
      velocity: entry.units / window.days,
      velocityRatio: null,
      lastSoldAt: entry.lastSoldAt,
      daysSinceLastSale: entry.lastSoldAt ? Math.floor((window.end.getTime() - entry.lastSoldAt.getTime()) / DAY_MS) : null,
    };
  });
  const medianVelocity = median(rows.map((row) => row.velocity));
  for (const row of rows) row.velocityRatio = medianVelocity > 0 ? row.velocity / medianVelocity : null;
  const staleness = (row: SlowMovingRow) => (row.daysSinceLastSale === null ? Number.POSITIVE_INFINITY : row.daysSinceLastSale);
  rows.sort((a, b) => a.velocity - b.velocity || staleness(b) - staleness(a) || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  return { medianVelocity, rows };
}

// ---------------------------------------------------------------------------------------------
// Promotion effect
// ---------------------------------------------------------------------------------------------

export interface PromotionWindows {
  /** Start of the equal-length window before the campaign (inclusive). */
  beforeStart: Date;
  /** Campaign start (inclusive); also the end of the before window (exclusive). */
  start: Date;
  /** Campaign end (exclusive), or now when the campaign is still running. */
  end: Date;
}

/** The campaign window up to `now` and the window of equal length just before it. */
export function promotionWindows(startAt: Date, endAt: Date, now: Date): PromotionWindows {
  const end = endAt < now ? endAt : now;
  const length = Math.max(0, end.getTime() - startAt.getTime());
  return { beforeStart: new Date(startAt.getTime() - length), start: startAt, end };
}

export type Period = 'before' | 'during';

/** Which window an instant falls in: [beforeStart, start) is before, [start, end) during. */
export function periodOf(windows: PromotionWindows, at: Date): Period | null {
  const time = at.getTime();
  if (time >= windows.beforeStart.getTime() && time < windows.start.getTime()) return 'before';
  if (time >= windows.start.getTime() && time < windows.end.getTime()) return 'during';
  return null;
}

export type Group = 'audience' | 'others';

interface GroupTally {
  units: number;
  orders: number;
  revenueCents: number;
  buyers: Set<string>;
}

/** Running sums of one product's sales per period and group, fed one order at a time. */
export type PromotionTally = Record<Period, Record<Group, GroupTally>>;

export function emptyPromotionTally(): PromotionTally {
  const group = (): GroupTally => ({ units: 0, orders: 0, revenueCents: 0, buyers: new Set() });
  return { before: { audience: group(), others: group() }, during: { audience: group(), others: group() } };
}

/**
 * Adds one completed order. Orders outside both windows and orders without the product change
 * nothing. An order with no resident counts in "others" for units, orders and revenue, but as no
 * buyer: it cannot be told apart from other anonymous orders.
 */
export function addOrderToTally(
  tally: PromotionTally,
  windows: PromotionWindows,
  productId: string,
  order: { completedAt: Date; residentId: string | null; lines: readonly { productId: string; quantity: number; amountCents: number }[] },
  isAudience: (residentId: string) => boolean,
): void {
  const period = periodOf(windows, order.completedAt);
  if (!period) return;
  const lines = order.lines.filter((line) => line.productId === productId);
  if (lines.length === 0) return;
  const group: Group = order.residentId !== null && isAudience(order.residentId) ? 'audience' : 'others';
  const target = tally[period][group];
  target.orders += 1;
  for (const line of lines) {
    target.units += line.quantity;
    target.revenueCents += line.amountCents;
  }
  if (order.residentId !== null) target.buyers.add(order.residentId);
}

export interface GroupSales {
  size: number;
  units: number;
  orders: number;
  buyers: number;
  revenueCents: number;
  /** buyers / size; null when the group is empty. */
  buyerRate: number | null;
  /** units / size; null when the group is empty. */
  unitsPerCapita: number | null;
}

export interface PromotionEffect {
  before: Record<Group, GroupSales>;
  during: Record<Group, GroupSales>;
  /**
   * Difference in differences: (audience during − audience before) − (others during − others
   * before), per capita; null when a group is empty. Positive means the audience moved more than
   * everyone else did over the same change of window.
   */
  lift: { buyerRate: number | null; unitsPerCapita: number | null };
}

function perCapita(value: number, size: number): number | null {
  return size > 0 ? value / size : null;
}

function groupSales(tally: GroupTally, size: number): GroupSales {
  return {
    size,
    units: tally.units,
    orders: tally.orders,
    buyers: tally.buyers.size,
    revenueCents: tally.revenueCents,
    buyerRate: perCapita(tally.buyers.size, size),
    unitsPerCapita: perCapita(tally.units, size),
  };
}

function differenceInDifferences(effect: Omit<PromotionEffect, 'lift'>, metric: 'buyerRate' | 'unitsPerCapita'): number | null {
  const values = [effect.during.audience[metric], effect.before.audience[metric], effect.during.others[metric], effect.before.others[metric]];
  if (values.some((value) => value === null)) return null;
  const [audienceDuring, audienceBefore, othersDuring, othersBefore] = values as number[];
  return audienceDuring - audienceBefore - (othersDuring - othersBefore);
}

/** The effect from the tallies and the sizes of the two groups. */
export function promotionEffect(tally: PromotionTally, sizes: Record<Group, number>): PromotionEffect {
  const base = {
    before: { audience: groupSales(tally.before.audience, sizes.audience), others: groupSales(tally.before.others, sizes.others) },
    during: { audience: groupSales(tally.during.audience, sizes.audience), others: groupSales(tally.during.others, sizes.others) },
  };
  return { ...base, lift: { buyerRate: differenceInDifferences(base, 'buyerRate'), unitsPerCapita: differenceInDifferences(base, 'unitsPerCapita') } };
}

// ---------------------------------------------------------------------------------------------
// Subscribe-message delivery outcomes
// ---------------------------------------------------------------------------------------------

/**
 * What became of one resident in one push. `sending` is claimed and in flight; after the stale
 * limit it is reported as `unknown` and never resent (a duplicate message is worse than a missing
 * one). `quota` and `failed` are retried by the next send; the others are final. `held_out` is a
 * resident of the push's hold-out group, deliberately never sent.
 */
export const DELIVERY_STATES = ['sending', 'sent', 'no_grant', 'refused', 'invalid_openid', 'quota', 'failed', 'unknown', 'held_out'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export function isRetryableDelivery(state: DeliveryState): boolean {
  return state === 'quota' || state === 'failed';
}

/** The outcome a WeChat error code from the WeChat client means for a delivery. */
export function deliveryStateForWechatError(code: string): Exclude<DeliveryState, 'sending' | 'sent' | 'no_grant' | 'held_out'> {
  switch (code) {
    case 'WECHAT_SUBSCRIPTION_REFUSED':
      return 'refused';
    case 'WECHAT_QUOTA_EXCEEDED':
      return 'quota';
    case 'WECHAT_INVALID_OPENID':
      return 'invalid_openid';
    // No answer, or "system busy": WeChat may have delivered it, so it must not be sent again.
    case 'WECHAT_UNAVAILABLE':
    case 'WECHAT_BUSY':
      return 'unknown';
    default:
      return 'failed';
  }
}
