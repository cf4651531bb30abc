import { labelMeaning } from './label-meaning';

describe('a label\'s meaning', () => {
  it('when operations change a rule\'s thresholds, then the sentence follows them', () => {
    expect(labelMeaning({ kind: 'rule', rule: { name: 'recency', params: { thresholdsDays: [7, 30, 90] } } })).toBe('距最近一次完成的订单：7 天内、30 天内、90 天内，或更久');
    expect(labelMeaning({ kind: 'rule', rule: { name: 'recency', params: { thresholdsDays: [3, 14, 60] } } })).toBe('距最近一次完成的订单：3 天内、14 天内、60 天内，或更久');
    expect(labelMeaning({ kind: 'rule', rule: { name: 'monetary', params: { windowDays: 90, thresholdsCents: [1, 20_000, 80_000] } } })).toContain('¥200 起为中消费');
  });

  it('when the stored parameters lack a number, then nothing is said rather than a wrong sentence', () => {
    expect(labelMeaning({ kind: 'rule', rule: { name: 'group', params: {} } })).toBeNull();
    expect(labelMeaning({ kind: 'manual', rule: null })).toBe('由店长或城市运营手动标注');
  });
});
