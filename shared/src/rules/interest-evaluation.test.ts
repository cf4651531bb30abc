import { DAY_MS, type ProductFacts, type PurchaseSummary } from './interest';
import { historyRanking, MacroAverage, popularityRanking, precisionAtK, recallAtK, relativeMargin, splitByTime } from './interest-evaluation';

describe('precision@K and recall@K', () => {
  it('count hits in the first K on a hand-made case', () => {
    const relevant = new Set(['a', 'c', 'x']);
    const recommended = ['a', 'b', 'c', 'd', 'e', 'x'];
    expect(precisionAtK(recommended, relevant, 5)).toBeCloseTo(2 / 5, 12);
    expect(recallAtK(recommended, relevant, 5)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(recommended, relevant, 10)).toBeCloseTo(3 / 10, 12); // a short list is not excused
    expect(recallAtK(recommended, relevant, 10)).toBe(1);
  });

  it('macro-average over residents', () => {
    const average = new MacroAverage([1, 2]);
    average.add(['a', 'b'], new Set(['a']));
    average.add(['c', 'd'], new Set(['d', 'e']));
    expect(average.totals()).toEqual({ residents: 2, precision: { 1: (1 + 0) / 2, 2: (0.5 + 0.5) / 2 }, recall: { 1: (1 + 0) / 2, 2: (1 + 0.5) / 2 } });
    expect(relativeMargin(0.3, 0.2)).toBeCloseTo(0.5, 12);
  });
});

describe('time split and baselines', () => {
  it('trains before the cut-off and tests in the window after it', () => {
    const split = splitByTime([
      { resident: 'r', product: 'a', at: 1 }, { resident: 'r', product: 'b', at: 10 }, { resident: 'r', product: 'a', at: 11 }, { resident: 'r', product: 'c', at: 30 },
    ], 10, 20);
    expect(split.train.map((entry) => entry.product)).toEqual(['a']);
    expect([...split.test.get('r')!]).toEqual(['b', 'a']);
  });

  const products: ProductFacts[] = ['eggs', 'milk', 'tv', 'rice', 'pan'].map((id) => ({ id, category: 'c', subcategory: '', repeatNature: id === 'tv' || id === 'pan' ? 'durable' : 'daily', active: true }));
  const history: PurchaseSummary[] = [
    { product: 3, weight: 0.4, count: 1, firstAt: 0, lastAt: 0 },
    { product: 1, weight: 1.2, count: 2, firstAt: 0, lastAt: DAY_MS },
    { product: 2, weight: 2, count: 1, firstAt: 0, lastAt: 0 },
  ];
  const popularFirst = [2, 0, 1, 4, 3];

  it('popularity leaves out durables the resident already owns', () => {
    expect(popularityRanking(history, popularFirst, products, 3)).toEqual([0, 1, 4]);
  });

  it('history ranks own non-durable products by decayed weight, then fills from popularity', () => {
    expect(historyRanking(history, popularFirst, products, 4)).toEqual([1, 3, 0, 4]);
  });
});
