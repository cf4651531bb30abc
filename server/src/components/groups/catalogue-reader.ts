import type { Connection, Types } from 'mongoose';

/** Product tags that mark an offer: the bot's 今日特惠 and the store page's 特价商品. */
export const OFFER_TAGS = ['特价', '特惠', '今日特惠', '促销', '限时', '秒杀'];

/**
 * Reads the product catalogue and orders for the bot's answers. Those components may be absent or
 * still empty in a deployment, so this reads their collections defensively and degrades to
 * "not available" rather than failing an answer.
 */
export interface CatalogueProduct {
  name: string;
  priceCents: number;
  category: string;
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
  return { name: raw.name, priceCents: typeof raw.priceCents === 'number' ? Math.round(raw.priceCents) : 0, category: typeof raw.category === 'string' ? raw.category : '' };
}

export class CatalogueReader {
  constructor(private readonly connection: Connection) {}

  private async storeProducts(storeId: Types.ObjectId): Promise<Record<string, unknown>[]> {
    try {
      return await this.connection
        .collection('products')
        .find({ storeIds: storeId, active: { $ne: false } }, { projection: { name: 1, priceCents: 1, category: 1, tags: 1 } })
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

  /** Products of the store whose name contains the keyword (or is contained in it). */
  async search(storeId: Types.ObjectId, keyword: string, limit = 5): Promise<{ catalogueAvailable: boolean; products: CatalogueProduct[] }> {
    const products = await this.storeProducts(storeId);
    const wanted = keyword.trim().toLowerCase();
    const matches = products
      .flatMap((product) => asProduct(product) ?? [])
      .filter((product) => {
        const name = product.name.toLowerCase();
        return name.includes(wanted) || (name.length >= 2 && wanted.includes(name)) || product.category === keyword;
      })
      .slice(0, limit);
    return { catalogueAvailable: products.length > 0, products: matches };
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
