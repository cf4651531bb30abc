import type { Types } from 'mongoose';
import { addOrderToSales, rankSlowMoving, type ProductSales } from '@o2o/shared/rules/campaigns';
import type { SlowMoving } from '@o2o/shared/schemas/campaigns';
import type { StaffPrincipal } from '../auth/auth.guard';
import { OrderModel } from '../orders/orders.model';
import { ProductModel } from '../products/products.model';
import { storeForStaff } from './campaign-scope';

const DAY_MS = 24 * 3600_000;

interface OrderLines {
  completedAt: Date;
  lines: { productId: string; quantity: number; amountCents: number }[];
}

/**
 * A store's slow-moving products: its active products with the lowest sales velocity over a
 * window, against the median of the store's products. The window's completed orders are streamed
 * once; refunded and cancelled orders do not count.
 */
export class SlowMovingService {
  async list(staff: StaffPrincipal, query: { storeId?: Types.ObjectId; days: number; limit: number }, now = new Date()): Promise<SlowMoving> {
    const store = await storeForStaff(staff, query.storeId);
    const from = new Date(now.getTime() - query.days * DAY_MS);
    const products = await ProductModel.find({ storeIds: store._id, active: true }, { name: 1, category: 1 }).lean<{ _id: string; name: string; category: string }[]>();
    const sales = await this.salesInWindow(store._id, from, now, new Set(products.map((product) => product._id)));
    const ranking = rankSlowMoving(products.map((product) => product._id), sales, { days: query.days, end: now });
    const byId = new Map(products.map((product) => [product._id, product]));
    return {
      storeId: String(store._id),
      days: query.days,
      from: from.toISOString(),
      to: now.toISOString(),
      products: products.length,
      medianVelocity: ranking.medianVelocity,
      items: ranking.rows.slice(0, query.limit).map((row) => ({
        ...row,
        name: byId.get(row.productId)!.name,
        category: byId.get(row.productId)!.category,
        lastSoldAt: row.lastSoldAt?.toISOString() ?? null,
      })),
    };
  }

  private async salesInWindow(storeId: Types.ObjectId, from: Date, to: Date, tracked: ReadonlySet<string>): Promise<Map<string, ProductSales>> {
    const sales = new Map<string, ProductSales>();
    const cursor = OrderModel.collection.find(
      { storeId, state: 'completed', completedAt: { $gte: from, $lt: to } },
      { projection: { completedAt: 1, lines: 1 }, batchSize: 1000 },
    );
    for await (const order of cursor) addOrderToSales(sales, order as unknown as OrderLines, tracked);
    return sales;
  }
}
