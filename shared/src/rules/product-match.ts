import { foldWidth, stripMentions } from './text-normalize';

/**
 * Matching what residents call a product ("大米", "青菜", "番茄") to what the catalogue calls it
 * ("五常大米 5kg", "上海青 500g", "西红柿 500g"), and prices per the unit they ask about
 * ("几块钱一斤"). Pure, so the server's search and the bot's evaluation use the same rule.
 */

/** Colloquial or regional words residents use, and the catalogue words they mean. */
export const PRODUCT_SYNONYMS: Record<string, string[]> = {
  青菜: ['上海青', '小青菜', '青菜', '菠菜', '小白菜'],
  小青菜: ['上海青'],
  油菜: ['上海青'],
  番茄: ['西红柿'],
  洋柿子: ['西红柿'],
  马铃薯: ['土豆'],
  洋芋: ['土豆'],
  白菜: ['大白菜'],
  红萝卜: ['胡萝卜'],
  橘子: ['砂糖橘'],
  桔子: ['砂糖橘'],
  橙子: ['砂糖橘'],
  米: ['大米'],
  大米: ['大米'],
  面条: ['挂面'],
  面: ['挂面', '面粉'],
  白面: ['面粉'],
  油: ['食用油', '调和油', '花生油'],
  酱油: ['生抽'],
  奶: ['牛奶'],
  鲜奶: ['鲜牛奶'],
  纸巾: ['抽纸'],
  卫生纸: ['抽纸'],
  餐巾纸: ['抽纸'],
  纸: ['抽纸'],
  电饭锅: ['电饭煲'],
  热水壶: ['电热水壶'],
  烧水壶: ['电热水壶'],
  水壶: ['电热水壶'],
  牙刷: ['电动牙刷'],
  空气净化: ['空气净化器'],
  葡萄: ['葡萄'],
  提子: ['葡萄'],
  蛋: ['鸡蛋'],
  洗衣粉: ['洗衣液'],
  洗碗液: ['洗洁精'],
  // Words residents type in English.
  milk: ['牛奶'],
  rice: ['大米'],
  egg: ['鸡蛋'],
  apple: ['苹果'],
  banana: ['香蕉'],
  yogurt: ['酸奶'],
};

export interface MatchableProduct {
  name: string;
  category: string;
  subcategory?: string;
}

/** The name before its specification: "五常大米 5kg" -> "五常大米", "蒙牛纯牛奶 250ml×12" -> "蒙牛纯牛奶". */
export function coreName(name: string): string {
  return foldWidth(name).replace(/\s*[\d.]+.*$/u, '').replace(/\s+/g, '').trim() || foldWidth(name).replace(/\s+/g, '');
}

/**
 * Words that name the product: its core name and every ending of it of two or more characters
 * ("五常大米" -> 五常大米, 常大米, 大米), its subcategory; each with a weight (longer is more specific).
 */
export function productTerms(product: MatchableProduct): Map<string, number> {
  const terms = new Map<string, number>();
  const core = [...coreName(product.name)];
  for (let start = 0; start + 2 <= core.length; start += 1) terms.set(core.slice(start).join(''), core.length - start);
  if (core.length === 1) terms.set(core[0], 1);
  const subcategory = foldWidth(product.subcategory ?? '').trim();
  if (subcategory.length >= 2 && !terms.has(subcategory)) terms.set(subcategory, 1.5);
  return terms;
}

/** What a resident's words stand for: the words themselves and their catalogue synonyms. */
export function expandQuery(text: string): string[] {
  const body = foldWidth(stripMentions(text)).replace(/[^\p{L}\p{N}]/gu, '');
  const words = new Set<string>([body]);
  for (const [word, meanings] of Object.entries(PRODUCT_SYNONYMS)) {
    // A one-character word ("米", "油") only stands for itself when it is the whole phrase: "油条" is not oil.
    const said = [...word].length === 1 ? body === word : body.includes(word);
    if (said) for (const meaning of meanings) words.add(meaning);
  }
  return [...words];
}

/**
 * Products the text asks about, best first: a product matches when one of its terms occurs in the
 * text (or in a synonym of a word in it); the longest matching term wins, and only products at the
 * best score are returned (so "五常大米" does not also return every product in 粮油).
 */
export function matchProducts<P extends MatchableProduct>(text: string, products: readonly P[], limit = 5): P[] {
  const queries = expandQuery(text);
  const scored: { product: P; score: number }[] = [];
  for (const product of products) {
    let best = 0;
    for (const [term, weight] of productTerms(product)) {
      if (weight > best && queries.some((query) => query.includes(term))) best = weight;
    }
    // The start of a name ("红富士" for "红富士苹果"): as specific as what was said.
    const core = coreName(product.name);
    for (const query of queries) if ([...query].length >= 2 && [...query].length > best && core.includes(query)) best = [...query].length;
    if (best === 0 && product.category && queries.some((query) => query.includes(product.category))) best = 0.5;
    if (best > 0) scored.push({ product, score: best });
  }
  const top = Math.max(0, ...scored.map((entry) => entry.score));
  return scored
    .filter((entry) => entry.score === top)
    .slice(0, limit)
    .map((entry) => entry.product);
}

export type PriceUnit = '斤' | '公斤' | '两' | '升';
const GRAMS: Record<PriceUnit, number> = { 斤: 500, 公斤: 1000, 两: 50, 升: 1000 };

/** The unit a price question asks about: 一斤, 每斤, 一公斤, 一kg… or null. */
export function askedUnit(text: string): PriceUnit | null {
  const body = foldWidth(text);
  if (/(公斤|千克|kg)/.test(body)) return '公斤';
  if (/斤/.test(body)) return '斤';
  if (/(一两|每两|1两)/.test(body)) return '两';
  if (/(一升|每升|1升)/.test(body)) return '升';
  return null;
}

/** Grams (or millilitres) in one package from the name's specification, when it says: "500g", "1.5kg", "5L". */
export function packageAmount(name: string): { amount: number; liquid: boolean } | null {
  const match = /([\d.]+)\s*(kg|g|ml|l|斤|公斤)(?![a-z])/i.exec(foldWidth(name));
  if (!match) return null;
  const value = Number(match[1]);
  if (!Number.isFinite(value) || value <= 0) return null;
  const unit = match[2].toLowerCase();
  if (/[×x*]\s*\d/.test(name)) return null; // multipacks: a per-weight price would mislead
  const amount = unit === 'kg' || unit === '公斤' ? value * 1000 : unit === '斤' ? value * 500 : unit === 'l' ? value * 1000 : value;
  return { amount, liquid: unit === 'ml' || unit === 'l' };
}

/** Price in cents per asked unit, or null when the package size is unknown or the units do not fit. */
export function pricePerUnit(name: string, priceCents: number, unit: PriceUnit): number | null {
  const pack = packageAmount(name);
  if (!pack || pack.liquid !== (unit === '升')) return null;
  return Math.round((priceCents * GRAMS[unit]) / pack.amount);
}
