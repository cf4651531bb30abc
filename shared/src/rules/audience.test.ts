import { audienceConditionSchema, type AudienceCondition } from '../schemas/audiences';
import { conditionLabelKeys, conditionLeaves, matchesCondition } from './audience';

const labels = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
const resident = labels({ lifecycle: ['dormant'], interest_category: ['水果', '乳品'], group: [] });

describe('audience matcher', () => {
  it('compares single and multi-valued labels', () => {
    expect(matchesCondition({ label: 'lifecycle', op: 'eq', value: 'dormant' }, resident)).toBe(true);
    expect(matchesCondition({ label: 'lifecycle', op: 'ne', value: 'dormant' }, resident)).toBe(false);
    expect(matchesCondition({ label: 'interest_category', op: 'eq', value: '乳品' }, resident)).toBe(true);
    expect(matchesCondition({ label: 'lifecycle', op: 'in', values: ['lost', 'dormant'] }, resident)).toBe(true);
    expect(matchesCondition({ label: 'lifecycle', op: 'nin', values: ['lost', 'dormant'] }, resident)).toBe(false);
  });

  it('treats a missing or empty label as having no value', () => {
    expect(matchesCondition({ label: 'recency', op: 'eq', value: 'r1' }, resident)).toBe(false);
    expect(matchesCondition({ label: 'recency', op: 'ne', value: 'r1' }, resident)).toBe(true);
    expect(matchesCondition({ label: 'recency', op: 'nin', values: ['r1'] }, resident)).toBe(true);
    expect(matchesCondition({ label: 'group', op: 'exists', value: true }, resident)).toBe(false);
    expect(matchesCondition({ label: 'group', op: 'exists', value: false }, resident)).toBe(true);
    expect(matchesCondition({ label: 'lifecycle', op: 'exists', value: true }, resident)).toBe(true);
  });

  it('combines all and any, nested', () => {
    const condition: AudienceCondition = {
      all: [
        { any: [{ label: 'lifecycle', op: 'eq', value: 'lost' }, { label: 'lifecycle', op: 'eq', value: 'dormant' }] },
        { label: 'interest_category', op: 'in', values: ['水果'] },
      ],
    };
    expect(matchesCondition(condition, resident)).toBe(true);
    expect(matchesCondition({ all: [condition, { label: 'group', op: 'exists', value: true }] }, resident)).toBe(false);
    expect(conditionLabelKeys(condition)).toEqual(['lifecycle', 'interest_category']);
    expect(conditionLeaves(condition).map((entry) => entry.path.join('.'))).toEqual(['all.0.any.0', 'all.0.any.1', 'all.1']);
  });
});

describe('audience condition schema', () => {
  it('accepts a tree within the limits and defaults exists to true', () => {
    expect(audienceConditionSchema.parse({ all: [{ label: 'group', op: 'exists' }] })).toEqual({ all: [{ label: 'group', op: 'exists', value: true }] });
  });

  it('rejects nesting deeper than 4 levels, unknown operators and empty groups', () => {
    const deep = { all: [{ any: [{ all: [{ any: [{ label: 'store', op: 'exists' }] }] }] }] };
    const result = audienceConditionSchema.safeParse(deep);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('条件最多嵌套 4 层，这里至少有 5 层');
    expect(audienceConditionSchema.safeParse({ label: 'store', op: 'gt', value: '1' }).success).toBe(false);
    expect(audienceConditionSchema.safeParse({ all: [] }).success).toBe(false);
    expect(audienceConditionSchema.safeParse({ label: 'store', op: 'in', values: [] }).success).toBe(false);
  });
});
