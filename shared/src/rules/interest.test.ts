import {
  aggregateCategories,
  cosineSimilarity,
  DAY_MS,
  decayWeight,
  DEFAULT_INTEREST_PARAMETERS,
  periodicNeed,
  popularityOf,
  productNeighbours,
  scoreResident,
  summarisePurchases,
  type CompressedRows,
  type InterestParameters,
  type NeighbourTable,
  type ProductFacts,
} from './interest';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const daysAgo = (days: number) => NOW - days * DAY_MS;

/** Rows from plain arrays, so the tests read like the residents' baskets. */
function rows(baskets: number[][]): CompressedRows {
  const offsets = new Int32Array(baskets.length + 1);
  baskets.forEach((basket, r) => (offsets[r + 1] = offsets[r] + basket.length));
  return { offsets, items: Int32Array.from(baskets.flat()) };
}

function neighboursOf(table: NeighbourTable, product: number): Record<number, number> {
  const result: Record<number, number> = {};
  for (let k = table.offsets[product]; k < table.offsets[product + 1]; k += 1) result[table.neighbours[k]] = table.similarities[k];
  return result;
}

describe('time decay', () => {
  it('halves the weight every half-life and never exceeds 1', () => {
    expect(decayWeight(0, 30)).toBe(1);
    expect(decayWeight(30, 30)).toBeCloseTo(0.5, 12);
    expect(decayWeight(90, 30)).toBeCloseTo(0.125, 12);
    expect(decayWeight(-5, 30)).toBe(1);
  });

  it('sums decayed purchases per product and ignores purchases after now', () => {
    const [milk] = summarisePurchases([{ product: 0, at: daysAgo(0) }, { product: 0, at: daysAgo(30) }, { product: 0, at: NOW + DAY_MS }], NOW, 30);
    expect(milk).toEqual({ product: 0, weight: 1.5, count: 2, firstAt: daysAgo(30), lastAt: daysAgo(0) });
  });
});

describe('product similarity from co-purchases', () => {
  // Residents: {A,B}, {A,B,C}, {A,C}, {B}. Buyers: A 3, B 3, C 2. Co-purchases: AB 2, AC 2, BC 1.
  const baskets = rows([[0, 1], [0, 1, 2], [0, 2], [1]]);

  it('is the cosine of the incidence columns, computed by hand', () => {
    const table = productNeighbours(baskets, 3, { neighboursPerProduct: 10, minCoCount: 1, shrinkage: 0 });
    expect(neighboursOf(table, 0)[1]).toBeCloseTo(2 / Math.sqrt(3 * 3), 6);
    expect(neighboursOf(table, 0)[2]).toBeCloseTo(2 / Math.sqrt(3 * 2), 6);
    expect(neighboursOf(table, 1)[2]).toBeCloseTo(1 / Math.sqrt(3 * 2), 6);
    // Symmetric, best first, never its own neighbour.
    expect(neighboursOf(table, 2)[0]).toBeCloseTo(neighboursOf(table, 0)[2], 6);
    expect([...table.neighbours.slice(table.offsets[0], table.offsets[1])]).toEqual([2, 1]);
    expect(neighboursOf(table, 0)[0]).toBeUndefined();
  });

  it('drops pairs below the minimum co-count, shrinks thin evidence and keeps only the top N', () => {
    const strict = productNeighbours(baskets, 3, { neighboursPerProduct: 10, minCoCount: 2, shrinkage: 1 });
    expect(neighboursOf(strict, 1)[2]).toBeUndefined();
    expect(neighboursOf(strict, 0)[1]).toBeCloseTo((2 / 3) * (2 / 3), 6);
    const one = productNeighbours(baskets, 3, { neighboursPerProduct: 1, minCoCount: 1, shrinkage: 0 });
    expect(Object.keys(neighboursOf(one, 0))).toEqual(['2']);
    expect(cosineSimilarity(0, 3, 3, 0)).toBe(0);
  });
});

describe('scoring one resident', () => {
  const products: ProductFacts[] = [
    { id: 'milk', category: '乳品', subcategory: '鲜奶', repeatNature: 'daily', active: true },
    { id: 'yogurt', category: '乳品', subcategory: '酸奶', repeatNature: 'daily', active: true },
    { id: 'kettle', category: '家电', subcategory: '厨房电器', repeatNature: 'durable', active: true },
    { id: 'toaster', category: '家电', subcategory: '厨房电器', repeatNature: 'durable', active: true },
    { id: 'rice', category: '粮油', subcategory: '大米', repeatNature: 'periodic', active: true },
    { id: 'old-bread', category: '烘焙', subcategory: '面包', repeatNature: 'daily', active: false },
  ];
  const parameters: InterestParameters = { ...DEFAULT_INTEREST_PARAMETERS, popularityWeight: 0, periodicIntervalDays: 30, horizonDays: 0 };
  // milk ~ yogurt 0.5, kettle ~ toaster 0.4, milk ~ old-bread 0.9 (inactive), kettle ~ milk 0.2.
  const pairs: [number, number, number][] = [[0, 1, 0.5], [1, 0, 0.5], [2, 3, 0.4], [3, 2, 0.4], [0, 5, 0.9], [2, 0, 0.2]];
  const neighbours: NeighbourTable = (() => {
    const lists = products.map((_, p) => pairs.filter(([a]) => a === p));
    const offsets = new Int32Array(products.length + 1);
    lists.forEach((list, p) => (offsets[p + 1] = offsets[p] + list.length));
    return { offsets, neighbours: Int32Array.from(lists.flat().map(([, b]) => b)), similarities: Float32Array.from(lists.flat().map(([, , s]) => s)) };
  })();
  const model = { products, neighbours, popularity: popularityOf(new Int32Array(products.length), 0), parameters };
  const score = (purchases: { product: number; at: number }[]) => {
    const result = scoreResident(summarisePurchases(purchases, NOW, parameters.halfLifeDays), NOW, model);
    return Object.fromEntries(result.products.map((entry) => [products[entry.product].id, entry.score]));
  };

  it('recommends a daily good again from its own decayed history, plus taste fit from its neighbours', () => {
    const scores = score([{ product: 0, at: daysAgo(30) }]);
    // Own history: repeatWeight × 0.5; taste fit of yogurt: similarityWeight × (0.5 × 0.5) / 0.5.
    expect(scores.milk).toBeCloseTo(parameters.repeatWeight * 0.5, 6);
    expect(scores.yogurt).toBeCloseTo(parameters.similarityWeight * 0.5, 6);
    expect(scores['old-bread']).toBeUndefined();
  });

  it('never recommends a durable bought within the suppression window, and damps its subcategory', () => {
    const recent = score([{ product: 2, at: daysAgo(7) }, { product: 0, at: daysAgo(7) }]);
    expect(recent.kettle).toBeUndefined();
    const total = decayWeight(7, 30) * 2;
    expect(recent.toaster).toBeCloseTo(parameters.similarityWeight * (decayWeight(7, 30) * 0.4) / total * parameters.durableSubcategoryDamping, 5);
    const longAgo = score([{ product: 2, at: daysAgo(parameters.durableSuppressionDays + 10) }]);
    expect(longAgo.kettle).toBeUndefined(); // a durable has no repeat term and is not its own neighbour
    expect(longAgo.toaster).toBeCloseTo(parameters.similarityWeight * 0.4, 5); // no damping once the window has passed
  });

  it('weighs a periodic product by how due it is', () => {
    const justBought = score([{ product: 4, at: daysAgo(5) }]);
    const due = score([{ product: 4, at: daysAgo(30) }]);
    expect(due.rice).toBeCloseTo(parameters.repeatWeight * decayWeight(30, 30), 6);
    expect(justBought.rice).toBeCloseTo(0.25 * parameters.repeatWeight * decayWeight(5, 30), 6);
    expect(periodicNeed({ count: 1, firstAt: daysAgo(10), lastAt: daysAgo(10) }, NOW, 30, 30)).toBe(0);
    expect(periodicNeed({ count: 1, firstAt: daysAgo(22.5), lastAt: daysAgo(22.5) }, NOW, 30, 30)).toBeCloseTo(0.5, 6);
    // Two purchases 10 days apart: its own interval is 10 days, so after 10 days it is due.
    expect(periodicNeed({ count: 2, firstAt: daysAgo(20), lastAt: daysAgo(10) }, NOW, 30, 30)).toBeCloseTo(1, 6);
  });

  it('adds product scores up per category, best first', () => {
    const categories = aggregateCategories([{ product: 0, score: 1 }, { product: 1, score: 0.5 }, { product: 4, score: 1.2 }], products);
    expect(categories).toEqual([{ category: '乳品', score: 1.5 }, { category: '粮油', score: 1.2 }]);
    const result = scoreResident(summarisePurchases([{ product: 0, at: daysAgo(1) }, { product: 4, at: daysAgo(40) }], NOW, 30), NOW, model);
    const dairy = result.products.filter((entry) => products[entry.product].category === '乳品').reduce((sum, entry) => sum + entry.score, 0);
    expect(result.categories.find((entry) => entry.category === '乳品')!.score).toBeCloseTo(dairy, 9);
  });
});
