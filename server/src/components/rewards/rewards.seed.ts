import { CHINA_OFFSET_MS } from '@o2o/shared/rules/china-time';
import { StoreModel } from '../organisation/organisation.model';
import { RewardModel } from './rewards.model';

/**
 * Demo rewards for the seeded stores: two city-wide coupons and a few store ones. Does nothing if
 * any reward exists (or there is no store yet), so it can run on every start after seedDemoData().
 */
export async function seedDemoRewards(now = new Date()): Promise<{ created: number }> {
  if (await RewardModel.exists({})) return { created: 0 };
  const stores = await StoreModel.find({}, { name: 1, cityId: 1 }).sort({ _id: 1 }).lean();
  if (stores.length === 0) return { created: 0 };
  const cityId = stores[0].cityId;
  const cityStores = stores.filter((store) => store.cityId.equals(cityId));
  const named = (part: string) => cityStores.find((store) => store.name.includes(part)) ?? cityStores[0];
  const [xujiahui, tianlin, longhua] = [named('徐家汇'), named('田林'), named('龙华')];
  const city = { cityId, scopeKind: 'city', storeIds: [] };
  const atStores = (...list: typeof stores) => ({ cityId, scopeKind: 'stores', storeIds: [...new Set(list.map((store) => String(store._id)))] });
  const days = (count: number) => ({ kind: 'days_after_redemption', days: count, endsAt: null });
  // Midnight (China time) on the first day of the month three months from now.
  const seasonEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1) - CHINA_OFFSET_MS);

  const rewards = [
    { ...city, name: '满39减5券', description: '全场订单满 39 元立减 5 元，到店或配送均可使用', kind: 'discount', pointsCost: 50, stock: 500, perResidentLimit: 2, validity: days(7), displayOrder: 10 },
    { ...city, name: '免配送费券', description: '一次配送订单免配送费', kind: 'service', pointsCost: 30, stock: 1000, perResidentLimit: 3, validity: days(14), displayOrder: 20 },
    { ...atStores(xujiahui, tianlin), name: '鸡蛋一盒兑换券', description: '到店兑换新鲜鸡蛋一盒（10 枚）', kind: 'product', pointsCost: 200, stock: 50, perResidentLimit: 1, validity: days(7), displayOrder: 30 },
    { ...atStores(longhua), name: '现磨豆浆一杯', description: '龙华店早餐档口现磨豆浆一杯（中杯）', kind: 'product', pointsCost: 20, stock: 200, perResidentLimit: 5, validity: { kind: 'until', days: null, endsAt: seasonEnd }, displayOrder: 40 },
    { ...atStores(xujiahui), name: '到店免费磨刀', description: '徐家汇店服务台免费磨刀一次', kind: 'service', pointsCost: 10, stock: 100, perResidentLimit: 2, validity: days(30), displayOrder: 50 },
  ];
  await RewardModel.insertMany(rewards.map((reward) => ({ ...reward, active: true })));
  return { created: rewards.length };
}
