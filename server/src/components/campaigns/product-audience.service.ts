import type { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import { ResidentInterestModel } from '../interest/interest.model';
import { ProductModel } from '../products/products.model';
import { residentsInScope, type ResidentScope, type ScopedResident } from './campaign-scope';

export interface RankedResident extends ScopedResident {
  score: number;
  rank: number;
}

interface Scored {
  residentId: Types.ObjectId;
  score: number;
}

/** Candidates are checked against scope and store this many at a time, best first, until enough are found. */
const SCOPE_BATCH = 200;

/**
 * "Who is most likely to want this product": residents ranked by their interest-prediction score
 * for it. The label lives in `resident_interests` (one document per resident, top products
 * first), so this streams that collection once and keeps only the residents who scored the product.
 */
export class ProductAudienceService {
  async product(productId: string): Promise<{ _id: string; name: string }> {
    const product = await ProductModel.findById(productId, { name: 1 }).lean<{ _id: string; name: string }>();
    if (!product) throw AppError.notFound('商品');
    return product;
  }

  /** The best `limit` residents in scope (and of `storeId`, if given), and how many scored the product at all. */
  async rank(productId: string, scope: ResidentScope, options: { limit: number; storeId?: Types.ObjectId | null }): Promise<{ scored: number; residents: RankedResident[] }> {
    const scored = await this.scoresFor(productId);
    scored.sort((a, b) => b.score - a.score || String(a.residentId).localeCompare(String(b.residentId)));
    const residents: RankedResident[] = [];
    for (let start = 0; start < scored.length && residents.length < options.limit; start += SCOPE_BATCH) {
      const batch = scored.slice(start, start + SCOPE_BATCH);
      const scores = new Map(batch.map((entry) => [String(entry.residentId), entry.score]));
      const inScope = await residentsInScope(batch.map((entry) => entry.residentId), scope, { storeId: options.storeId });
      for (const resident of inScope) {
        if (residents.length >= options.limit) break;
        residents.push({ ...resident, score: scores.get(String(resident._id))!, rank: residents.length + 1 });
      }
    }
    return { scored: scored.length, residents };
  }

  /** One pass over the label collection; memory holds only the residents who scored this product. */
  private async scoresFor(productId: string): Promise<Scored[]> {
    const scored: Scored[] = [];
    const cursor = ResidentInterestModel.collection.find({}, { projection: { products: 1 }, batchSize: 1000 });
    for await (const document of cursor) {
      const entry = (document.products as { productId: string; score: number }[] | undefined)?.find((product) => product.productId === productId);
      if (entry && entry.score > 0) scored.push({ residentId: document._id as unknown as Types.ObjectId, score: entry.score });
    }
    return scored;
  }
}
