import { burstFindings, classifyInvitee, DEFAULT_FRAUD_THRESHOLDS, lowQualityFinding } from './invite-fraud';

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

  it('flags an inviter whose judged invitees are mostly low quality, at the share edge', () => {
    const thresholds = { ...DEFAULT_FRAUD_THRESHOLDS, lowQualityShare: 0.6, lowQualityMinInvitees: 5 };
    expect(lowQualityFinding(['point_collecting', 'point_collecting', 'point_collecting', 'substantive'], thresholds)).toBeNull();
    expect(lowQualityFinding(['point_collecting', 'inactive', 'substantive', 'substantive', 'substantive'], thresholds)).toBeNull();
    expect(lowQualityFinding(['point_collecting', 'inactive', 'point_collecting', 'substantive', 'substantive'], thresholds)).toEqual({ judged: 5, lowQuality: 3, share: 0.6 });
  });
});
