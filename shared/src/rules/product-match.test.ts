import { askedUnit, coreName, matchProducts, pricePerUnit } from './product-match';

const catalogue = [
  { name: '五常大米 5kg', category: '粮油', subcategory: '大米' },
  { name: '上海青 500g', category: '蔬菜', subcategory: '叶菜' },
  { name: '菠菜 400g', category: '蔬菜', subcategory: '叶菜' },
  { name: '麒麟西瓜 1 个', category: '水果', subcategory: '瓜类' },
  { name: '西红柿 500g', category: '蔬菜', subcategory: '茄果' },
  { name: '金龙鱼调和油 5L', category: '粮油', subcategory: '食用油' },
  { name: '光明鲜牛奶 950ml', category: '乳品', subcategory: '鲜奶' },
  { name: '蒙牛纯牛奶 250ml×12', category: '乳品', subcategory: '常温奶' },
];
const names = (text: string) => matchProducts(text, catalogue).map((product) => product.name);

describe('matching what residents say to the catalogue', () => {
  it('finds a product by the end of its name, by a synonym and by the start of its name', () => {
    expect(names('大米')).toEqual(['五常大米 5kg']);
    expect(names('西瓜')).toEqual(['麒麟西瓜 1 个']);
    expect(names('青菜')).toEqual(['上海青 500g']);
    expect(names('番茄')).toEqual(['西红柿 500g']);
    expect(names('牛奶')).toEqual(['光明鲜牛奶 950ml', '蒙牛纯牛奶 250ml×12']);
    expect(names('麒麟')).toEqual(['麒麟西瓜 1 个']);
  });

  it('does not read a one-character synonym into a longer word (油条 is not oil), and finds nothing for what is not sold', () => {
    expect(names('油')).toEqual(['金龙鱼调和油 5L']);
    expect(names('油条')).toEqual([]);
    expect(names('榴莲')).toEqual([]);
  });

  it('prices per the unit asked about from the package size, never for multipacks', () => {
    expect(coreName('蒙牛纯牛奶 250ml×12')).toBe('蒙牛纯牛奶');
    expect(askedUnit('青菜几块钱一斤')).toBe('斤');
    expect(askedUnit('多少钱一公斤')).toBe('公斤');
    expect(pricePerUnit('上海青 500g', 350, '斤')).toBe(350);
    expect(pricePerUnit('土豆 1kg', 590, '斤')).toBe(295);
    expect(pricePerUnit('五常大米 5kg', 6990, '公斤')).toBe(1398);
    expect(pricePerUnit('蒙牛纯牛奶 250ml×12', 4500, '升')).toBeNull();
    expect(pricePerUnit('麒麟西瓜 1 个', 3200, '斤')).toBeNull();
  });
});
