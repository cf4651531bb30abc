import type { RepeatNature } from '@o2o/shared/schemas/products';
import { StoreModel } from '../organisation/organisation.model';
import { upsertProduct } from './products.service';

type StoreKey = 'xujiahui' | 'tianlin' | 'longhua';
const ALL: StoreKey[] = ['xujiahui', 'tianlin', 'longhua'];

interface DemoProduct {
  id: string;
  name: string;
  category: string;
  subcategory: string;
  yuan: number;
  nature: RepeatNature;
  tags?: string[];
  stores?: StoreKey[];
}

/** A neighbourhood grocery's range: fresh food re-bought daily, staples monthly, appliances rarely. */
export const DEMO_PRODUCTS: DemoProduct[] = [
  { id: 'SKU-VEG-001', name: '上海青 500g', category: '蔬菜', subcategory: '叶菜', yuan: 3.5, nature: 'daily', tags: ['本地', '当日达'] },
  { id: 'SKU-VEG-002', name: '西红柿 500g', category: '蔬菜', subcategory: '茄果', yuan: 5.8, nature: 'daily', tags: ['热销'] },
  { id: 'SKU-VEG-003', name: '黄瓜 500g', category: '蔬菜', subcategory: '茄果', yuan: 4.5, nature: 'daily' },
  { id: 'SKU-VEG-004', name: '土豆 1kg', category: '蔬菜', subcategory: '根茎', yuan: 5.9, nature: 'daily' },
  { id: 'SKU-VEG-005', name: '菠菜 400g', category: '蔬菜', subcategory: '叶菜', yuan: 6.0, nature: 'daily', tags: ['本地'] },
  { id: 'SKU-VEG-006', name: '胡萝卜 500g', category: '蔬菜', subcategory: '根茎', yuan: 3.2, nature: 'daily' },
  { id: 'SKU-VEG-007', name: '大白菜 1 棵', category: '蔬菜', subcategory: '叶菜', yuan: 6.8, nature: 'daily', tags: ['当季'] },
  { id: 'SKU-FRU-001', name: '红富士苹果 1kg', category: '水果', subcategory: '苹果梨', yuan: 12.8, nature: 'daily', tags: ['热销'] },
  { id: 'SKU-FRU-002', name: '香蕉 1kg', category: '水果', subcategory: '热带水果', yuan: 6.9, nature: 'daily' },
  { id: 'SKU-FRU-003', name: '砂糖橘 1.5kg', category: '水果', subcategory: '柑橘', yuan: 15.9, nature: 'daily', tags: ['当季'] },
  { id: 'SKU-FRU-004', name: '阳光玫瑰葡萄 500g', category: '水果', subcategory: '葡萄', yuan: 29.9, nature: 'periodic', tags: ['精品'], stores: ['xujiahui', 'longhua'] },
  { id: 'SKU-FRU-005', name: '麒麟西瓜 1 个', category: '水果', subcategory: '瓜类', yuan: 32.0, nature: 'periodic', tags: ['当季', '大件'], stores: ['tianlin', 'longhua'] },
  { id: 'SKU-DAI-001', name: '光明鲜牛奶 950ml', category: '乳品', subcategory: '鲜奶', yuan: 13.5, nature: 'daily', tags: ['冷藏', '热销'] },
  { id: 'SKU-DAI-002', name: '蒙牛纯牛奶 250ml×12', category: '乳品', subcategory: '常温奶', yuan: 45.0, nature: 'periodic', tags: ['整箱'] },
  { id: 'SKU-DAI-003', name: '安慕希原味酸奶 200g×10', category: '乳品', subcategory: '酸奶', yuan: 49.9, nature: 'periodic', tags: ['整箱'] },
  { id: 'SKU-DAI-004', name: '君乐宝简醇酸奶 100g×8', category: '乳品', subcategory: '酸奶', yuan: 19.9, nature: 'daily', tags: ['冷藏'] },
  { id: 'SKU-DAI-005', name: '光明奶酪棒 18 支', category: '乳品', subcategory: '奶酪', yuan: 39.9, nature: 'periodic', tags: ['儿童'] },
  { id: 'SKU-GRA-001', name: '五常大米 5kg', category: '粮油', subcategory: '大米', yuan: 69.9, nature: 'periodic', tags: ['热销'] },
  { id: 'SKU-GRA-002', name: '金龙鱼调和油 5L', category: '粮油', subcategory: '食用油', yuan: 65.9, nature: 'periodic' },
  { id: 'SKU-GRA-003', name: '海天生抽 500ml', category: '粮油', subcategory: '调味品', yuan: 9.9, nature: 'periodic' },
  { id: 'SKU-GRA-004', name: '鲁花花生油 5L', category: '粮油', subcategory: '食用油', yuan: 139.0, nature: 'periodic', tags: ['送礼'] },
  { id: 'SKU-GRA-005', name: '陈克明挂面 1kg', category: '粮油', subcategory: '面食', yuan: 8.5, nature: 'periodic' },
  { id: 'SKU-GRA-006', name: '中筋面粉 2.5kg', category: '粮油', subcategory: '面食', yuan: 16.8, nature: 'periodic' },
  { id: 'SKU-DLY-001', name: '维达抽纸 3 层 10 包', category: '日用', subcategory: '纸品', yuan: 29.9, nature: 'periodic', tags: ['热销'] },
  { id: 'SKU-DLY-002', name: '蓝月亮洗衣液 3kg', category: '日用', subcategory: '洗护', yuan: 49.9, nature: 'periodic' },
  { id: 'SKU-DLY-003', name: '高露洁牙膏 180g', category: '日用', subcategory: '口腔', yuan: 12.9, nature: 'periodic' },
  { id: 'SKU-DLY-004', name: '加厚垃圾袋 100 只', category: '日用', subcategory: '家清', yuan: 9.9, nature: 'periodic' },
  { id: 'SKU-DLY-005', name: '立白洗洁精 1.5kg', category: '日用', subcategory: '家清', yuan: 14.9, nature: 'periodic' },
  { id: 'SKU-APL-001', name: '美的电饭煲 4L', category: '家电', subcategory: '厨房电器', yuan: 299.0, nature: 'durable', stores: ['xujiahui', 'longhua'] },
  { id: 'SKU-APL-002', name: '苏泊尔电热水壶 1.7L', category: '家电', subcategory: '厨房电器', yuan: 129.0, nature: 'durable', stores: ['xujiahui', 'longhua'] },
  { id: 'SKU-APL-003', name: '九阳豆浆机', category: '家电', subcategory: '厨房电器', yuan: 399.0, nature: 'durable', tags: ['新品'], stores: ['xujiahui'] },
  { id: 'SKU-APL-004', name: '飞利浦电动牙刷', category: '家电', subcategory: '个护电器', yuan: 299.0, nature: 'durable', stores: ['xujiahui', 'tianlin'] },
  { id: 'SKU-APL-005', name: '小米空气净化器', category: '家电', subcategory: '生活电器', yuan: 899.0, nature: 'durable', stores: ['longhua'] },
];

const STORE_NAME_PART: Record<StoreKey, string> = { xujiahui: '徐家汇', tianlin: '田林', longhua: '龙华' };

/**
 * The demo catalogue for the seeded stores (matched by name; a store missing from the database is
 * left out). Upserted by product id, so running it again reports everything unchanged.
 */
export async function seedDemoCatalogue(): Promise<{ created: number; updated: number; unchanged: number }> {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const stores = await StoreModel.find({}, { name: 1 }).sort({ _id: 1 }).lean();
  if (stores.length === 0) return counts;
  const storeIds = (keys: StoreKey[]) =>
    keys.flatMap((key) => {
      const store = stores.find((candidate) => candidate.name.includes(STORE_NAME_PART[key]));
      return store ? [String(store._id)] : [];
    });
  for (const product of DEMO_PRODUCTS) {
    const { result } = await upsertProduct(product.id, {
      name: product.name,
      category: product.category,
      subcategory: product.subcategory,
      priceCents: Math.round(product.yuan * 100),
      tags: product.tags ?? [],
      storeIds: storeIds(product.stores ?? ALL),
      repeatNature: product.nature,
      active: true,
    });
    counts[result] += 1;
  }
  return counts;
}
