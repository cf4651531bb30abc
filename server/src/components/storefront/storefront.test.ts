import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { endsText } from './storefront.service';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN } });
let manager: Awaited<ReturnType<typeof login>>;
let storeId = '';

beforeAll(async () => {
  await seedDemo();
  manager = await login(app, DEMO_LOGINS.managers[0]);
  storeId = manager.staff!.storeId!;
});

describe("a store's page", () => {
  it('shows its hours, delivery terms, phone and configured group QR; the manager changes the group QR', async () => {
    const store = (await request(app).get(`/stores/${storeId}`).expect(200)).body;
    expect(store).toMatchObject({ name: '邻里鲜生·徐家汇店', contactPhone: expect.any(String), hoursText: '每天 07:00-22:00', delivery: { radiusKm: 3, feeCents: 500, freeAboveCents: 3900 } });
    expect(store.groupQr).toEqual({ name: '徐家汇店邻里群', qrContent: 'https://weixin.qq.com/g/demo-xujiahui' });

    const changed = await request(app).patch(`/stores/${storeId}`).set(bearer(manager)).send({ groupQr: { name: '徐家汇 1 群', qrContent: 'https://weixin.qq.com/g/AbCdEf' } }).expect(200);
    expect(changed.body.groupQr).toEqual({ name: '徐家汇 1 群', qrContent: 'https://weixin.qq.com/g/AbCdEf' });
    const bad = await request(app).patch(`/stores/${storeId}`).set(bearer(manager)).send({ groupQr: { name: '', qrContent: 'not a link' } });
    expect(bad.status).toBe(400);
    expect((bad.body.error.details as { message: string }[]).map((detail) => detail.message)).toEqual(expect.arrayContaining(['请填写群名称', '请填写群二维码的链接']));
    expect((await request(app).get(`/stores/${storeId}`)).body.groupQr.name).toBe('徐家汇 1 群');
  });

  it("lists today's offers: running promotions with catalogue prices, staff notes from the group, tagged specials and the catalogue", async () => {
    const start = new Date(Date.now() - 3600_000).toISOString();
    const end = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await request(app).post('/campaigns/promotions').set(bearer(manager))
      .send({ name: '周末葡萄节', productId: 'SKU-FRU-004', storeId, audience: { productAudience: { limit: 10 } }, startAt: start, endAt: end }).expect(201);
    await request(app).post('/campaigns/promotions').set(bearer(manager))
      .send({ name: '已结束的活动', productId: 'SKU-VEG-001', storeId, audience: { productAudience: { limit: 10 } }, startAt: new Date(Date.now() - 5 * 86_400_000).toISOString(), endAt: start }).expect(201);
    await request(app).put('/products/SKU-VEG-002').set(bearer(await login(app, DEMO_LOGINS.admin)))
      .send({ name: '西红柿 500g', category: '蔬菜', subcategory: '茄果', priceCents: 480, tags: ['特价'], storeIds: [storeId], repeatNature: 'daily' }).expect(200);
    const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
    await request(app).post('/groups/bot/bind').set({ authorization: `Bearer ${TOKEN}` }).send({ code, wxid: 'wx-manager', name: '店长', roomId: 'offers@chatroom', topic: null }).expect(200);
    await request(app).post('/groups/bot/staff/offers').set({ authorization: `Bearer ${TOKEN}` }).send({ roomId: 'offers@chatroom', byWxid: 'wx-manager', text: '草莓 19.9 元/盒' }).expect(200);

    const offers = (await request(app).get(`/stores/${storeId}/offers`).expect(200)).body;
    expect(offers.promotions).toEqual([
      expect.objectContaining({ name: '周末葡萄节', product: expect.objectContaining({ id: 'SKU-FRU-004', name: '阳光玫瑰葡萄 500g', priceCents: 2990 }), endsText: expect.stringMatching(/^还剩 [34] 天$/) }),
    ]);
    expect(offers.notes).toEqual([expect.objectContaining({ text: '草莓 19.9 元/盒' })]);
    expect(offers.specials).toEqual([expect.objectContaining({ id: 'SKU-VEG-002', priceCents: 480 })]);
    expect(offers.products.length).toBeGreaterThan(20);
    expect(offers.products.every((product: { id: string }) => product.id !== 'SKU-FRU-005')).toBe(true);
    expect(offers.categories).toEqual(expect.arrayContaining(['蔬菜', '水果', '乳品']));

    const other = (await request(app).get('/stores')).body.find((store: { name: string }) => store.name === '邻里鲜生·田林店');
    expect((await request(app).get(`/stores/${other.id}/offers`)).body.promotions).toEqual([]);
  });

  it('says how long a promotion still runs in China-time days', () => {
    expect(endsText(new Date('2026-03-01T15:00:00Z'), new Date('2026-03-01T01:00:00Z'))).toBe('今天结束');
    expect(endsText(new Date('2026-03-01T17:00:00Z'), new Date('2026-03-01T01:00:00Z'))).toBe('还剩 1 天');
  });
});
