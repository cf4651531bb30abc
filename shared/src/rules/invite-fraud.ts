/**
 * Bonus-hunter (羊毛党) rules for invites, from the brief: does a sharer's count of new invitees
 * within 1 or N days exceed a threshold, and do their invitees do anything beyond collecting points?
 */
export interface FraudThresholds {
  /** Flag when an inviter's new invitees within one day exceed this. */
  maxInviteesPerDay: number;
  /** Flag when an inviter's new invitees within `windowDays` exceed this. */
  maxInviteesPerWindow: number;
  windowDays: number;
  /** Flag when at least this share of an inviter's invitees are low quality ... */
  lowQualityShare: number;
  /** ... and they have at least this many invitees old enough to judge. */
  lowQualityMinInvitees: number;
  /** An invitee is judged only after this many days. */
  judgeAfterDays: number;
}

export const DEFAULT_FRAUD_THRESHOLDS: FraudThresholds = {
  maxInviteesPerDay: 10,
  maxInviteesPerWindow: 30,
  windowDays: 7,
  lowQualityShare: 0.6,
  lowQualityMinInvitees: 5,
  judgeAfterDays: 3,
};

/** Actions that only collect points: check-ins, page views, sign-up steps. */
export const POINT_COLLECTING_ACTIONS = new Set(['group_checkin', 'activity_viewed', 'signup_completed', 'profile_completed', 'joined_group', 'task_claimed']);

/**
 * Content actions that cost time (writing a comment, a post, a 晒单 of one's own order): the source
 * article tells real users from bonus hunters by them, so one makes an invitee substantive.
 */
export const COSTLY_CONTENT_ACTIONS = new Set(['comment_posted', 'post_published', 'order_shown']);

/**
 * Content actions a tap does (like, save, share): as cheap as a check-in, so they count like point
 * collecting. An invitee who only likes and shares is low quality.
 */
export const CHEAP_CONTENT_ACTIONS = new Set(['post_liked', 'post_saved', 'post_shared']);

/** Whether an action leaves an invitee low quality: point collecting or a cheap content tap. Anything else (orders, comments, posts) is substantive. */
export function isCheapAction(type: string): boolean {
  return POINT_COLLECTING_ACTIONS.has(type) || CHEAP_CONTENT_ACTIONS.has(type);
}

export interface InviteeActivity {
  /** Counts of the invitee's actions by type since sign-up. */
  actions: Record<string, number>;
  /** Whether the invitee has completed an order. */
  hasOrder: boolean;
}

/** `point_collecting`: only cheap actions (check-ins, views, likes, saves, shares); `inactive`: none at all. */
export type InviteeQuality = 'substantive' | 'point_collecting' | 'inactive';

/** What a reviewer reads on a flag card: the invitee's actions in the groups the rule tells apart. */
export interface InviteeEvidence {
  orders: number;
  comments: number;
  /** Posts, 晒单 included (a 晒单 records `post_published` and `order_shown`). */
  posts: number;
  /** Of `posts`, the 晒单 of the invitee's own completed orders. */
  orderShows: number;
  /** Likes, saves and shares: cheap taps. */
  reactions: number;
  /** Check-ins, page views, sign-up steps: actions that only collect points. */
  pointActions: number;
}

export function inviteeEvidence(actions: Record<string, number>): InviteeEvidence {
  const sum = (types: Iterable<string>) => [...types].reduce((total, type) => total + (actions[type] ?? 0), 0);
  return {
    orders: actions.order_completed ?? 0,
    comments: actions.comment_posted ?? 0,
    posts: actions.post_published ?? 0,
    orderShows: actions.order_shown ?? 0,
    reactions: sum(CHEAP_CONTENT_ACTIONS),
    pointActions: sum(POINT_COLLECTING_ACTIONS),
  };
}

export function classifyInvitee(activity: InviteeActivity): InviteeQuality {
  if (activity.hasOrder) return 'substantive';
  const types = Object.entries(activity.actions).filter(([, count]) => count > 0).map(([type]) => type);
  if (types.some((type) => !isCheapAction(type))) return 'substantive';
  return types.length > 0 ? 'point_collecting' : 'inactive';
}

export interface BurstFinding {
  rule: 'burst_1d' | 'burst_window';
  count: number;
  threshold: number;
  windowStart: string;
}

/**
 * The largest number of invitee registrations inside any sliding window of `windowMs` ending at or
 * before `now`, checked against the thresholds. `registeredAt` are ISO instants.
 */
export function burstFindings(registeredAt: string[], thresholds: FraudThresholds): BurstFinding[] {
  const times = registeredAt.map((iso) => Date.parse(iso)).sort((a, b) => a - b);
  const findings: BurstFinding[] = [];
  const check = (rule: BurstFinding['rule'], windowMs: number, threshold: number): void => {
    let start = 0;
    let best = { count: 0, windowStart: 0 };
    for (let end = 0; end < times.length; end += 1) {
      while (times[end] - times[start] >= windowMs) start += 1;
      const count = end - start + 1;
      if (count > best.count) best = { count, windowStart: times[start] };
    }
    if (best.count > threshold) findings.push({ rule, count: best.count, threshold, windowStart: new Date(best.windowStart).toISOString() });
  };
  check('burst_1d', 24 * 3600_000, thresholds.maxInviteesPerDay);
  check('burst_window', thresholds.windowDays * 24 * 3600_000, thresholds.maxInviteesPerWindow);
  return findings;
}

export function lowQualityFinding(
  qualities: InviteeQuality[],
  thresholds: FraudThresholds,
): { judged: number; lowQuality: number; share: number } | null {
  const judged = qualities.length;
  if (judged < thresholds.lowQualityMinInvitees) return null;
  const lowQuality = qualities.filter((quality) => quality !== 'substantive').length;
  const share = lowQuality / judged;
  return share >= thresholds.lowQualityShare ? { judged, lowQuality, share } : null;
}
