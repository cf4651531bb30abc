import { DAY_MS } from '@o2o/shared/rules/china-time';
import { promotionInputSchema } from '@o2o/shared/schemas/campaigns';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StaffModel } from '../staff/staff.model';
import { StoreModel } from '../organisation/organisation.model';
import { PromotionModel } from './campaigns.model';
import type { PromotionService } from './promotions.service';

/**
 * One running promotion per demo store, so 今日特惠 has something on the day the demo starts; one
 * holds out half of its audience, so the workbench shows a hold-out comparison.
 */
const DEMO_PROMOTIONS: { store: string; name: string; productId: string; holdoutShare?: number }[] = [
  { store: '徐家汇', name: '周末水果节 · 阳光玫瑰', productId: 'SKU-FRU-004' },
  { store: '徐家汇', name: '早餐奶特惠', productId: 'SKU-DAI-001', holdoutShare: 0.5 },
  { store: '田林', name: '夏日西瓜节', productId: 'SKU-FRU-005' },
  { store: '龙华', name: '当季砂糖橘', productId: 'SKU-FRU-003' },
];

/**
 * Demo promotions, created by each store's manager through the promotion service (so each has its
 * audience snapshot), running from yesterday for two weeks. Does nothing if any promotion exists.
 */
export async function seedDemoPromotions(promotions: PromotionService, now = new Date()): Promise<{ created: number }> {
  if (await PromotionModel.exists({})) return { created: 0 };
  let created = 0;
  for (const spec of DEMO_PROMOTIONS) {
    const store = await StoreModel.findOne({ name: new RegExp(spec.store) }, { _id: 1 }).lean();
    const manager = store ? await StaffModel.findOne({ storeId: store._id, role: 'store_manager', active: true }).lean() : null;
    if (!store || !manager) continue;
    const principal: StaffPrincipal = { id: manager._id, name: manager.name, role: manager.role, storeId: store._id, cityId: manager.cityId ?? null };
    const input = promotionInputSchema.parse({
      name: spec.name,
      productId: spec.productId,
      storeId: String(store._id),
      audience: { productAudience: { limit: 200 } },
      startAt: new Date(now.getTime() - DAY_MS).toISOString(),
      endAt: new Date(now.getTime() + 14 * DAY_MS).toISOString(),
      ...(spec.holdoutShare ? { holdoutShare: spec.holdoutShare } : {}),
    });
    await promotions.create(principal, input, now);
    created += 1;
  }
  return { created };
}
