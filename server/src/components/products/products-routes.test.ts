import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ProductModel } from './products.model';

useTestDatabase();
const app = createTestApp();
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  await seedDemoData();
  admin = await login(app, DEMO_LOGINS.admin);
});

const header = 'product_id,name,category,subcategory,price_yuan,tags,store_ids,repeat_nature,active';
const milk = { name: '牛奶', category: '乳品', subcategory: '', priceCents: 1200, tags: [], storeIds: [], repeatNature: 'periodic', active: true };

describe('/products/import is not a product id', () => {
  it('GET and PUT /products/import answer 405 with Allow: POST, and no product "import" is stored', async () => {
    const read = await request(app).get('/products/import');
    expect(read.status).toBe(405);
    expect(read.headers.allow).toBe('POST');
    expect(read.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const written = await request(app).put('/products/import').set(bearer(admin)).send(milk);
    expect(written.status).toBe(405);
    expect(await ProductModel.exists({ _id: 'import' })).toBeNull();
    // Other ids still work.
    expect((await request(app).put('/products/T-IMPORT-1').set(bearer(admin)).send(milk)).status).toBe(200);
  });
});

describe('a CSV import that yields no product', () => {
  it('is a 400 with the reasons by line, never a 200 that imported nothing', async () => {
    const send = (body: string) => request(app).post('/products/import').set(bearer(admin)).set('content-type', 'text/csv').send(body);
    for (const body of ['', `${header}\n`, 'x,y\n1,2\n', `${header}\nC-1,坏价格,蔬菜,叶菜,五块,,,daily,true\n`]) {
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.message).toMatch(/^没有导入任何商品/);
    }
    const good = await send(`${header}\nC-2,西红柿,蔬菜,茄果,5.8,,,daily,true\n`);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ imported: 1 });
  });
});
