import { wilsonInterval } from './wilson';

// Reference values as statsmodels' proportion_confint(count, nobs, alpha=0.05, method='wilson') gives them (6 decimals).
describe('Wilson score interval at 95%', () => {
  it.each([
    [5, 10, 0.236593, 0.763407],
    [0, 10, 0, 0.277533],
    [10, 10, 0.722467, 1],
    [1, 1, 0.206549, 1],
    [81, 263, 0.255289, 0.366210],
    [40, 100, 0.309401, 0.497997],
  ])('%i of %i is [%f, %f]', (count, base, low, high) => {
    const interval = wilsonInterval(count, base)!;
    expect(interval.low).toBeCloseTo(low, 5);
    expect(interval.high).toBeCloseTo(high, 5);
  });

  it('is null when nobody was measured', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('ranks a large sample above a tiny perfect one by the lower bound', () => {
    expect(wilsonInterval(40, 100)!.low).toBeGreaterThan(wilsonInterval(1, 1)!.low);
  });
});
