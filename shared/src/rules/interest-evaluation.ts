import type { ProductFacts, PurchaseSummary } from './interest';

/**
 * Offline evaluation of the interest label against two baselines, on a time split: the model is
 * trained on purchases before a cut-off and asked for K products per resident; the hits are the
 * products the resident bought in the test window after it.
 *
 * Hit rule, the same for every method: a recommended product is a hit when the resident bought it
 * in the test window, whether or not they had bought it before. Re-buying daily goods is exactly
 * what the label should foresee, and counting it keeps the history baseline honest (and strong).
 */

export interface TimedPurchase {
  resident: string;
  product: string;
  at: number;
}

export interface TimeSplit {
  train: TimedPurchase[];
  /** Products each resident bought in [cutoff, testEnd). */
  test: Map<string, Set<string>>;
}

/** Purchases before `cutoff` train; those in [cutoff, testEnd) are the test set; later ones are ignored. */
export function splitByTime(purchases: Iterable<TimedPurchase>, cutoff: number, testEnd: number): TimeSplit {
  const train: TimedPurchase[] = [];
  const test = new Map<string, Set<string>>();
  for (const purchase of purchases) {
    if (purchase.at < cutoff) train.push(purchase);
    else if (purchase.at < testEnd) addToTest(test, purchase);
  }
  return { train, test };
}

export function addToTest(test: Map<string, Set<string>>, purchase: Pick<TimedPurchase, 'resident' | 'product'>): void {
  const products = test.get(purchase.resident) ?? new Set<string>();
  products.add(purchase.product);
  test.set(purchase.resident, products);
}

/** Hits in the first k recommendations over k (a list shorter than k is not excused). */
export function precisionAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return hitsAtK(recommended, relevant, k) / k;
}

/** Hits in the first k recommendations over the number of relevant products (0 when there are none). */
export function recallAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return relevant.size === 0 ? 0 : hitsAtK(recommended, relevant, k) / relevant.size;
}

function hitsAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  for (const product of recommended.slice(0, k)) if (relevant.has(product)) hits += 1;
  return hits;
}

/**
 * The popularity baseline: the products most residents bought in train, best first, leaving out
 * durables this resident already bought (their need is met) and inactive products.
 */
export function popularityRanking(history: readonly PurchaseSummary[], popularFirst: readonly number[], products: readonly ProductFacts[], k: number): number[] {
  const ownedDurables = new Set(history.filter((entry) => products[entry.product].repeatNature === 'durable').map((entry) => entry.product));
  const ranking: number[] = [];
  for (const p of popularFirst) {
    if (ranking.length >= k) break;
    if (!ownedDurables.has(p) && products[p].active) ranking.push(p);
  }
  return ranking;
}

/**
 * The history-only baseline: the resident's own products by decayed purchase weight (no
 * similarity, no timing), leaving out durables already bought; a history shorter than k is
 * filled from the popularity baseline, so the baseline is not penalised for thin histories.
 */
export function historyRanking(history: readonly PurchaseSummary[], popularFirst: readonly number[], products: readonly ProductFacts[], k: number): number[] {
  const own = history
    .filter((entry) => products[entry.product].repeatNature !== 'durable' && products[entry.product].active)
    .sort((a, b) => b.weight - a.weight || a.product - b.product)
    .map((entry) => entry.product)
    .slice(0, k);
  const chosen = new Set(own);
  for (const p of popularityRanking(history, popularFirst, products, k + own.length)) {
    if (own.length >= k) break;
    if (!chosen.has(p)) own.push(p);
  }
  return own;
}

export interface MetricTotals {
  residents: number;
  precision: Record<number, number>;
  recall: Record<number, number>;
}

/** Macro averages: sums per resident, divided at the end. */
export class MacroAverage {
  private residents = 0;
  private readonly precisionSums = new Map<number, number>();
  private readonly recallSums = new Map<number, number>();

  constructor(private readonly ks: readonly number[]) {}

  add(recommended: readonly string[], relevant: ReadonlySet<string>): void {
    this.residents += 1;
    for (const k of this.ks) {
      this.precisionSums.set(k, (this.precisionSums.get(k) ?? 0) + precisionAtK(recommended, relevant, k));
      this.recallSums.set(k, (this.recallSums.get(k) ?? 0) + recallAtK(recommended, relevant, k));
    }
  }

  totals(): MetricTotals {
    const average = (sums: Map<number, number>) => Object.fromEntries(this.ks.map((k) => [k, this.residents ? (sums.get(k) ?? 0) / this.residents : 0]));
    return { residents: this.residents, precision: average(this.precisionSums), recall: average(this.recallSums) };
  }
}

/** Relative margin of a over b (0.25 = 25% better); Infinity when b is 0 and a is not. */
export function relativeMargin(a: number, b: number): number {
  if (b === 0) return a === 0 ? 0 : Number.POSITIVE_INFINITY;
  return a / b - 1;
}
