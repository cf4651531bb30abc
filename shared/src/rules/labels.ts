import { chinaDateKey, DAY_MS } from './china-time';
import type { LabelKind, LabelRule } from '../schemas/labels';

/*
 * Rule labels, computed from a compact record of facts per resident. The facts are built by the
 * accumulator functions below, fed the same way by the one-resident refresh (its own queries) and
 * by the nightly recompute (each collection streamed once), so both paths agree by construction.
 * Times are epoch milliseconds to keep a million fact records small.
 *
 * Day counts are whole 24-hour periods: `daysAgo` of an instant 47 hours old is 1.
 */

/** Facts about one resident, enough for every built-in rule. */
export interface ResidentFacts {
  registeredAt: number;
  storeId: string | null;
  storeName: string | null;
  communityId: string | null;
  communityName: string | null;
  /** Completed orders (state `completed` only): the latest, and count and spend per RFM window (days). */
  orders: { lastAt: number | null; windows: Record<number, { count: number; cents: number }> };
  /**
   * Activity: registration, completed orders and activity events. The latest instant, and per
   * lifecycle window (days) the earliest activity inside it and the latest one before it.
   */
  activity: { lastAt: number; windows: Record<number, { firstIn: number | null; lastBefore: number | null }> };
  /** Newbie tasks that apply to the resident (shared list per store), and those started or completed. */
  newbie: { applicable: readonly string[]; started: string[]; completed: string[] };
  /** Current memberships in bound groups, and the latest check-in or message. */
  group: { memberships: number; lastActiveAt: number | null };
  /** Invitees: all, judged (qualified or past their qualifying deadline), qualified; open fraud flags. */
  invites: { total: number; judged: number; qualified: number; openFlags: number };
  /** Predicted categories, best first. */
  interestCategories: string[];
}

/** The instant the facts are computed for, and the windows (in days) the definitions use. */
export interface FactWindows {
  now: number;
  /** Lifecycle `activeDays` values. */
  activityDays: number[];
  /** Frequency and monetary `windowDays` values. */
  orderDays: number[];
}

export interface ResidentBasics {
  registeredAt: Date;
  storeId: string | null;
  storeName: string | null;
  communityId: string | null;
  communityName: string | null;
}

export function daysAgo(now: number, at: number): number {
  return Math.max(0, Math.floor((now - at) / DAY_MS));
}

/** The windows every rule of these definitions needs. */
export function factWindows(rules: LabelRule[], now: Date): FactWindows {
  const activityDays = new Set<number>();
  const orderDays = new Set<number>();
  for (const rule of rules) {
    if (rule.name === 'lifecycle') activityDays.add(rule.params.activeDays);
    if (rule.name === 'frequency' || rule.name === 'monetary') orderDays.add(rule.params.windowDays);
  }
  return { now: now.getTime(), activityDays: [...activityDays], orderDays: [...orderDays] };
}

/** A new fact record; registration counts as the first activity. */
export function newFacts(resident: ResidentBasics, newbieApplicable: readonly string[], windows: FactWindows): ResidentFacts {
  const registeredAt = resident.registeredAt.getTime();
  const facts: ResidentFacts = {
    registeredAt,
    storeId: resident.storeId,
    storeName: resident.storeName,
    communityId: resident.communityId,
    communityName: resident.communityName,
    orders: { lastAt: null, windows: Object.fromEntries(windows.orderDays.map((days) => [days, { count: 0, cents: 0 }])) },
    activity: { lastAt: registeredAt, windows: Object.fromEntries(windows.activityDays.map((days) => [days, { firstIn: null, lastBefore: null }])) },
    newbie: { applicable: newbieApplicable, started: [], completed: [] },
    group: { memberships: 0, lastActiveAt: null },
    invites: { total: 0, judged: 0, qualified: 0, openFlags: 0 },
    interestCategories: [],
  };
  addActivity(facts, registeredAt, windows);
  return facts;
}

/** One activity instant; order does not matter. */
export function addActivity(facts: ResidentFacts, at: number, windows: FactWindows): void {
  facts.activity.lastAt = Math.max(facts.activity.lastAt, at);
  const ago = daysAgo(windows.now, at);
  for (const days of windows.activityDays) {
    const window = facts.activity.windows[days];
    if (ago <= days) window.firstIn = window.firstIn === null ? at : Math.min(window.firstIn, at);
    else window.lastBefore = window.lastBefore === null ? at : Math.max(window.lastBefore, at);
  }
}

/** A completed order: an activity too. "In the last D days" means fewer than D whole days ago. */
export function addCompletedOrder(facts: ResidentFacts, completedAt: number, totalCents: number, windows: FactWindows): void {
  facts.orders.lastAt = facts.orders.lastAt === null ? completedAt : Math.max(facts.orders.lastAt, completedAt);
  const ago = daysAgo(windows.now, completedAt);
  for (const days of windows.orderDays) {
    if (ago >= days) continue;
    facts.orders.windows[days].count += 1;
    facts.orders.windows[days].cents += totalCents;
  }
  addActivity(facts, completedAt, windows);
}

/** Progress on a newbie task: a progress mark (started) or a completion. */
export function addNewbieProgress(facts: ResidentFacts, taskId: string, completed: boolean): void {
  const list = completed ? facts.newbie.completed : facts.newbie.started;
  if (!list.includes(taskId)) list.push(taskId);
}

export function addGroupMembership(facts: ResidentFacts): void {
  facts.group.memberships += 1;
}

/** A check-in or a day with messages in a group. */
export function addGroupActivity(facts: ResidentFacts, at: number): void {
  facts.group.lastActiveAt = facts.group.lastActiveAt === null ? at : Math.max(facts.group.lastActiveAt, at);
}

/** An invitee: judged once qualified or once the qualifying deadline has passed. */
export function addInvitee(facts: ResidentFacts, invite: { qualified: boolean; qualifyBy: number }, windows: FactWindows): void {
  facts.invites.total += 1;
  if (invite.qualified) facts.invites.qualified += 1;
  if (invite.qualified || invite.qualifyBy <= windows.now) facts.invites.judged += 1;
}

export function addOpenFraudFlag(facts: ResidentFacts): void {
  facts.invites.openFlags += 1;
}

export function setInterestCategories(facts: ResidentFacts, categories: string[]): void {
  facts.interestCategories = categories;
}

// ---- rules -----------------------------------------------------------------------------------

export interface ComputedLabel {
  values: string[];
  /** Short Simplified Chinese, shown to staff. */
  reason: string;
}

type Params<N extends LabelRule['name']> = Extract<LabelRule, { name: N }>['params'];

const agoText = (days: number) => (days === 0 ? '今天' : ` ${days} 天前`);

/** Band 0 below the first threshold, band n at or above threshold n. */
function band(measure: number, thresholds: readonly number[]): number {
  return thresholds.filter((threshold) => measure >= threshold).length;
}

export function lifecycleLabel(facts: ResidentFacts, params: Params<'lifecycle'>, now: number): ComputedLabel {
  if (chinaDateKey(new Date(facts.registeredAt)) === chinaDateKey(new Date(now))) return { values: ['new'], reason: '今天注册' };
  const registeredDays = daysAgo(now, facts.registeredAt);
  if (registeredDays < params.newbieDays && facts.orders.lastAt === null) {
    return { values: ['newbie'], reason: `注册第 ${registeredDays + 1} 天，尚未完成首单` };
  }
  const lastDays = daysAgo(now, facts.activity.lastAt);
  if (lastDays <= params.activeDays) {
    const window = facts.activity.windows[params.activeDays];
    const gapDays = window?.firstIn != null && window.lastBefore != null ? Math.floor((window.firstIn - window.lastBefore) / DAY_MS) : 0;
    if (gapDays > params.activeDays) return { values: ['resurrected'], reason: `沉默 ${gapDays} 天后重新活跃，最近一次活跃在${agoText(lastDays)}` };
    return { values: ['active'], reason: `最近一次活跃在${agoText(lastDays)}` };
  }
  if (lastDays <= params.lostDays) return { values: ['dormant'], reason: `最近一次活跃在 ${lastDays} 天前` };
  return { values: ['lost'], reason: `最近一次活跃在 ${lastDays} 天前，超过 ${params.lostDays} 天` };
}

export function recencyLabel(facts: ResidentFacts, params: Params<'recency'>, now: number): ComputedLabel {
  if (facts.orders.lastAt === null) return { values: ['none'], reason: '从未下单' };
  const days = daysAgo(now, facts.orders.lastAt);
  const index = params.thresholdsDays.findIndex((threshold) => days <= threshold);
  return { values: [`r${index === -1 ? 4 : index + 1}`], reason: `最近一次下单在${agoText(days)}` };
}

export function frequencyLabel(facts: ResidentFacts, params: Params<'frequency'>): ComputedLabel {
  const count = facts.orders.windows[params.windowDays]?.count ?? 0;
  return { values: [`f${band(count, params.thresholds)}`], reason: `近 ${params.windowDays} 天完成 ${count} 单` };
}

export function monetaryLabel(facts: ResidentFacts, params: Params<'monetary'>): ComputedLabel {
  const cents = facts.orders.windows[params.windowDays]?.cents ?? 0;
  return { values: [`m${band(cents, params.thresholdsCents)}`], reason: `近 ${params.windowDays} 天消费 ${(cents / 100).toFixed(2)} 元` };
}

export function newbieTasksLabel(facts: ResidentFacts): ComputedLabel {
  const { applicable, started, completed } = facts.newbie;
  if (applicable.length === 0) return { values: ['none'], reason: '当前没有适用的新手任务' };
  const done = applicable.filter((taskId) => completed.includes(taskId)).length;
  if (done === applicable.length) return { values: ['completed'], reason: `已完成全部 ${applicable.length} 个新手任务` };
  const touched = applicable.some((taskId) => started.includes(taskId)) || done > 0;
  if (touched) return { values: ['in_progress'], reason: `已完成 ${done}/${applicable.length} 个新手任务` };
  return { values: ['not_started'], reason: `尚未开始 ${applicable.length} 个新手任务` };
}

export function groupLabel(facts: ResidentFacts, params: Params<'group'>, now: number): ComputedLabel {
  const { memberships, lastActiveAt } = facts.group;
  if (lastActiveAt !== null && daysAgo(now, lastActiveAt) <= params.activeDays) {
    return { values: ['active'], reason: `最近一次群内活跃在${agoText(daysAgo(now, lastActiveAt))}` };
  }
  if (memberships > 0) return { values: ['silent'], reason: `在 ${memberships} 个门店社群中，近 ${params.activeDays} 天未签到或发言` };
  return { values: ['none'], reason: '未加入门店社群' };
}

export function inviteQualityLabel(facts: ResidentFacts, params: Params<'invite_quality'>): ComputedLabel {
  const { total, judged, qualified, openFlags } = facts.invites;
  if (openFlags > 0) return { values: ['flagged'], reason: '邀请行为被风控标记，待审核' };
  if (total === 0) return { values: ['none'], reason: '尚未邀请邻居' };
  if (judged === 0) return { values: ['pending'], reason: `已邀请 ${total} 人，仍在首单观察期` };
  const good = qualified / judged >= params.goodShare;
  return { values: [good ? 'good' : 'low'], reason: `已邀请 ${total} 人，已判定 ${judged} 人中 ${qualified} 人完成首单` };
}

export function communityLabel(facts: ResidentFacts): ComputedLabel {
  if (!facts.communityId) return { values: [], reason: '未填写所在小区' };
  return { values: [facts.communityId], reason: `所在小区：${facts.communityName ?? facts.communityId}` };
}

export function storeLabel(facts: ResidentFacts): ComputedLabel {
  if (!facts.storeId) return { values: [], reason: '未归属门店' };
  return { values: [facts.storeId], reason: `归属门店：${facts.storeName ?? facts.storeId}` };
}

export function interestCategoryLabel(facts: ResidentFacts, params: Params<'interest_category'>): ComputedLabel {
  const top = facts.interestCategories.slice(0, params.topN);
  if (top.length === 0) return { values: [], reason: '暂无购买记录，无法预测兴趣' };
  return { values: top, reason: `预测偏好品类：${top.join('、')}` };
}

/** Computes one rule label. */
export function computeRuleLabel(rule: LabelRule, facts: ResidentFacts, now: number): ComputedLabel {
  switch (rule.name) {
    case 'lifecycle':
      return lifecycleLabel(facts, rule.params, now);
    case 'recency':
      return recencyLabel(facts, rule.params, now);
    case 'frequency':
      return frequencyLabel(facts, rule.params);
    case 'monetary':
      return monetaryLabel(facts, rule.params);
    case 'newbie_tasks':
      return newbieTasksLabel(facts);
    case 'group':
      return groupLabel(facts, rule.params, now);
    case 'invite_quality':
      return inviteQualityLabel(facts, rule.params);
    case 'community':
      return communityLabel(facts);
    case 'store':
      return storeLabel(facts);
    case 'interest_category':
      return interestCategoryLabel(facts, rule.params);
  }
}

// ---- a resident's whole label set --------------------------------------------------------------

/** One label as stored on a resident. */
export interface StoredLabel {
  key: string;
  values: string[];
  reason: string;
  setAt: Date;
  source: LabelKind;
}

/** What the computation needs of a label definition. */
export interface LabelDefinitionRef {
  key: string;
  kind: LabelKind;
  rule: LabelRule | null;
  active: boolean;
}

export interface ManualLabelRef {
  key: string;
  value: string;
  reason: string;
  setAt: Date;
}

const sameValues = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value, index) => value === b[index]);

/**
 * The resident's labels now: every active rule and interest label computed from the facts, and the
 * manual labels staff set whose definition is active. A label whose values did not change keeps its
 * previous `setAt`, so "since when" stays true; the reason is always the latest.
 */
export function computeLabels(
  definitions: LabelDefinitionRef[],
  facts: ResidentFacts,
  manual: ManualLabelRef[],
  previous: StoredLabel[],
  now: Date,
): StoredLabel[] {
  const before = new Map(previous.map((label) => [label.key, label]));
  const labels: StoredLabel[] = [];
  for (const definition of definitions) {
    if (!definition.active) continue;
    if (definition.kind === 'manual') {
      const set = manual.find((entry) => entry.key === definition.key);
      if (set) labels.push({ key: set.key, values: [set.value], reason: set.reason, setAt: set.setAt, source: 'manual' });
      continue;
    }
    if (!definition.rule) continue;
    const computed = computeRuleLabel(definition.rule, facts, now.getTime());
    const prior = before.get(definition.key);
    const setAt = prior && sameValues(prior.values, computed.values) ? prior.setAt : now;
    labels.push({ key: definition.key, values: computed.values, reason: computed.reason, setAt, source: definition.kind });
  }
  return labels;
}
