import { burstFindings, classifyInvitee, DEFAULT_FRAUD_THRESHOLDS, inviteeEvidence, lowQualityFinding } from './invite-fraud';

const hour = 3600_000;
const at = (offsetHours: number) => new Date(Date.UTC(2026, 2, 1) + offsetHours * hour).toISOString();

describe('invite fraud rules', () => {
  it('flags more than the daily threshold within any 24 hours, and not exactly the threshold', () => {
    const thresholds = { ...DEFAULT_FRAUD_THRESHOLDS, maxInviteesPerDay: 3 };
    expect(burstFindings([at(0), at(5), at(23)], thresholds)).toEqual([]);
    expect(burstFindings([at(0), at(5), at(23), at(23.9)], thresholds)).toEqual([
      { rule: 'burst_1d', count: 4, threshold: 3, windowStart: at(0) },
    ]);
    // The same four spread over 25 hours stay at three per day.
    expect(burstFindings([at(0), at(5), at(23), at(24)], thresholds)).toEqual([]);
  });

  it('flags more than the window threshold within N days', () => {
    const thresholds = { ...DEFAULT_FRAUD_THRESHOLDS, maxInviteesPerDay: 100, maxInviteesPerWindow: 5, windowDays: 7 };
    const sixDaily = [0, 24, 48, 72, 96, 120].map(at);
    expect(burstFindings(sixDaily.slice(0, 5), thresholds)).toEqual([]);
    expect(burstFindings(sixDaily, thresholds)).toEqual([{ rule: 'burst_window', count: 6, threshold: 5, windowStart: at(0) }]);
  });

  it('calls an invitee substantive only for an order or a non-point-collecting action', () => {
    expect(classifyInvitee({ actions: { group_checkin: 5, activity_viewed: 2 }, hasOrder: false })).toBe('point_collecting');
    expect(classifyInvitee({ actions: {}, hasOrder: false })).toBe('inactive');
    expect(classifyInvitee({ actions: { group_checkin: 1 }, hasOrder: true })).toBe('substantive');
    expect(classifyInvitee({ actions: { comment_posted: 1 }, hasOrder: false })).toBe('substantive');
  });

  it('counts comments, posts and 晒单 as costly and likes, saves and shares as cheap, as the article tells bonus hunters apart', () => {
    expect(classifyInvitee({ actions: { post_liked: 30, post_shared: 8, post_saved: 2 }, hasOrder: false })).toBe('point_collecting');
    expect(classifyInvitee({ actions: { post_liked: 3, group_checkin: 4 }, hasOrder: false })).toBe('point_collecting');
    expect(classifyInvitee({ actions: { post_liked: 3, comment_posted: 1 }, hasOrder: false })).toBe('substantive');
    expect(classifyInvitee({ actions: { post_published: 1 }, hasOrder: false })).toBe('substantive');
    expect(classifyInvitee({ actions: { order_shown: 1 }, hasOrder: false })).toBe('substantive');
    // A count of zero is no action: a like-only invitee with an empty comment entry stays low quality.
    expect(classifyInvitee({ actions: { post_liked: 2, comment_posted: 0 }, hasOrder: false })).toBe('point_collecting');
  });

  it('groups an invitee\'s actions for the flag card: orders, comments, posts, 晒单, likes/saves/shares, point-only actions', () => {
    expect(inviteeEvidence({ order_completed: 2, comment_posted: 3, post_published: 2, order_shown: 1, post_liked: 4, post_saved: 1, post_shared: 2, group_checkin: 5, activity_viewed: 1, invite_succeeded: 1 }))
      .toEqual({ orders: 2, comments: 3, posts: 2, orderShows: 1, reactions: 7, pointActions: 6 });
    expect(inviteeEvidence({})).toEqual({ orders: 0, comments: 0, posts: 0, orderShows: 0, reactions: 0, pointActions: 0 });
  });

  it('flags an inviter whose invitees only like and share, and not one whose invitees comment', () => {
    const thresholds = { ...DEFAULT_FRAUD_THRESHOLDS, lowQualityShare: 0.6, lowQualityMinInvitees: 5 };
    const likers = Array.from({ length: 5 }, () => classifyInvitee({ actions: { post_liked: 5, post_shared: 1 }, hasOrder: false }));
    expect(lowQualityFinding(likers, thresholds)).toEqual({ judged: 5, lowQuality: 5, share: 1 });
    const commenters = Array.from({ length: 5 }, () => classifyInvitee({ actions: { post_liked: 5, comment_posted: 1 }, hasOrder: false }));
    expect(lowQualityFinding(commenters, thresholds)).toBeNull();
  });

  it('flags an inviter whose judged invitees are mostly low quality, at the share edge', () => {
    const thresholds = { ...DEFAULT_FRAUD_THRESHOLDS, lowQualityShare: 0.6, lowQualityMinInvitees: 5 };
    expect(lowQualityFinding(['point_collecting', 'point_collecting', 'point_collecting', 'substantive'], thresholds)).toBeNull();
    expect(lowQualityFinding(['point_collecting', 'inactive', 'substantive', 'substantive', 'substantive'], thresholds)).toBeNull();
    expect(lowQualityFinding(['point_collecting', 'inactive', 'point_collecting', 'substantive', 'substantive'], thresholds)).toEqual({ judged: 5, lowQuality: 3, share: 0.6 });
  });
});
