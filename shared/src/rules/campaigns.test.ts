import {
  addOrderToSales,
  addOrderToTally,
  deliveryStateForWechatError,
  emptyPromotionTally,
  fieldValueProblem,
  median,
  parseTemplateIds,
  periodOf,
  promotionEffect,
  promotionWindows,
  rankSlowMoving,
  SUBSCRIBE_TEMPLATES,
  templateDataIssues,
  wechatTemplateData,
  withTemplateIds,
  type ProductSales,
} from './campaigns';

const at = (iso: string): Date => new Date(iso);

describe('subscribe-message field values within WeChat limits', () => {
  it.each([
    ['thing', '有机菠菜特价，仅限本周末到店自提', null],
    ['thing', '一二三四五六七八九十一二三四五六七八九十', null],
    ['thing', '一二三四五六七八九十一二三四五六七八九十一', 'must be at most 20 characters'],
    ['thing', '   ', 'must not be empty'],
    ['phrase', '已到货', null],
    ['phrase', '已经全部到货', 'must be at most 5 Chinese characters'],
    ['phrase', 'ok', 'must be at most 5 Chinese characters'],
    ['time', '15:01', null],
    ['time', '2024年10月1日 15:01', null],
    ['time', '25:01', expect.stringContaining('24-hour time')],
    ['date', '2024年10月1日', null],
    ['date', '2024-10-01 08:00', null],
    ['date', '明天', expect.stringContaining('a date')],
    ['amount', '¥12.50', null],
    ['amount', '12.50元', null],
    ['amount', '12.505', expect.stringContaining('an amount')],
    ['number', '1200', null],
    ['number', '12a', expect.stringContaining('a number')],
    ['character_string', 'ORDER-2024_01', null],
    ['character_string', '订单1', expect.stringContaining('letters, digits and symbols')],
    ['name', '张三', null],
    ['name', '欧阳一二三四五六七八九', expect.stringContaining('10 Chinese characters')],
    ['name', 'Alexander Hamilton Jr', expect.stringContaining('20 letters')],
    ['symbol', '¥%', null],
    ['letter', 'abcXYZ', null],
    ['phone_number', '+86 138-0000-0000', null],
  ] as const)('%s %p → %p', (kind, value, expected) => {
    expect(fieldValueProblem(kind, value)).toEqual(expected);
  });

  it('lists missing, unknown and out-of-limit fields of a template by field name', () => {
    const arrival = SUBSCRIBE_TEMPLATES.find((template) => template.key === 'arrival_reminder')!;
    const issues = templateDataIssues(arrival, { thing1: '有机菠菜', amount2: '十二元', thing3: '邻里鲜生·徐家汇店', extra9: 'x' });
    expect(issues.map((issue) => issue.field).sort()).toEqual(['amount2', 'extra9', 'phrase4']);
    expect(templateDataIssues(arrival, { thing1: '有机菠菜', amount2: '¥12.80', thing3: '邻里鲜生·徐家汇店', phrase4: '已到货' })).toEqual([]);
  });

  it('wraps values the way WeChat expects and maps deployment template ids by key', () => {
    expect(wechatTemplateData({ thing1: 'a' })).toEqual({ thing1: { value: 'a' } });
    const mapped = withTemplateIds(SUBSCRIBE_TEMPLATES, { points_expiry: 'WX-REAL-ID' });
    expect(mapped.find((template) => template.key === 'points_expiry')!.id).toBe('WX-REAL-ID');
    expect(mapped.find((template) => template.key === 'activity_reminder')!.id).toBe('tmpl-activity-reminder');
    expect(parseTemplateIds(' points_expiry:AbC-12_x , arrival_reminder:Zz9 ')).toEqual({ points_expiry: 'AbC-12_x', arrival_reminder: 'Zz9' });
    expect(parseTemplateIds('')).toEqual({});
    expect(parseTemplateIds('unknown_key:abc')).toBeNull();
    expect(parseTemplateIds('points_expiry')).toBeNull();
  });

  it('maps WeChat errors to delivery outcomes: refused and unknown are final, quota and definite errors retry', () => {
    expect(deliveryStateForWechatError('WECHAT_SUBSCRIPTION_REFUSED')).toBe('refused');
    expect(deliveryStateForWechatError('WECHAT_QUOTA_EXCEEDED')).toBe('quota');
    expect(deliveryStateForWechatError('WECHAT_INVALID_OPENID')).toBe('invalid_openid');
    expect(deliveryStateForWechatError('WECHAT_UNAVAILABLE')).toBe('unknown');
    expect(deliveryStateForWechatError('WECHAT_INVALID_TEMPLATE_DATA')).toBe('failed');
    expect(deliveryStateForWechatError('WECHAT_ERROR')).toBe('failed');
  });
});

describe('slow-moving ranking', () => {
  it('ranks by velocity, never-sold and longest-unsold first on ties, with the ratio to the median of all products', () => {
    const sales = new Map<string, ProductSales>();
    const end = at('2024-06-30T00:00:00Z');
    addOrderToSales(sales, { completedAt: at('2024-06-20T00:00:00Z'), lines: [{ productId: 'A', quantity: 3, amountCents: 300 }, { productId: 'A', quantity: 1, amountCents: 100 }, { productId: 'B', quantity: 1, amountCents: 50 }] });
    addOrderToSales(sales, { completedAt: at('2024-06-28T00:00:00Z'), lines: [{ productId: 'C', quantity: 1, amountCents: 10 }, { productId: 'X', quantity: 9, amountCents: 9 }] }, new Set(['A', 'B', 'C', 'D']));
    expect(sales.get('A')).toEqual({ units: 4, orders: 1, revenueCents: 400, lastSoldAt: at('2024-06-20T00:00:00Z') });
    expect(sales.has('X')).toBe(false);

    const ranking = rankSlowMoving(['A', 'B', 'C', 'D'], sales, { days: 10, end });
    // velocities: A 0.4, B 0.1, C 0.1, D 0 → median (0.1 + 0.1) / 2
    expect(ranking.medianVelocity).toBeCloseTo(0.1);
    expect(ranking.rows.map((row) => row.productId)).toEqual(['D', 'B', 'C', 'A']);
    expect(ranking.rows[0]).toMatchObject({ velocity: 0, daysSinceLastSale: null, velocityRatio: 0 });
    expect(ranking.rows[1]).toMatchObject({ daysSinceLastSale: 10 });
    expect(ranking.rows[3].velocityRatio).toBeCloseTo(4);
    expect(rankSlowMoving(['D'], sales, { days: 10, end }).rows[0].velocityRatio).toBeNull();
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('promotion effect', () => {
  const windows = promotionWindows(at('2024-06-10T00:00:00Z'), at('2024-06-20T00:00:00Z'), at('2024-07-01T00:00:00Z'));

  it('uses an equal-length window before the start, and only up to now while running', () => {
    expect(windows.beforeStart).toEqual(at('2024-05-31T00:00:00Z'));
    const running = promotionWindows(at('2024-06-10T00:00:00Z'), at('2024-06-20T00:00:00Z'), at('2024-06-12T00:00:00Z'));
    expect(running).toEqual({ beforeStart: at('2024-06-08T00:00:00Z'), start: at('2024-06-10T00:00:00Z'), end: at('2024-06-12T00:00:00Z') });
  });

  it('puts the edges where they belong: start and beforeStart inclusive, end exclusive', () => {
    expect(periodOf(windows, at('2024-05-31T00:00:00Z'))).toBe('before');
    expect(periodOf(windows, at('2024-05-30T23:59:59.999Z'))).toBeNull();
    expect(periodOf(windows, at('2024-06-09T23:59:59.999Z'))).toBe('before');
    expect(periodOf(windows, at('2024-06-10T00:00:00Z'))).toBe('during');
    expect(periodOf(windows, at('2024-06-19T23:59:59.999Z'))).toBe('during');
    expect(periodOf(windows, at('2024-06-20T00:00:00Z'))).toBeNull();
  });

  it('tallies units, orders, buyers and revenue per group and computes the difference in differences', () => {
    const tally = emptyPromotionTally();
    const audience = new Set(['a1', 'a2']);
    const line = (quantity: number) => ({ productId: 'P', quantity, amountCents: quantity * 100 });
    const add = (iso: string, residentId: string | null, lines: { productId: string; quantity: number; amountCents: number }[]) =>
      addOrderToTally(tally, windows, 'P', { completedAt: at(iso), residentId, lines }, (id) => audience.has(id));
    add('2024-06-01T00:00:00Z', 'a1', [line(1)]);
    add('2024-06-11T00:00:00Z', 'a1', [line(2), line(1)]);
    add('2024-06-12T00:00:00Z', 'a2', [line(1), { productId: 'Q', quantity: 5, amountCents: 5 }]);
    add('2024-06-12T00:00:00Z', 'o1', [line(1)]);
    add('2024-06-02T00:00:00Z', 'o1', [line(1)]);
    add('2024-06-03T00:00:00Z', null, [line(4)]);
    add('2024-06-13T00:00:00Z', 'o2', [{ productId: 'Q', quantity: 1, amountCents: 1 }]);

    const effect = promotionEffect(tally, { audience: 2, others: 8 });
    expect(effect.before.audience).toEqual({ size: 2, units: 1, orders: 1, buyers: 1, revenueCents: 100, buyerRate: 0.5, unitsPerCapita: 0.5 });
    expect(effect.during.audience).toEqual({ size: 2, units: 4, orders: 2, buyers: 2, revenueCents: 400, buyerRate: 1, unitsPerCapita: 2 });
    expect(effect.before.others).toEqual({ size: 8, units: 5, orders: 2, buyers: 1, revenueCents: 500, buyerRate: 1 / 8, unitsPerCapita: 5 / 8 });
    expect(effect.during.others).toEqual({ size: 8, units: 1, orders: 1, buyers: 1, revenueCents: 100, buyerRate: 1 / 8, unitsPerCapita: 1 / 8 });
    expect(effect.lift.buyerRate).toBeCloseTo(1 - 0.5 - 0);
    expect(effect.lift.unitsPerCapita).toBeCloseTo(2 - 0.5 - (1 / 8 - 5 / 8));
    expect(promotionEffect(tally, { audience: 2, others: 0 }).lift).toEqual({ buyerRate: null, unitsPerCapita: null });
  });
});
