import type { RepeatNature } from '../schemas/products';

/**
 * The interest-prediction label (brief point 8): for each resident, the products and categories
 * they are likely to want next, from their own purchase history with time decay, product-to-product
 * similarity learned from co-purchases across residents, and each product's repeat nature.
 *
 * Everything here is pure and works on small integer product indexes and typed arrays, so the
 * server can score 100k residents in one process with bounded memory.
 */

export const DAY_MS = 24 * 3600_000;

export interface InterestParameters {
  /** A purchase this many days old counts half as much as one made today. */
  halfLifeDays: number;
  /** Neighbours kept per product (bounds the similarity table at products × this). */
  neighboursPerProduct: number;
  /** Two products need at least this many residents who bought both to be neighbours. */
  minCoCount: number;
  /** Shrinks similarities resting on few co-purchases: × co / (co + shrinkage). */
  shrinkage: number;
  /** At most this many of one resident's products (the heaviest) enter co-purchase counting; bounds the pair cost of heavy buyers. */
  maxProductsPerResident: number;
  /** Products stored per resident. */
  topProducts: number;
  /** Categories stored per resident. */
  topCategories: number;
  /** A durable product bought within this many days is a need already met: never recommended. */
  durableSuppressionDays: number;
  /** Other durables of the same subcategory as one bought within the window are multiplied by this. */
  durableSubcategoryDamping: number;
  /** Weight of a product's own decayed purchases (daily goods, and periodic goods times how due they are). */
  repeatWeight: number;
  /** Weight of taste fit: the purchase-weighted average similarity of a product to what the resident bought. */
  similarityWeight: number;
  /** The repurchase interval assumed for a periodic product bought only once. */
  periodicIntervalDays: number;
  /** The label looks this many days ahead: a periodic product that falls due within them is wanted. */
  horizonDays: number;
  /** A small prior for the most-bought products, so a resident with a thin history still gets a full list. */
  popularityWeight: number;
}

export const DEFAULT_INTEREST_PARAMETERS: Readonly<InterestParameters> = Object.freeze({
  halfLifeDays: 30,
  neighboursPerProduct: 30,
  minCoCount: 2,
  shrinkage: 5,
  maxProductsPerResident: 100,
  topProducts: 20,
  topCategories: 5,
  durableSuppressionDays: 365,
  durableSubcategoryDamping: 0.25,
  repeatWeight: 1,
  similarityWeight: 1,
  periodicIntervalDays: 30,
  horizonDays: 14,
  popularityWeight: 0.01,
});

/** What the model needs to know of a product. */
export interface ProductFacts {
  id: string;
  category: string;
  subcategory: string;
  repeatNature: RepeatNature;
  /** Inactive products feed history and similarity but are never recommended. */
  active: boolean;
}

/** One resident's purchases of one product, summarised at build time `now`. */
export interface PurchaseSummary {
  /** Product index. */
  product: number;
  /** Σ decayWeight over the purchases (one per order line). */
  weight: number;
  count: number;
  firstAt: number;
  lastAt: number;
}

/** Time decay: a purchase `halfLifeDays` old weighs 0.5, twice that 0.25. Future purchases weigh 1. */
export function decayWeight(ageDays: number, halfLifeDays: number): number {
  return 0.5 ** (Math.max(0, ageDays) / halfLifeDays);
}

/**
 * Groups one resident's purchases (product index, epoch ms) by product, with decayed weights at
 * `now`. Purchases after `now` are ignored. Sorted by product index.
 */
export function summarisePurchases(purchases: readonly { product: number; at: number }[], now: number, halfLifeDays: number): PurchaseSummary[] {
  const byProduct = new Map<number, PurchaseSummary>();
  for (const { product, at } of purchases) {
    if (at > now) continue;
    const weight = decayWeight((now - at) / DAY_MS, halfLifeDays);
    const known = byProduct.get(product);
    if (!known) {
      byProduct.set(product, { product, weight, count: 1, firstAt: at, lastAt: at });
      continue;
    }
    known.weight += weight;
    known.count += 1;
    known.firstAt = Math.min(known.firstAt, at);
    known.lastAt = Math.max(known.lastAt, at);
  }
  return [...byProduct.values()].sort((a, b) => a.product - b.product);
}

/** Shrunk cosine over the resident × product incidence: co / √(nᵢ·nⱼ) × co / (co + shrinkage). */
export function cosineSimilarity(coCount: number, buyersOfA: number, buyersOfB: number, shrinkage: number): number {
  if (coCount <= 0 || buyersOfA <= 0 || buyersOfB <= 0) return 0;
  return (coCount / Math.sqrt(buyersOfA * buyersOfB)) * (coCount / (coCount + shrinkage));
}

/** Compressed rows: row r holds `items[offsets[r] .. offsets[r+1])`. */
export interface CompressedRows {
  offsets: Int32Array;
  items: Int32Array;
}

/** Each product's best neighbours, best first: row p of `neighbours` with the same slice of `similarities`. */
export interface NeighbourTable {
  offsets: Int32Array;
  neighbours: Int32Array;
  similarities: Float32Array;
}

/** Transposes resident → products rows into product → residents rows. */
export function invertRows(rows: CompressedRows, productCount: number): CompressedRows {
  const counts = new Int32Array(productCount + 1);
  for (const product of rows.items) counts[product + 1] += 1;
  for (let p = 0; p < productCount; p += 1) counts[p + 1] += counts[p];
  const offsets = counts.slice();
  const items = new Int32Array(rows.items.length);
  const cursor = counts.slice(0, productCount);
  const residents = rows.offsets.length - 1;
  for (let r = 0; r < residents; r += 1) {
    for (let k = rows.offsets[r]; k < rows.offsets[r + 1]; k += 1) items[cursor[rows.items[k]]++] = r;
  }
  return { offsets, items };
}

/**
 * Item-item similarity from co-purchases. `residentProducts` holds each resident's DISTINCT
 * products. For one product at a time, co-counts with every other product are accumulated in one
 * dense scratch array over the residents who bought it, so memory stays O(purchases + products)
 * however many pairs exist; only the top `neighboursPerProduct` with `minCoCount` are kept.
 */
export function productNeighbours(residentProducts: CompressedRows, productCount: number, parameters: Pick<InterestParameters, 'neighboursPerProduct' | 'minCoCount' | 'shrinkage'>): NeighbourTable {
  const buyers = invertRows(residentProducts, productCount);
  const buyerCount = (p: number) => buyers.offsets[p + 1] - buyers.offsets[p];
  const coCounts = new Int32Array(productCount);
  const touched: number[] = [];
  const rows: { neighbours: number[]; similarities: number[] }[] = [];
  let total = 0;
  for (let a = 0; a < productCount; a += 1) {
    touched.length = 0;
    for (let k = buyers.offsets[a]; k < buyers.offsets[a + 1]; k += 1) {
      const r = buyers.items[k];
      for (let m = residentProducts.offsets[r]; m < residentProducts.offsets[r + 1]; m += 1) {
        const b = residentProducts.items[m];
        if (b === a) continue;
        if (coCounts[b] === 0) touched.push(b);
        coCounts[b] += 1;
      }
    }
    const scored: { b: number; similarity: number }[] = [];
    for (const b of touched) {
      if (coCounts[b] >= parameters.minCoCount) scored.push({ b, similarity: cosineSimilarity(coCounts[b], buyerCount(a), buyerCount(b), parameters.shrinkage) });
      coCounts[b] = 0;
    }
    scored.sort((x, y) => y.similarity - x.similarity || x.b - y.b);
    const kept = scored.slice(0, parameters.neighboursPerProduct);
    rows.push({ neighbours: kept.map((entry) => entry.b), similarities: kept.map((entry) => entry.similarity) });
    total += kept.length;
  }
  return packNeighbours(rows, total);
}

function packNeighbours(rows: { neighbours: number[]; similarities: number[] }[], total: number): NeighbourTable {
  const offsets = new Int32Array(rows.length + 1);
  const neighbours = new Int32Array(total);
  const similarities = new Float32Array(total);
  rows.forEach((row, p) => {
    offsets[p + 1] = offsets[p] + row.neighbours.length;
    neighbours.set(row.neighbours, offsets[p]);
    similarities.set(row.similarities, offsets[p]);
  });
  return { offsets, neighbours, similarities };
}

/**
 * How much a periodic product already bought is needed again, in [0, 1]: nothing in the first half
 * of its typical interval, rising to 1 when the interval is reached, then fading with the half-life
 * (a resident long overdue has probably moved on). The interval is the resident's own average gap,
 * or `defaultIntervalDays` after a single purchase.
 */
export function periodicNeed(summary: Pick<PurchaseSummary, 'count' | 'firstAt' | 'lastAt'>, now: number, defaultIntervalDays: number, halfLifeDays: number): number {
  const interval = summary.count > 1 ? Math.max(1, (summary.lastAt - summary.firstAt) / DAY_MS / (summary.count - 1)) : defaultIntervalDays;
  const elapsed = (now - summary.lastAt) / DAY_MS;
  const progress = elapsed / interval;
  if (progress < 0.5) return 0;
  if (progress <= 1) return (progress - 0.5) / 0.5;
  return decayWeight(elapsed - interval, halfLifeDays);
}

/** Popularity prior: buyers per product scaled to [0, 1], and the most bought products, best first. */
export interface Popularity {
  scaled: Float64Array;
  top: number[];
}

export function popularityOf(buyersPerProduct: ArrayLike<number>, topCount: number): Popularity {
  let max = 0;
  for (let p = 0; p < buyersPerProduct.length; p += 1) max = Math.max(max, buyersPerProduct[p]);
  const scaled = new Float64Array(buyersPerProduct.length);
  for (let p = 0; p < buyersPerProduct.length; p += 1) scaled[p] = max > 0 ? buyersPerProduct[p] / max : 0;
  const top = [...scaled.keys()].filter((p) => buyersPerProduct[p] > 0).sort((a, b) => scaled[b] - scaled[a] || a - b).slice(0, topCount);
  return { scaled, top };
}

export interface ScoredProduct {
  product: number;
  score: number;
}

export interface ScoredCategory {
  category: string;
  score: number;
}

export interface ResidentScores {
  products: ScoredProduct[];
  categories: ScoredCategory[];
}

/** Reusable dense buffers for scoring many residents one after another. */
export interface ScoringScratch {
  scores: Float64Array;
  seen: Uint8Array;
  touched: number[];
}

export function scoringScratch(productCount: number): ScoringScratch {
  return { scores: new Float64Array(productCount), seen: new Uint8Array(productCount), touched: [] };
}

export interface ScoringModel {
  products: readonly ProductFacts[];
  neighbours: NeighbourTable;
  popularity: Popularity;
  parameters: InterestParameters;
}

/**
 * Scores one resident at `now`:
 *   score(p) = Σⱼ w(j)·sim(j, p)  +  a repeat term for p itself  +  popularityWeight·pop(p)
 * where w(j) is the decayed weight of the resident's purchases of j. The repeat term: daily goods
 * add their own decayed history; a periodic product already bought is multiplied by how due it is;
 * a durable bought within `durableSuppressionDays` is dropped (the need is met) and other durables
 * of its subcategory are damped. Inactive products are dropped. Categories sum their products.
 */
export function scoreResident(history: readonly PurchaseSummary[], now: number, model: ScoringModel, scratch = scoringScratch(model.products.length)): ResidentScores {
  accumulateCandidates(history, model, scratch);
  applyRepeatNature(history, now, model, scratch);
  const ranked: ScoredProduct[] = [];
  for (const p of scratch.touched) {
    const score = scratch.scores[p];
    if (score > 0 && model.products[p].active) ranked.push({ product: p, score });
    scratch.scores[p] = 0;
    scratch.seen[p] = 0;
  }
  scratch.touched.length = 0;
  ranked.sort((a, b) => b.score - a.score || a.product - b.product);
  return {
    products: ranked.slice(0, model.parameters.topProducts),
    categories: aggregateCategories(ranked, model.products).slice(0, model.parameters.topCategories),
  };
}

function touch(scratch: ScoringScratch, p: number, add: number): void {
  if (!scratch.seen[p]) {
    scratch.seen[p] = 1;
    scratch.touched.push(p);
  }
  scratch.scores[p] += add;
}

function accumulateCandidates(history: readonly PurchaseSummary[], model: ScoringModel, scratch: ScoringScratch): void {
  const { offsets, neighbours, similarities } = model.neighbours;
  let totalWeight = 0;
  for (const { weight } of history) totalWeight += weight;
  const scale = totalWeight > 0 ? model.parameters.similarityWeight / totalWeight : 0;
  for (const { product, weight } of history) {
    touch(scratch, product, 0);
    for (let k = offsets[product]; k < offsets[product + 1]; k += 1) touch(scratch, neighbours[k], scale * weight * similarities[k]);
  }
  for (const p of model.popularity.top) touch(scratch, p, 0);
  for (const p of scratch.touched) scratch.scores[p] += model.parameters.popularityWeight * model.popularity.scaled[p];
}

/** What is left of a periodic product's score while it is not due yet: it may still be bought early. */
const PERIODIC_NOT_DUE = 0.25;

function applyRepeatNature(history: readonly PurchaseSummary[], now: number, model: ScoringModel, scratch: ScoringScratch): void {
  const { parameters, products } = model;
  const dampedSubcategories = new Set<string>();
  for (const summary of history) {
    const facts = products[summary.product];
    if (facts.repeatNature === 'daily') {
      scratch.scores[summary.product] += parameters.repeatWeight * summary.weight;
    } else if (facts.repeatNature === 'periodic') {
      const need = periodicNeed(summary, now + parameters.horizonDays * DAY_MS, parameters.periodicIntervalDays, parameters.halfLifeDays);
      scratch.scores[summary.product] = (PERIODIC_NOT_DUE + (1 - PERIODIC_NOT_DUE) * need) * (scratch.scores[summary.product] + parameters.repeatWeight * summary.weight);
    } else if (now - summary.lastAt < parameters.durableSuppressionDays * DAY_MS) {
      scratch.scores[summary.product] = -1;
      if (facts.subcategory) dampedSubcategories.add(`${facts.category}\u0000${facts.subcategory}`);
    }
  }
  if (dampedSubcategories.size === 0) return;
  for (const p of scratch.touched) {
    const facts = products[p];
    if (facts.repeatNature === 'durable' && scratch.scores[p] > 0 && dampedSubcategories.has(`${facts.category}\u0000${facts.subcategory}`)) {
      scratch.scores[p] *= parameters.durableSubcategoryDamping;
    }
  }
}

/** Category scores: the sum of the scores of its products, best first (ties by name). */
export function aggregateCategories(scored: readonly ScoredProduct[], products: readonly Pick<ProductFacts, 'category'>[]): ScoredCategory[] {
  const totals = new Map<string, number>();
  for (const { product, score } of scored) totals.set(products[product].category, (totals.get(products[product].category) ?? 0) + score);
  return [...totals].map(([category, score]) => ({ category, score })).sort((a, b) => b.score - a.score || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
}

/** Scores stored with 6 significant digits, so two rebuilds on the same data write identical documents. */
export function roundScore(score: number): number {
  return Number(score.toPrecision(6));
}
