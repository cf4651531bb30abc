import { labelDefinitionInputSchema, labelRuleSchema, type LabelRule } from '../schemas/labels';
import {
  addActivity,
  addCompletedOrder,
  addGroupActivity,
  addGroupMembership,
  addInvitee,
  addNewbieProgress,
  addOpenFraudFlag,
  computeLabels,
  computeRuleLabel,
  factWindows,
  newFacts,
  setInterestCategories,
  type ResidentFacts,
} from './labels';

const DAY = 24 * 3600_000;
/** 2026-03-05 12:00 in Shanghai. */
const NOW = new Date('2026-03-05T04:00:00Z');
const ago = (days: number, hours = 0) => NOW.getTime() - days * DAY - hours * 3600_000;
const rule = (input: unknown): LabelRule => labelRuleSchema.parse(input);
const RULES = {
  lifecycle: rule({ name: 'lifecycle' }),
  recency: rule({ name: 'recency' }),
  frequency: rule({ name: 'frequency' }),
  monetary: rule({ name: 'monetary' }),
  newbie: rule({ name: 'newbie_tasks' }),
  group: rule({ name: 'group' }),
  invite: rule({ name: 'invite_quality' }),
  community: rule({ name: 'community' }),
  store: rule({ name: 'store' }),
  interest: rule({ name: 'interest_category' }),
};
const windows = factWindows(Object.values(RULES), NOW);

function resident(registeredDaysAgo: number, extra: { newbie?: string[] } = {}): ResidentFacts {
  return newFacts(
    { registeredAt: new Date(ago(registeredDaysAgo)), storeId: 'store-1', storeName: '徐家汇店', communityId: 'community-1', communityName: '汇翠花园' },
    extra.newbie ?? [],
    windows,
  );
}
const value = (name: keyof typeof RULES, facts: ResidentFacts) => computeRuleLabel(RULES[name], facts, NOW.getTime());

describe('lifecycle label', () => {
  it('is new on the China-time registration day, even 11 hours in', () => {
    expect(value('lifecycle', resident(0, {}))).toEqual({ values: ['new'], reason: '今天注册' });
    // 2026-03-05 00:30 Shanghai is still today; 2026-03-04 23:30 is not.
    expect(value('lifecycle', newFacts({ ...base(), registeredAt: new Date('2026-03-04T16:30:00Z') }, [], windows)).values).toEqual(['new']);
    expect(value('lifecycle', newFacts({ ...base(), registeredAt: new Date('2026-03-04T15:30:00Z') }, [], windows)).values).toEqual(['newbie']);
  });

  it('is newbie within 7 days without a completed order, and active once they ordered', () => {
    const facts = resident(3);
    expect(value('lifecycle', facts)).toEqual({ values: ['newbie'], reason: '注册第 4 天，尚未完成首单' });
    addCompletedOrder(facts, ago(1), 3000, windows);
    expect(value('lifecycle', facts)).toEqual({ values: ['active'], reason: '最近一次活跃在 1 天前' });
  });

  it('is active up to 30 days after the last activity, dormant from 31 to 90, lost after 90', () => {
    const at = (days: number) => {
      const facts = resident(200);
      addCompletedOrder(facts, ago(days), 1000, windows);
      addActivity(facts, ago(days + 3), windows);
      return value('lifecycle', facts);
    };
    expect(at(30)).toEqual({ values: ['active'], reason: '最近一次活跃在 30 天前' });
    expect(at(31)).toEqual({ values: ['dormant'], reason: '最近一次活跃在 31 天前' });
    expect(at(90).values).toEqual(['dormant']);
    expect(at(91)).toEqual({ values: ['lost'], reason: '最近一次活跃在 91 天前，超过 90 天' });
  });

  it('is resurrected when the first activity inside the window follows a gap longer than 30 days, and active when the gap was short', () => {
    const back = resident(200);
    addCompletedOrder(back, ago(150), 1000, windows);
    addActivity(back, ago(10), windows);
    addCompletedOrder(back, ago(2), 1000, windows);
    expect(value('lifecycle', back)).toEqual({ values: ['resurrected'], reason: '沉默 140 天后重新活跃，最近一次活跃在 2 天前' });

    const steady = resident(200);
    addCompletedOrder(steady, ago(45), 1000, windows);
    addCompletedOrder(steady, ago(20), 1000, windows);
    addActivity(steady, ago(5), windows);
    expect(value('lifecycle', steady).values).toEqual(['active']);
  });

  it('counts registration as activity: registered 40 days ago and never back is dormant', () => {
    expect(value('lifecycle', resident(40)).values).toEqual(['dormant']);
  });
});

function base() {
  return { storeId: 'store-1', storeName: '徐家汇店', communityId: 'community-1', communityName: '汇翠花园' };
}

describe('RFM labels', () => {
  it('bands recency by days since the last completed order, inclusive thresholds', () => {
    const at = (days: number) => {
      const facts = resident(400);
      addCompletedOrder(facts, ago(days, 1), 1000, windows);
      return value('recency', facts);
    };
    expect(value('recency', resident(400))).toEqual({ values: ['none'], reason: '从未下单' });
    expect(at(0)).toEqual({ values: ['r1'], reason: '最近一次下单在今天' });
    expect(at(7).values).toEqual(['r1']);
    expect(at(8).values).toEqual(['r2']);
    expect(at(45)).toEqual({ values: ['r3'], reason: '最近一次下单在 45 天前' });
    expect(at(91).values).toEqual(['r4']);
  });

  it('counts orders and spend of the last 90 days only (89 days ago in, 90 out)', () => {
    const facts = resident(400);
    for (const days of [1, 10, 89]) addCompletedOrder(facts, ago(days), 10_000, windows);
    addCompletedOrder(facts, ago(90), 50_000, windows);
    expect(value('frequency', facts)).toEqual({ values: ['f2'], reason: '近 90 天完成 3 单' });
    expect(value('monetary', facts)).toEqual({ values: ['m2'], reason: '近 90 天消费 300.00 元' });
    const big = resident(400);
    for (let index = 0; index < 6; index += 1) addCompletedOrder(big, ago(index + 1), 20_000, windows);
    expect(value('frequency', big).values).toEqual(['f3']);
    expect(value('monetary', big).values).toEqual(['m3']);
    expect(value('frequency', resident(400)).values).toEqual(['f0']);
    expect(value('monetary', resident(400)).values).toEqual(['m0']);
  });
});

describe('newbie tasks, group, invite, place and interest labels', () => {
  it('newbie tasks: none, not started, in progress, completed', () => {
    expect(value('newbie', resident(2)).values).toEqual(['none']);
    const facts = resident(2, { newbie: ['a', 'b'] });
    expect(value('newbie', facts)).toEqual({ values: ['not_started'], reason: '尚未开始 2 个新手任务' });
    addNewbieProgress(facts, 'a', false);
    expect(value('newbie', facts)).toEqual({ values: ['in_progress'], reason: '已完成 0/2 个新手任务' });
    addNewbieProgress(facts, 'a', true);
    addNewbieProgress(facts, 'x', true);
    expect(value('newbie', facts).reason).toBe('已完成 1/2 个新手任务');
    addNewbieProgress(facts, 'b', true);
    expect(value('newbie', facts)).toEqual({ values: ['completed'], reason: '已完成全部 2 个新手任务' });
  });

  it('group: not in a group, silent member, active within 30 days', () => {
    const facts = resident(100);
    expect(value('group', facts)).toEqual({ values: ['none'], reason: '未加入门店社群' });
    addGroupMembership(facts);
    addGroupActivity(facts, ago(31));
    expect(value('group', facts)).toEqual({ values: ['silent'], reason: '在 1 个门店社群中，近 30 天未签到或发言' });
    addGroupActivity(facts, ago(30));
    expect(value('group', facts)).toEqual({ values: ['active'], reason: '最近一次群内活跃在 30 天前' });
  });

  it('invite quality: none, pending, good, low, flagged', () => {
    const facts = resident(100);
    expect(value('invite', facts).values).toEqual(['none']);
    addInvitee(facts, { qualified: false, qualifyBy: ago(-5) }, windows);
    expect(value('invite', facts)).toEqual({ values: ['pending'], reason: '已邀请 1 人，仍在首单观察期' });
    addInvitee(facts, { qualified: true, qualifyBy: ago(-5) }, windows);
    expect(value('invite', facts)).toEqual({ values: ['good'], reason: '已邀请 2 人，已判定 1 人中 1 人完成首单' });
    addInvitee(facts, { qualified: false, qualifyBy: ago(1) }, windows);
    addInvitee(facts, { qualified: false, qualifyBy: ago(2) }, windows);
    expect(value('invite', facts).values).toEqual(['low']);
    addOpenFraudFlag(facts);
    expect(value('invite', facts).values).toEqual(['flagged']);
  });

  it('community, store and interest', () => {
    const facts = resident(10);
    expect(value('community', facts)).toEqual({ values: ['community-1'], reason: '所在小区：汇翠花园' });
    expect(value('store', facts)).toEqual({ values: ['store-1'], reason: '归属门店：徐家汇店' });
    expect(value('community', newFacts({ ...base(), communityId: null, registeredAt: new Date(ago(3)) }, [], windows)).values).toEqual([]);
    expect(value('interest', facts).values).toEqual([]);
    setInterestCategories(facts, ['水果', '乳品', '蔬菜', '粮油']);
    expect(value('interest', facts)).toEqual({ values: ['水果', '乳品', '蔬菜'], reason: '预测偏好品类：水果、乳品、蔬菜' });
  });
});

describe('computeLabels', () => {
  const definitions = [
    { key: 'lifecycle', kind: 'rule' as const, rule: RULES.lifecycle, active: true },
    { key: 'recency', kind: 'rule' as const, rule: RULES.recency, active: true },
    { key: 'off', kind: 'rule' as const, rule: RULES.store, active: false },
    { key: 'note', kind: 'manual' as const, rule: null, active: true },
  ];

  it('keeps setAt while the values stay the same, with the newest reason, and resets it when they change', () => {
    const facts = resident(200);
    addActivity(facts, ago(40), windows);
    addCompletedOrder(facts, ago(20), 1000, windows);
    const earlier = new Date(ago(5));
    const previous = [
      { key: 'lifecycle', values: ['active'], reason: '旧原因', setAt: earlier, source: 'rule' as const },
      { key: 'recency', values: ['r1'], reason: '旧原因', setAt: earlier, source: 'rule' as const },
    ];
    const manualAt = new Date(ago(1));
    const labels = computeLabels(definitions, facts, [{ key: 'note', value: 'key_customer', reason: '店长标注', setAt: manualAt }], previous, NOW);
    expect(labels).toEqual([
      { key: 'lifecycle', values: ['active'], reason: '最近一次活跃在 20 天前', setAt: earlier, source: 'rule' },
      { key: 'recency', values: ['r2'], reason: '最近一次下单在 20 天前', setAt: NOW, source: 'rule' },
      { key: 'note', values: ['key_customer'], reason: '店长标注', setAt: manualAt, source: 'manual' },
    ]);
  });
});

describe('label definition schema', () => {
  it('fills rule parameter defaults and checks kinds, thresholds and value lists', () => {
    expect(labelRuleSchema.parse({ name: 'recency' })).toEqual({ name: 'recency', params: { thresholdsDays: [7, 30, 90] } });
    const bad = labelDefinitionInputSchema.safeParse({ name: 'x', category: 'c', kind: 'rule', rule: { name: 'recency', params: { thresholdsDays: [30, 7, 90] } } });
    expect(bad.success).toBe(false);
    const manualWithoutValues = labelDefinitionInputSchema.safeParse({ name: 'x', category: 'c', kind: 'manual' });
    expect(manualWithoutValues.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['values']);
    const renamed = labelDefinitionInputSchema.safeParse({ name: 'x', category: 'c', kind: 'rule', rule: { name: 'group' }, values: [{ value: 'none', name: '无' }, { value: 'silent', name: '潜水' }] });
    expect(renamed.error?.issues[0]?.message).toBe('the group rule produces exactly: active, none, silent');
    expect(labelDefinitionInputSchema.safeParse({ name: 'x', category: 'c', kind: 'interest', rule: { name: 'lifecycle' } }).success).toBe(false);
  });
});
