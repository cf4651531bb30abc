import type { Connection, Types } from 'mongoose';
import { matchProducts } from '@o2o/shared/rules/product-match';

/** Product tags that mark an offer: the bot's 今日特惠 and the store page's 特价商品. */
export const OFFER_TAGS = ['特价', '特惠', '今日特惠', '促销', '限时', '秒杀'];

/**
 * Reads the product catalogue and orders for the bot's answers. Those components may be absent or
 * still empty in a deployment, so this reads their collections defensively and degrades to
 * "not available" rather than failing an answer.
 */
export interface CatalogueProduct {
  id: string;
  name: string;
  priceCents: number;
  category: string;
  subcategory: string;
  inStock: boolean | null;
  path: string;
}

/** The mini-program page listing a product: the store's products, opened on its category. */
export function productPath(category: string): string {
  return `/pages/offers/index?category=${encodeURIComponent(category)}`;
}

export interface LatestOrder {
  id: string;
  state: string;
  placedAt: Date;
  totalCents: number;
  storeId: Types.ObjectId | null;
}

function asProduct(raw: Record<string, unknown>): CatalogueProduct | null {
  if (typeof raw.name !== 'string') return null;
  const category = typeof raw.category === 'string' ? raw.category : '';
  return {
    id: String(raw._id ?? ''),
    name: raw.name,
    priceCents: typeof raw.priceCents === 'number' ? Math.round(raw.priceCents) : 0,
    category,
    subcategory: typeof raw.subcategory === 'string' ? raw.subcategory : '',
    inStock: typeof raw.stock === 'number' ? raw.stock > 0 : null,
    path: productPath(category),
  };
}

export class CatalogueReader {
  constructor(private readonly connection: Connection) {}

  private async storeProducts(storeId: Types.ObjectId): Promise<Record<string, unknown>[]> {
    try {
      return await this.connection
        .collection('products')
        .find({ storeIds: storeId, active: { $ne: false } }, { projection: { name: 1, priceCents: 1, category: 1, subcategory: 1, tags: 1, stock: 1 } })
        .limit(5000)
        .toArray();
    } catch {
      return [];
    }
  }

  /** Products of the store tagged as on offer. */
  async offers(storeId: Types.ObjectId, limit = 8): Promise<CatalogueProduct[]> {
    const products = await this.storeProducts(storeId);
    return products
      .filter((product) => Array.isArray(product.tags) && product.tags.some((tag) => OFFER_TAGS.includes(String(tag))))
      .flatMap((product) => asProduct(product) ?? [])
      .slice(0, limit);
  }

  /** Products of the store the words ask about: by name, its endings, subcategory and synonyms (see product-match). */
  async search(storeId: Types.ObjectId, keyword: string, limit = 5): Promise<{ catalogueAvailable: boolean; products: CatalogueProduct[] }> {
    const products = (await this.storeProducts(storeId)).flatMap((product) => asProduct(product) ?? []);
    return { catalogueAvailable: products.length > 0, products: matchProducts(keyword, products, limit) };
  }

  /** The resident's most recently placed order, or null; `available` is false when orders cannot be read. */
  async latestOrder(residentId: Types.ObjectId): Promise<{ available: boolean; order: LatestOrder | null }> {
    try {
      const [raw] = await this.connection.collection('orders').find({ residentId }).sort({ placedAt: -1 }).limit(1).toArray();
      if (!raw) return { available: true, order: null };
      return {
        available: true,
        order: {
          id: String(raw._id),
          state: String(raw.state ?? 'unknown'),
          placedAt: raw.placedAt instanceof Date ? raw.placedAt : new Date(String(raw.placedAt)),
          totalCents: typeof raw.totalCents === 'number' ? raw.totalCents : 0,
          storeId: (raw.storeId as Types.ObjectId | undefined) ?? null,
        },
      };
    } catch {
      return { available: false, order: null };
    }
  }
}
