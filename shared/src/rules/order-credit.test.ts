import { lastTouchBefore, touchFromQuery, withTouch } from './order-credit';

const HOUR = 3600_000;

describe('touch links', () => {
  it('adds the touch to a page path and reads it back, replacing an earlier touch and keeping other parameters', () => {
    const path = withTouch('pages/offers/index?id=7', { kind: 'broadcast', refId: 'b1', groupId: 'g1' });
    expect(path).toBe('pages/offers/index?id=7&tk=b&tr=b1&tg=g1');
    const again = withTouch(path, { kind: 'share', sharerId: 'r9' });
    expect(again).toBe('pages/offers/index?id=7&tk=s&tu=r9');
    const query = Object.fromEntries(again.split('?')[1].split('&').map((pair) => pair.split('=')));
    expect(touchFromQuery(query)).toEqual({ kind: 'share', refId: null, groupId: null, sharerId: 'r9' });
  });

  it('reads nothing from a query without a touch or with a malformed one', () => {
    expect(touchFromQuery({ id: '7' })).toBeNull();
    expect(touchFromQuery({ tk: 'x', tr: 'b1' })).toBeNull();
    expect(touchFromQuery({ tk: 'b' })).toBeNull(); // a broadcast names itself
    expect(touchFromQuery({ tk: 's' })).toBeNull(); // a share names its sharer
    expect(touchFromQuery({ tk: 'p', tr: 'a b' })).toBeNull();
    expect(touchFromQuery({ tk: 'p', tr: '%E0%A4%A' })).toBeNull();
    expect(touchFromQuery({ tk: 'p', tr: 'p1' })).toEqual({ kind: 'push', refId: 'p1', groupId: null, sharerId: null });
    expect(touchFromQuery({ tk: 'o' })).toBeNull(); // an SOP card names its plan
    expect(touchFromQuery({ tk: 'o', tr: 'plan1', tg: 'g1' })).toEqual({ kind: 'sop', refId: 'plan1', groupId: 'g1', sharerId: null });
  });
});

describe('the last touch before an order', () => {
  const at = (hoursBefore: number, id: string) => ({ id, at: new Date(Date.UTC(2026, 10, 10, 12) - hoursBefore * HOUR) });
  const placedAt = new Date(Date.UTC(2026, 10, 10, 12));

  it('takes the latest touch inside the window, never one after the order or outside the window', () => {
    expect(lastTouchBefore(placedAt, [at(80, 'old'), at(5, 'mid'), at(1, 'late'), at(-1, 'after')], 72 * HOUR)?.id).toBe('late');
    expect(lastTouchBefore(placedAt, [at(80, 'old'), at(-1, 'after')], 72 * HOUR)).toBeNull();
    expect(lastTouchBefore(placedAt, [at(72, 'edge')], 72 * HOUR)?.id).toBe('edge');
    expect(lastTouchBefore(placedAt, [at(0, 'same')], 72 * HOUR)?.id).toBe('same');
  });

  it('agrees with a sort-and-pick over random touches, whatever order they come in', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round += 1) {
      const touches = Array.from({ length: Math.floor(random() * 8) }, (_, index) => at(Math.floor(random() * 120) - 20, `t${index}`));
      const window = (1 + Math.floor(random() * 96)) * HOUR;
      const eligible = touches
        .filter((touch) => touch.at <= placedAt && placedAt.getTime() - touch.at.getTime() <= window)
        .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
      expect(lastTouchBefore(placedAt, [...touches].reverse(), window)?.id ?? null).toBe(eligible[0]?.id ?? null);
    }
  });
});
