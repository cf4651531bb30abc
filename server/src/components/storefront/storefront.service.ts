import type { Types } from 'mongoose';
import { chinaDateKey, DAY_MS } from '@o2o/shared/rules/china-time';
import type { StoreOffers } from '@o2o/shared/schemas/storefront';
import { PromotionModel, type PromotionRecord } from '../campaigns/campaigns.model';
import { OFFER_TAGS } from '../groups/catalogue-reader';
import { GroupOfferModel } from '../groups/groups.model';
import { getStore } from '../organisation/organisation.service';
import { listProducts } from '../products/products.service';

const CATALOGUE_LIMIT = 200;

/** 还剩 N 天 / 今天结束, counted in whole China-time days. */
export function endsText(endAt: Date, now: Date): string {
  const days = Math.round((Date.parse(`${chinaDateKey(endAt)}T00:00:00Z`) - Date.parse(`${chinaDateKey(now)}T00:00:00Z`)) / DAY_MS);
  return days <= 0 ? '今天结束' : `还剩 ${days} 天`;
}

/**
 * What a resident sees on the store page and 今日特惠: the store's product promotions running now
 * (its own and its city's), the offers its staff posted in the group today, and the catalogue with
 * its prices. Public: it is what a shop window shows.
 */
export class StorefrontService {
  async offers(storeId: Types.ObjectId, now = new Date()): Promise<StoreOffers> {
    const store = await getStore(storeId);
    const day = chinaDateKey(now);
    const [catalogue, promotions, notes] = await Promise.all([
      listProducts({ storeId: String(store._id), limit: CATALOGUE_LIMIT, offset: 0 }),
      PromotionModel.find({ $or: [{ storeId: store._id }, { storeId: null, cityId: store.cityId }, { storeId: null, cityId: null }], startAt: { $lte: now }, endAt: { $gt: now } }).lean<PromotionRecord[]>(),
      GroupOfferModel.find({ storeId: store._id, day }).lean(),
    ]);
    const products = catalogue.map((product) => ({ id: product.id, name: product.name, category: product.category, priceCents: product.priceCents, tags: product.tags }));
    const byId = new Map(products.map((product) => [product.id, product]));
    return {
      storeId: String(store._id),
      day,
      promotions: promotions
        .filter((promotion) => byId.has(promotion.productId))
        .sort((a, b) => a.endAt.getTime() - b.endAt.getTime())
        .map((promotion) => ({
          id: String(promotion._id),
          name: promotion.name,
          product: byId.get(promotion.productId)!,
          endsAt: promotion.endAt.toISOString(),
          endsText: endsText(promotion.endAt, now),
        })),
      specials: products.filter((product) => product.tags.some((tag) => OFFER_TAGS.includes(tag))),
      notes: notes.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((note) => ({ text: note.text, postedAt: note.createdAt.toISOString() })),
      products,
      categories: [...new Set(products.map((product) => product.category))],
    };
  }
}
