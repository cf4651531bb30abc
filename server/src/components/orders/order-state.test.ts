import { deriveOrderState, orderRewardPoints, type OrderStatus } from '@o2o/shared/schemas/orders';

const at = (minute: number) => new Date(Date.UTC(2025, 5, 1, 10, minute));
const event = (eventId: string, status: OrderStatus, minute: number) => ({ eventId, status, occurredAt: at(minute) });

/** Every ordering of a list, to show the rule ignores arrival order. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('deriveOrderState (shared rule)', () => {
  it('gives the same state and timestamps whatever order the events arrive in', () => {
    const events = [event('e1', 'paid', 0), event('e2', 'completed', 45), event('e3', 'refunded', 600)];
    const results = permutations(events).map((arrival) => deriveOrderState(arrival));
    for (const result of results) {
      expect(result).toEqual(results[0]);
    }
    expect(results[0]).toMatchObject({ state: 'refunded', paidAt: at(0), completedAt: at(45), refundedAt: at(600), cancelledAt: null, countsAsCompleted: false, placedAt: at(0), lastEventAt: at(600) });
  });

  it('lets refunded win over cancelled, cancelled over completed, completed over paid', () => {
    expect(deriveOrderState([event('a', 'paid', 0)])!.state).toBe('paid');
    expect(deriveOrderState([event('b', 'completed', 5), event('a', 'paid', 0)])).toMatchObject({ state: 'completed', countsAsCompleted: true });
    expect(deriveOrderState([event('c', 'cancelled', 1), event('b', 'completed', 5)])).toMatchObject({ state: 'cancelled', countsAsCompleted: false, completedAt: at(5) });
    expect(deriveOrderState([event('c', 'cancelled', 1), event('d', 'refunded', 9)])!.state).toBe('refunded');
    expect(deriveOrderState([])).toBeNull();
  });

  it('takes the earliest event of a status when the same status is reported twice, and describes the order by its completed event', () => {
    const derived = deriveOrderState([
      { ...event('late', 'completed', 50), totalCents: 900 },
      { ...event('early', 'completed', 40), totalCents: 1000 },
      { ...event('pay', 'paid', 0), totalCents: 1200 },
    ]);
    expect(derived).toMatchObject({ completedAt: at(40), details: { eventId: 'early', totalCents: 1000 } });
    expect(deriveOrderState([{ ...event('cancel', 'cancelled', 9), totalCents: 0 }, { ...event('pay', 'paid', 0), totalCents: 1200 }])!.details.eventId).toBe('pay');
  });

  it('awards whole yuan times the rate, rounded down, without float error', () => {
    expect(orderRewardPoints(2799, 1)).toBe(27);
    expect(orderRewardPoints(99, 1)).toBe(0);
    expect(orderRewardPoints(10_000, 0.57)).toBe(57);
    expect(orderRewardPoints(5000, 0)).toBe(0);
    expect(orderRewardPoints(1000, 2.5)).toBe(25);
  });
});
