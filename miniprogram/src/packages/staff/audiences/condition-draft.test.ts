import { audienceConditionSchema } from '@o2o/shared/schemas/audiences';
import { canAddLeaf, describeCondition, describeStored, toCondition, type ConditionDraft, type LabelNames } from './condition-draft';

const names: LabelNames = {
  label: (key) => ({ lifecycle: '生命周期', group: '社群参与' })[key] ?? key,
  value: (key, value) => ({ new: '新注册', newbie: '新手期', active: '群内活跃' })[value] ?? value,
};

describe('the condition editor draft', () => {
  it('when nothing is complete yet, then there is no condition to count', () => {
    expect(toCondition({ join: 'all', items: [] })).toBeNull();
    expect(toCondition({ join: 'all', items: [{ id: 'a', label: 'lifecycle', mode: 'is', values: [] }] })).toBeNull();
  });

  it('when one value is chosen, then the leaf is eq / ne; several become in / nin; has and lacks ask for the label', () => {
    expect(toCondition({ join: 'all', items: [{ id: 'a', label: 'lifecycle', mode: 'is', values: ['new'] }] })).toEqual({ label: 'lifecycle', op: 'eq', value: 'new' });
    expect(toCondition({ join: 'any', items: [{ id: 'a', label: 'lifecycle', mode: 'not', values: ['new', 'newbie'] }] })).toEqual({ label: 'lifecycle', op: 'nin', values: ['new', 'newbie'] });
    expect(toCondition({ join: 'all', items: [{ id: 'a', label: 'group', mode: 'lacks', values: [] }] })).toEqual({ label: 'group', op: 'exists', value: false });
  });

  it('when a sub-group sits beside a leaf, then the tree nests one level and parses with the shared schema', () => {
    const draft: ConditionDraft = {
      join: 'all',
      items: [
        { id: 'a', label: 'lifecycle', mode: 'is', values: ['new', 'newbie'] },
        { id: 'g', join: 'any', leaves: [{ id: 'b', label: 'group', mode: 'not', values: ['active'] }, { id: 'c', label: 'group', mode: 'lacks', values: [] }] },
      ],
    };
    const condition = toCondition(draft)!;
    expect(condition).toEqual({
      all: [
        { label: 'lifecycle', op: 'in', values: ['new', 'newbie'] },
        { any: [{ label: 'group', op: 'ne', value: 'active' }, { label: 'group', op: 'exists', value: false }] },
      ],
    });
    expect(audienceConditionSchema.safeParse(condition).success).toBe(true);
    expect(describeCondition(condition, names)).toBe('生命周期是「新注册、新手期」之一，且 （社群参与不是「群内活跃」，或 没有「社群参与」标签）');
  });

  it('when the draft holds the schema\'s maximum of leaves, then no more can be added', () => {
    const full: ConditionDraft = { join: 'all', items: Array.from({ length: 50 }, (_, index) => ({ id: String(index), label: 'group', mode: 'has' as const, values: [] })) };
    expect(canAddLeaf(full)).toBe(false);
    expect(canAddLeaf({ join: 'all', items: full.items.slice(1) })).toBe(true);
  });

  it('when stored conditions no longer parse, then the saved audience says so in Chinese', () => {
    expect(describeStored({ label: 'Bad Key', op: 'eq', value: 'x' }, names)).toBe('条件已失效，人数按 0 计');
    expect(describeStored({ label: 'lifecycle', op: 'eq', value: 'new' }, names)).toBe('生命周期是「新注册」');
  });
});
