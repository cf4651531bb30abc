import request from 'supertest';
import type { Product } from '@o2o/shared/schemas/products';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CityModel, StoreModel } from '../organisation/organisation.model';
import { ProductModel } from './products.model';
import { productsRouter } from './products.router';
import { DEMO_PRODUCTS, seedDemoCatalogue } from './products.seed';
import { importProductsCsv } from './products.service';

useTestDatabase();
jest.setTimeout(120_000);

const env = { RATE_LIMIT_MAX: '100000' };
const app = createTestApp({ env, routers: [productsRouter(testServices(env))] });

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let ops: Session;
let managerA: Session;
let storeA: string;
let storeB: string;
/** A store of another city, outside city ops' scope. */
let foreignStore: string;

beforeAll(async () => {
  await seedDemoData();
  [admin, ops, managerA] = await Promise.all([DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0]].map((code) => login(app, code)));
  storeA = managerA.staff!.storeId!;
  storeB = String((await StoreModel.findOne({ name: /田林/ }).lean())!._id);
  const hangzhou = await CityModel.create({ name: '杭州', code: 'hangzhou' });
  foreignStore = String(
    (await StoreModel.create({
      cityId: hangzhou._id, name: '邻里鲜生·西湖店', address: '杭州市西湖区', location: { lat: 30.25, lng: 120.15 },
      delivery: { radiusKm: 3, feeCents: 500 }, contactPhone: '0571-0000000',
    }))._id,
  );
});

const milk = () => ({
  name: '光明鲜牛奶 950ml', category: '乳品', subcategory: '鲜奶', priceCents: 1350, tags: ['冷藏'], storeIds: [storeA, storeB], repeatNature: 'daily',
});

function put(by: Session | null, productId: string, body: Record<string, unknown>) {
  const call = request(app).put(`/products/${productId}`);
  return (by ? call.set(bearer(by)) : call).send(body);
}

function importCsv(by: Session, text: string) {
  return request(app).post('/products/import').set(bearer(by)).set('content-type', 'text/csv').send(text);
}

describe('product upsert', () => {
  it('creates a product by its external id, then reports the same body unchanged and a new price updated', async () => {
    const created = await put(admin, 'T-MILK-1', milk());
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ result: 'created', product: { id: 'T-MILK-1', priceCents: 1350, active: true, storeIds: [storeA, storeB].sort() } });

    const again = await put(admin, 'T-MILK-1', { ...milk(), storeIds: [storeB, storeA, storeA] });
    expect(again.body.result).toBe('unchanged');
    expect(again.body.product.updatedAt).toBe(created.body.product.updatedAt);

    const repriced = await put(ops, 'T-MILK-1', { ...milk(), priceCents: 1290 });
    expect(repriced.body).toMatchObject({ result: 'updated', product: { priceCents: 1290 } });
    expect(await ProductModel.countDocuments({ _id: 'T-MILK-1' })).toBe(1);
    expect((await ProductModel.findById('T-MILK-1').lean())!.priceCents).toBe(1290);
  });

  it('when the same product is upserted ten times at once, then there is one product', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => put(admin, 'T-RACE-1', milk())));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((response) => response.body.result === 'created')).toHaveLength(1);
    expect(await ProductModel.countDocuments({ _id: 'T-RACE-1' })).toBe(1);
  });

  it('lets only city ops and admins edit the catalogue, city ops only with their own city\'s stores', async () => {
    expect((await put(null, 'T-AUTH-1', milk())).status).toBe(401);
    expect((await put(managerA, 'T-AUTH-1', milk())).status).toBe(403);
    const resident = await login(app, 'dev:catalogue-browser');
    expect((await put(resident, 'T-AUTH-1', milk())).status).toBe(403);

    expect((await put(ops, 'T-AUTH-1', { ...milk(), storeIds: [storeA, foreignStore] })).status).toBe(403);
    expect((await put(admin, 'T-AUTH-1', { ...milk(), storeIds: [storeA, foreignStore] })).body.result).toBe('created');
    // City ops changing the Shanghai stores keep the Hangzhou store they cannot see to.
    const narrowed = await put(ops, 'T-AUTH-1', { ...milk(), storeIds: [storeB] });
    expect(narrowed.body.product.storeIds.sort()).toEqual([storeB, foreignStore].sort());

    expect((await put(admin, 'T-AUTH-2', { ...milk(), storeIds: ['0123456789abcdef01234567'] })).status).toBe(404);
    expect((await put(admin, 'T-AUTH-2', { ...milk(), repeatNature: 'weekly' })).status).toBe(400);
    expect((await put(admin, 'bad id!', milk())).status).toBe(400);
  });
});

describe('the public catalogue', () => {
  it('lists active products of a store and a category to anyone, and one product by id', async () => {
    await put(admin, 'T-LIST-1', { ...milk(), name: '测试酸奶', storeIds: [storeB] });
    await put(admin, 'T-LIST-2', { ...milk(), name: '测试停售奶', storeIds: [storeB], active: false });
    await put(admin, 'T-LIST-3', { ...milk(), name: '测试大米', category: '粮油', storeIds: [storeB], repeatNature: 'periodic' });

    const dairyAtB = (await request(app).get(`/products?storeId=${storeB}&category=${encodeURIComponent('乳品')}`)).body as Product[];
    const names = dairyAtB.map((product) => product.name);
    expect(names).toContain('测试酸奶');
    expect(names).not.toContain('测试停售奶');
    expect(names).not.toContain('测试大米');
    expect(dairyAtB.every((product) => product.storeIds.includes(storeB) && product.category === '乳品')).toBe(true);

    expect((await request(app).get('/products/T-LIST-2')).body).toMatchObject({ id: 'T-LIST-2', active: false });
    expect((await request(app).get('/products/T-NOPE')).status).toBe(404);
    expect((await request(app).get('/products?storeId=nope')).status).toBe(400);
  });
});

describe('CSV import', () => {
  const header = 'product_id,name,category,subcategory,price_yuan,tags,store_ids,repeat_nature,active';

  it('imports the good rows, reports each bad row by its line, and a re-import reports the good rows unchanged', async () => {
    const csv = [
      header,
      `C-001,"西红柿 500g",蔬菜,茄果,5.8,热销;本地,${storeA};${storeB},daily,true`,
      `C-002,"海天生抽, 500ml",粮油,调味品,9.90,,${storeA},periodic,`,
      `C-003,"美的电饭煲 ""4L""",家电,厨房电器,299,新品,邻里鲜生·徐家汇店,durable,1`,
      `C-004,坏价格,蔬菜,叶菜,五块,,${storeA},daily,true`,
      `C-005,坏复购,蔬菜,叶菜,3,,${storeA},weekly,true`,
      `C-006,坏门店,蔬菜,叶菜,3,,0123456789abcdef01234567,daily,true`,
      `C-007,少一列,蔬菜,叶菜,3,,${storeA},daily`,
      `C-001,重复的编号,蔬菜,叶菜,3,,${storeA},daily,true`,
      `C-008,"两行的
名称",水果,,12.5,,${storeB},daily,否`,
      `C-009,,蔬菜,叶菜,3,,${storeA},daily,true`,
    ].join('\r\n');

    const report = await importProductsCsv(`\uFEFF${csv}\r\n`);
    expect(report).toMatchObject({ imported: 4, updated: 0, unchanged: 0 });
    expect(report.errors.map((error) => error.line)).toEqual([5, 6, 7, 8, 9, 12]);
    expect(report.errors[0].message).toContain('price_yuan');
    expect(report.errors[1].message).toContain('repeat_nature');
    expect(report.errors[2].message).toContain('不存在');
    expect(report.errors[3].message).toContain('应有 9 列');
    expect(report.errors[4].message).toContain('第 2 行重复');
    expect(report.errors[5].message).toContain('name');

    expect(await ProductModel.findById('C-002').lean()).toMatchObject({ name: '海天生抽, 500ml', priceCents: 990, tags: [], active: true, repeatNature: 'periodic' });
    expect(await ProductModel.findById('C-003').lean()).toMatchObject({ name: '美的电饭煲 "4L"', priceCents: 29_900, repeatNature: 'durable' });
    expect(String((await ProductModel.findById('C-003').lean())!.storeIds[0])).toBe(storeA);
    expect(await ProductModel.findById('C-008').lean()).toMatchObject({ name: '两行的\n名称', priceCents: 1250, active: false });
    expect(await ProductModel.exists({ _id: { $in: ['C-004', 'C-005', 'C-006', 'C-007', 'C-009'] } })).toBeNull();

    const again = await importProductsCsv(csv);
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 4 });
    const changed = await importProductsCsv(`${header}\nC-001,西红柿 500g,蔬菜,茄果,6.2,热销;本地,${storeA};${storeB},daily,true\n`);
    expect(changed).toEqual({ imported: 0, updated: 1, unchanged: 0, errors: [] });
  });

  it('refuses a file whose header is wrong without importing anything', async () => {
    const report = await importProductsCsv(`product_id,name,category,price,repeat_nature\nC-100,x,蔬菜,3,daily\n`);
    expect(report).toMatchObject({ imported: 0, updated: 0, unchanged: 0, errors: [{ line: 1, message: expect.stringContaining('price') }] });
    expect(await ProductModel.exists({ _id: 'C-100' })).toBeNull();
    expect((await importProductsCsv('')).errors).toEqual([{ line: 1, message: expect.stringContaining('缺少表头') }]);
  });

  it('accepts text/csv from admins and city ops over HTTP, applying city ops\' store scope per row', async () => {
    const csv = `${header}\nH-001,香蕉 1kg,水果,热带水果,6.9,,${storeA},daily,true\nH-002,西湖藕粉,粮油,冲调,25,,${foreignStore},periodic,true\n`;
    const byOps = await importCsv(ops, csv);
    expect(byOps.status).toBe(200);
    expect(byOps.body).toEqual({ imported: 1, updated: 0, unchanged: 0, errors: [{ line: 3, message: expect.stringContaining('不在您负责的城市') }] });
    expect((await importCsv(admin, csv)).body).toEqual({ imported: 1, updated: 0, unchanged: 1, errors: [] });
    expect((await importCsv(managerA, csv)).status).toBe(403);
    expect((await request(app).post('/products/import').set(bearer(admin)).send({ csv })).status).toBe(400);
  });
});

describe('demo catalogue', () => {
  it('seeds a few dozen Chinese grocery products for the demo stores once', async () => {
    const first = await seedDemoCatalogue();
    expect(first.created).toBe(DEMO_PRODUCTS.length);
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(24);
    expect(await seedDemoCatalogue()).toEqual({ created: 0, updated: 0, unchanged: DEMO_PRODUCTS.length });

    const categories = new Set((await ProductModel.find({ _id: /^SKU-/ }).lean()).map((product) => product.category));
    expect([...categories].sort()).toEqual(['乳品', '家电', '日用', '水果', '粮油', '蔬菜'].sort());
    const appliances = (await request(app).get(`/products?storeId=${storeB}&category=${encodeURIComponent('家电')}`)).body as Product[];
    expect(appliances.map((product) => product.id)).toEqual(['SKU-APL-004']);
    expect(appliances[0].repeatNature).toBe('durable');
  });
});

describe('the API description', () => {
  it('documents the product routes, the import as text/csv', async () => {
    const paths = (await request(app).get('/openapi.json')).body.paths;
    expect(Object.keys(paths).filter((path) => path.startsWith('/products')).sort()).toEqual(['/products', '/products/import', '/products/{productId}']);
    expect(Object.keys(paths['/products/import'].post.requestBody.content)).toEqual(['text/csv']);
  });
});
