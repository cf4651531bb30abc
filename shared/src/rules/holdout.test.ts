import { holdoutPosition, inHoldout, liftInterval, stableHash32, wilsonInterval } from './holdout';

/** 24-hex ids like consecutive ObjectIds: they differ only in their last characters. */
function residentIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `665f1c2a9b3e4d0012${index.toString(16).padStart(6, '0')}`);
}

describe('hold-out split', () => {
  const population = residentIds(20_000);

  it('gives a resident the same answer on every call', () => {
    for (const residentId of population.slice(0, 500)) {
      const first = inHoldout(residentId, 'push-1', 0.2);
      expect(inHoldout(residentId, 'push-1', 0.2)).toBe(first);
      expect(holdoutPosition(residentId, 'push-1')).toBe(holdoutPosition(residentId, 'push-1'));
    }
  });

  it('holds out about the share of a large population, within four binomial standard deviations', () => {
    for (const share of [0.05, 0.1, 0.25, 0.5]) {
      const held = population.filter((residentId) => inHoldout(residentId, 'promotion-a', share)).length;
      const sd = Math.sqrt(population.length * share * (1 - share));
      expect(Math.abs(held - population.length * share)).toBeLessThan(4 * sd);
    }
  });

  it('nests: a resident held out at a smaller share is held out at a larger one', () => {
    for (const residentId of population.slice(0, 2000)) {
      if (inHoldout(residentId, 'x', 0.1)) expect(inHoldout(residentId, 'x', 0.3)).toBe(true);
    }
  });

  it('splits independently between experiments: the overlap is about share squared', () => {
    const share = 0.3;
    const both = population.filter((residentId) => inHoldout(residentId, 'push-a', share) && inHoldout(residentId, 'push-b', share)).length;
    const expected = population.length * share * share;
    const sd = Math.sqrt(population.length * share * share * (1 - share * share));
    expect(Math.abs(both - expected)).toBeLessThan(4 * sd);
  });

  it('holds out nobody at share 0', () => {
    expect(population.some((residentId) => inHoldout(residentId, 'push-a', 0))).toBe(false);
  });

  it('hashes to fixed values, computed independently (Python) from FNV-1a and fmix32, so every build splits alike', () => {
    expect(stableHash32('a')).toBe(444641715);
    expect(stableHash32('push-1:665f1c2a9b3e4d0012000000')).toBe(109064745);
  });
});

describe('lift with its Newcombe interval', () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions",
  // Table II, method 10, examples (a), (b), (e) and (h).
  it.each([
    [{ count: 56, base: 70 }, { count: 48, base: 80 }, 0.2, 0.0524, 0.3339],
    [{ count: 9, base: 10 }, { count: 3, base: 10 }, 0.6, 0.1705, 0.809],
    [{ count: 5, base: 56 }, { count: 0, base: 29 }, 0.0893, -0.0381, 0.1926],
    [{ count: 0, base: 10 }, { count: 0, base: 20 }, 0, -0.1611, 0.2775],
  ])('%o vs %o: difference %d in [%d, %d]', (treated, control, difference, low, high) => {
    const lift = liftInterval(treated, control);
    expect(lift).not.toBeNull();
    expect(lift!.difference).toBeCloseTo(difference, 4);
    expect(lift!.interval.low).toBeCloseTo(low, 4);
    expect(lift!.interval.high).toBeCloseTo(high, 4);
  });

  it('is null when a group is empty', () => {
    expect(liftInterval({ count: 3, base: 10 }, { count: 0, base: 0 })).toBeNull();
    expect(wilsonInterval({ count: 0, base: 0 })).toBeNull();
  });

  it('has Wilson interval 0.3968 to 0.8922 for 7 of 10', () => {
    // By hand: p = 0.7, z² = 3.8415; (0.7 + 0.19207 ± 1.96·√(0.021 + 0.009604)) / 1.38415.
    const interval = wilsonInterval({ count: 7, base: 10 })!;
    expect(interval.low).toBeCloseTo(0.3968, 3);
    expect(interval.high).toBeCloseTo(0.8922, 3);
  });
});
