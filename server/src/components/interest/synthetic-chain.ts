import type { RepeatNature } from '@o2o/shared/schemas/products';

/**
 * A deterministic synthetic chain with planted preferences, for the offline evaluation and the
 * benchmark. How residents shop:
 *
 * - The catalogue has daily (vegetables, milk...), periodic (rice, detergent...) and durable
 *   (appliances, cookware...) categories, each with subcategories.
 * - There are `clusters` latent tastes (a baking family, a baby family...), each a random set of
 *   products across categories. Each resident has 1 or 2 of them and a private affinity for each
 *   of their products (so two residents of one taste still differ).
 * - Each order line is a popular staple (eggs, milk: bought by everyone), random noise from the
 *   whole catalogue, or a product of the resident's tastes drawn by affinity. So residents re-buy
 *   their favourites (which the history baseline sees) and keep discovering products of their taste
 *   they never bought (which only co-purchases across residents can reveal).
 * - Durables are bought at most once; a periodic product is not bought again before most of its
 *   interval has passed; order counts per resident are skewed (a few heavy, many light buyers).
 *
 * Nothing in it reads the model's parameters; the planted structure is what any co-purchase
 * method could learn.
 */

export interface SyntheticOptions {
  residents: number;
  orders: number;
  /** Orders fall in [startAt, startAt + days). */
  days: number;
  startAt: number;
  seed: number;
  clusters: number;
  productsPerSubcategory: number;
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = {
  residents: 20_000,
  orders: 100_000,
  days: 120,
  startAt: Date.parse('2026-01-01T00:00:00+08:00'),
  seed: 8,
  clusters: 24,
  productsPerSubcategory: 6,
};

export interface SyntheticProduct {
  id: string;
  name: string;
  category: string;
  subcategory: string;
  repeatNature: RepeatNature;
  priceCents: number;
  /** Periodic products: days between purchases of a typical buyer. */
  intervalDays: number;
}

export interface SyntheticOrder {
  id: string;
  resident: number;
  at: number;
  lines: { productId: string; quantity: number; amountCents: number }[];
}

const CATEGORIES: { code: string; name: string; nature: RepeatNature; subcategories: string[] }[] = [
  { code: 'veg', name: '蔬菜', nature: 'daily', subcategories: ['叶菜', '根茎', '菌菇'] },
  { code: 'fruit', name: '水果', nature: 'daily', subcategories: ['时令', '进口', '果切'] },
  { code: 'dairy', name: '乳品', nature: 'daily', subcategories: ['鲜奶', '酸奶'] },
  { code: 'meat', name: '肉禽蛋', nature: 'daily', subcategories: ['猪肉', '禽类', '蛋'] },
  { code: 'bakery', name: '烘焙', nature: 'daily', subcategories: ['面包', '蛋糕'] },
  { code: 'grain', name: '粮油', nature: 'periodic', subcategories: ['大米', '食用油', '调味'] },
  { code: 'clean', name: '日用清洁', nature: 'periodic', subcategories: ['洗衣', '纸品'] },
  { code: 'care', name: '个护', nature: 'periodic', subcategories: ['洗护', '口腔'] },
  { code: 'baby', name: '母婴', nature: 'periodic', subcategories: ['奶粉', '纸尿裤'] },
  { code: 'drink', name: '酒水饮料', nature: 'periodic', subcategories: ['茶饮', '酒类'] },
  { code: 'appliance', name: '家电', nature: 'durable', subcategories: ['厨房电器', '生活电器'] },
  { code: 'kitchen', name: '厨具', nature: 'durable', subcategories: ['锅具', '刀具'] },
];

/** mulberry32: small, fast and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticCatalogue(options: Pick<SyntheticOptions, 'seed' | 'productsPerSubcategory'> = DEFAULT_SYNTHETIC_OPTIONS): SyntheticProduct[] {
  const random = seededRandom(options.seed * 7919 + 1);
  const products: SyntheticProduct[] = [];
  for (const category of CATEGORIES) {
    category.subcategories.forEach((subcategory, s) => {
      for (let n = 1; n <= options.productsPerSubcategory; n += 1) {
        products.push({
          id: `SYN-${category.code}-${s + 1}${String(n).padStart(2, '0')}`,
          name: `${subcategory}·${n}号`,
          category: category.name,
          subcategory,
          repeatNature: category.nature,
          priceCents: category.nature === 'durable' ? 9900 + Math.floor(random() * 40000) : 300 + Math.floor(random() * 6000),
          intervalDays: category.nature === 'periodic' ? 14 + Math.floor(random() * 31) : 0,
        });
      }
    });
  }
  return products;
}

interface Taste {
  products: number[];
}

/** Each taste: 7 daily, 3 periodic and 2 durable products, drawn across the catalogue. */
function plantTastes(products: SyntheticProduct[], count: number, random: () => number): Taste[] {
  const byNature = (nature: RepeatNature) => products.map((product, index) => ({ product, index })).filter((entry) => entry.product.repeatNature === nature).map((entry) => entry.index);
  const draw = (pool: number[], n: number) => {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(n, pool.length)) chosen.add(pool[Math.floor(random() * pool.length)]);
    return [...chosen];
  };
  const daily = byNature('daily');
  const periodic = byNature('periodic');
  const durable = byNature('durable');
  return Array.from({ length: count }, () => ({ products: [...draw(daily, 7), ...draw(periodic, 3), ...draw(durable, 2)] }));
}

interface Shopper {
  pool: number[];
  affinity: number[];
  affinityTotal: number;
  lastBought: Map<number, number>;
}

function makeShopper(tastes: Taste[], products: SyntheticProduct[], random: () => number): Shopper {
  const chosen = new Set<number>([Math.floor(random() * tastes.length)]);
  if (random() < 0.4) chosen.add(Math.floor(random() * tastes.length));
  const pool = [...new Set([...chosen].flatMap((taste) => tastes[taste].products))];
  const affinity = pool.map((p) => (products[p].repeatNature === 'durable' ? 0.15 : 1) * (0.2 + random()));
  return { pool, affinity, affinityTotal: affinity.reduce((sum, value) => sum + value, 0), lastBought: new Map() };
}

/** Whether the resident would buy product p at time `at`: durables once, periodic goods when most of their interval has passed. */
function wouldBuy(shopper: Shopper, product: SyntheticProduct, p: number, at: number): boolean {
  const last = shopper.lastBought.get(p);
  if (last === undefined) return true;
  if (product.repeatNature === 'durable') return false;
  if (product.repeatNature === 'periodic') return at - last >= 0.7 * product.intervalDays * 86_400_000;
  return true;
}

function pickByAffinity(shopper: Shopper, random: () => number): number {
  let target = random() * shopper.affinityTotal;
  for (let k = 0; k < shopper.pool.length; k += 1) {
    target -= shopper.affinity[k];
    if (target <= 0) return shopper.pool[k];
  }
  return shopper.pool[shopper.pool.length - 1];
}

/** Orders per resident: skewed activity (a few heavy buyers), summing exactly to `total`. */
function allocateOrders(residents: number, total: number, random: () => number): Int32Array {
  const activity = new Float64Array(residents);
  let sum = 0;
  for (let r = 0; r < residents; r += 1) {
    activity[r] = (-Math.log(1 - random() * 0.999)) ** 1.5;
    sum += activity[r];
  }
  const counts = new Int32Array(residents);
  let cumulative = 0;
  let assigned = 0;
  for (let r = 0; r < residents; r += 1) {
    cumulative += activity[r];
    const upTo = Math.round((cumulative / sum) * total);
    counts[r] = upTo - assigned;
    assigned = upTo;
  }
  return counts;
}

/** The orders, resident after resident (each resident's in time order); a generator, so 500k orders need little memory. */
export function* syntheticOrders(products: SyntheticProduct[], options: SyntheticOptions = DEFAULT_SYNTHETIC_OPTIONS): Generator<SyntheticOrder> {
  const random = seededRandom(options.seed);
  const tastes = plantTastes(products, options.clusters, random);
  const popular = products.map((_, index) => index).filter((p) => products[p].repeatNature === 'daily').slice(0, 40).filter(() => random() < 0.25);
  const counts = allocateOrders(options.residents, options.orders, random);
  let orderNumber = 0;
  for (let resident = 0; resident < options.residents; resident += 1) {
    const shopper = makeShopper(tastes, products, random);
    const times = Array.from({ length: counts[resident] }, () => options.startAt + Math.floor(random() * options.days * 86_400_000)).sort((a, b) => a - b);
    for (const at of times) {
      orderNumber += 1;
      yield { id: `SYN-O-${orderNumber}`, resident, at, lines: orderLines(shopper, products, popular, at, random) };
    }
  }
}

function orderLines(shopper: Shopper, products: SyntheticProduct[], popular: number[], at: number, random: () => number): SyntheticOrder['lines'] {
  const wanted = 1 + Math.floor(random() * 3) + Math.floor(random() * 3);
  const chosen = new Set<number>();
  for (let attempt = 0; attempt < wanted * 3 && chosen.size < wanted; attempt += 1) {
    const roll = random();
    const p = roll < 0.2 && popular.length > 0 ? popular[Math.floor(random() * popular.length)] : roll < 0.35 ? Math.floor(random() * products.length) : pickByAffinity(shopper, random);
    if (!chosen.has(p) && wouldBuy(shopper, products[p], p, at)) chosen.add(p);
  }
  return [...chosen].map((p) => {
    shopper.lastBought.set(p, at);
    const quantity = products[p].repeatNature === 'durable' ? 1 : 1 + Math.floor(random() * 3);
    return { productId: products[p].id, quantity, amountCents: quantity * products[p].priceCents };
  });
}
