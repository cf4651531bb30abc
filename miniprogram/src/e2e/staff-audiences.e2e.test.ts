import { ObjectId, type Db } from 'mongodb';
import type { Browser } from 'playwright-core';
import { startFakeWechatServer, type FakeWechatServer } from '../../../server/src/testing/fake-wechat-server';
import { STAFF_PAGES } from '../constants/staff-pages';
import type { RunningServer } from './app-server';
import { startE2eApp, type E2eApp } from './e2e-app';
import { apiCall, apiLogin, eventually, expectReadable, newPhone, settled, shot, shown, toastGone } from './phone';

jest.setTimeout(1_800_000);

const ACTIVITY_TEMPLATE = 'tmpl-activity-reminder';

let e2e: E2eApp;
let server: RunningServer;
let fake: FakeWechatServer;
let browser: Browser;
let db: Db;

const h5 = (route: string) => `${server.baseUrl}/h5/#${route}`;


/** A resident signed up through an advisor's code, as the real flow stores them. */
async function residentThrough(name: string, scene: string): Promise<{ token: string; residentId: string }> {
  const login = await fetch(`${server.baseUrl}/auth/wechat-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: `dev:${name}`, scene }) });
  const session = (await login.json()) as { token: string; residentId: string };
  const me = await apiCall<{ storeId: string }>(server.baseUrl, session.token, 'GET', '/residents/me');
  const choices = await apiCall<{ id: string }[]>(server.baseUrl, session.token, 'GET', `/stores/${me.storeId}/community-choices`);
  await apiCall(server.baseUrl, session.token, 'POST', '/residents/me/sign-up', { communityId: choices[0].id, nickname: name });
  return session;
}

beforeAll(async () => {
  // Subscribe messages go to WeChat: here a fake of its API on 127.0.0.1, with dev sign-in kept on for the demo staff.
  fake = await startFakeWechatServer({ appId: 'wx-e2e-audiences', appSecret: 'e2e-audiences-secret' });
  e2e = await startE2eApp({ WECHAT_APPID: fake.appId, WECHAT_SECRET: fake.appSecret, WECHAT_API_BASE_URL: fake.url, DEV_LOGIN: 'true' });
  ({ server, db, browser } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
  await fake?.close();
});

describe('city operations and audiences', () => {
  it('builds an audience whose live count matches the stored labels, saves it, and sends a subscribe message to it that reaches the residents who allowed it', async () => {
    // Three residents sign up today through an advisor's code; two of them allow the activity reminder.
    const opsToken = await apiLogin(server.baseUrl, 'ops');
    const advisorToken = await apiLogin(server.baseUrl, 'advisor-xujiahui-1');
    const code = (await apiCall<{ type: string; scene: string }[]>(server.baseUrl, advisorToken, 'GET', '/codes')).find((candidate) => candidate.type === 'advisor')!;
    const residents = await Promise.all(['aud-e2e-1', 'aud-e2e-2', 'aud-e2e-3'].map((name) => residentThrough(name, code.scene)));
    for (const [index, resident] of residents.slice(0, 2).entries()) {
      await apiCall(server.baseUrl, resident.token, 'POST', '/me/subscriptions', { templateId: ACTIVITY_TEMPLATE, result: 'accept', requestId: `e2e-audiences-${index}-grant` });
    }
    // The nightly recompute, by hand: every resident's labels as of now.
    await apiCall(server.baseUrl, opsToken, 'POST', '/labels/recompute');

    // The independent count: city ops' city, residents labelled 新注册 whose group label is not 群内活跃, read from the stored labels.
    const ops = await db.collection('staff').findOne({ openid: 'dev:ops' });
    const labelled = await db.collection<{ _id: ObjectId; labels: { key: string; values: string[] }[] }>('resident_labels').find({ cityId: ops!.cityId }).toArray();
    const valuesOf = (doc: (typeof labelled)[number], key: string) => doc.labels.find((label) => label.key === key)?.values ?? [];
    const expected = labelled.filter((doc) => valuesOf(doc, 'lifecycle').includes('new') && !valuesOf(doc, 'group').includes('active'));
    const eitherCount = labelled.filter((doc) => valuesOf(doc, 'lifecycle').includes('new') || !valuesOf(doc, 'group').includes('active')).length;
    const expectedIds = new Set(expected.map((doc) => String(doc._id)));
    for (const resident of residents) expect(expectedIds.has(resident.residentId)).toBe(true);

    const { context, page } = await newPhone(browser, 'ops');
    const forbidden: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 403) forbidden.push(`${response.request().method()} ${response.url()}`);
    });
    // Signed in through the landing page, which sends staff to their workbench.
    await page.goto(h5('/pages/landing/index'));
    await shown(page).getByTestId('page-staff-home').waitFor();
    await page.goto(h5(STAFF_PAGES.find((info) => info.key === 'audiences')!.url));
    await shown(page).getByTestId('page-staff-audiences').waitFor();
    await settled(page);

    // The first scenario is open with the labels that serve it, each with its values in Chinese.
    const definitions = await apiCall<{ key: string; name: string; scenarioKeys: string[]; rule: { params: Record<string, unknown> } | null }[]>(server.baseUrl, opsToken, 'GET', '/labels/definitions');
    const scenarios = await apiCall<{ key: string }[]>(server.baseUrl, opsToken, 'GET', '/labels/scenarios');
    const first = shown(page).locator(`[data-testid="scenario"][data-scenario="${scenarios[0].key}"]`);
    const served = definitions.filter((definition) => definition.scenarioKeys.includes(scenarios[0].key));
    expect(await first.getByTestId('scenario-label').count()).toBe(served.length);
    const firstText = await first.innerText();
    for (const definition of served) expect(firstText).toContain(definition.name);
    // A rule label's meaning is built from the parameters operations set.
    const group = definitions.find((definition) => definition.key === 'group')!;
    if (served.includes(group)) expect(firstText).toContain(`${group.rule!.params.activeDays} 天内在群里签到或发言为群内活跃`);
    expect(await shown(page).getByTestId('scenario').count()).toBe(scenarios.length);

    const editor = shown(page).getByTestId('audience-editor');
    await editor.getByTestId('add-condition').click();
    await editor.getByTestId('pick-label-lifecycle').click();
    await editor.getByTestId('condition').getByTestId('condition-value-new').click();
    await editor.getByTestId('audience-count-state').filter({ hasText: '计算中…' }).waitFor();
    await editor.getByTestId('add-condition').click();
    await editor.getByTestId('pick-label-group').click();
    const groupCondition = editor.locator('[data-testid="condition"][data-label="group"]');
    await groupCondition.getByTestId('condition-mode-not').click();
    await groupCondition.getByTestId('condition-value-active').click();
    const countState = async () => `${await editor.getByTestId('audience-count').textContent()} ${await editor.getByTestId('audience-count-state').textContent()}`;
    await eventually(countState, `${expected.length} 在 ${labelled.length} 位有标签的居民中`, 30_000);
    // 任一满足 counts either condition; back to 全部满足 for the audience to save.
    await editor.getByTestId('audience-join-any').click();
    await eventually(countState, `${eitherCount} 在 ${labelled.length} 位有标签的居民中`, 30_000);
    await editor.getByTestId('audience-join-all').click();
    await eventually(countState, `${expected.length} 在 ${labelled.length} 位有标签的居民中`, 30_000);
    await expectReadable(page);
    await shot(page, 'staff-city_ops-audience-editor');

    await editor.getByTestId('audience-name').locator('input').fill('今日新注册未活跃入群');
    await editor.getByTestId('audience-save').click();
    await eventually(() => db.collection('audiences').countDocuments({ name: '今日新注册未活跃入群' }), 1);
    const audience = await db.collection('audiences').findOne({ name: '今日新注册未活跃入群' });
    expect(audience).toMatchObject({
      cityId: ops!.cityId,
      storeId: null,
      conditions: { all: [{ label: 'lifecycle', op: 'eq', value: 'new' }, { label: 'group', op: 'ne', value: 'active' }] },
    });
    const saved = shown(page).locator(`[data-testid="saved-audience"][data-audience="${audience!._id}"]`);
    await saved.getByTestId('saved-audience-count').filter({ hasText: `${expected.length} 人` }).waitFor();
    await expect(saved.innerText()).resolves.toContain('生命周期是「新注册」，且 社群参与不是「群内活跃」');
    await expectReadable(page);
    await toastGone(page);
    await shot(page, 'staff-city_ops-audience-saved');

    // One nesting level: 新注册, and (从未下单 or 高频) in a condition group; counted and stored as that tree.
    const nested = labelled.filter((doc) => valuesOf(doc, 'lifecycle').includes('new') && (valuesOf(doc, 'recency').includes('none') || valuesOf(doc, 'frequency').includes('f3'))).length;
    await editor.getByTestId('add-condition').click();
    await editor.getByTestId('pick-label-lifecycle').click();
    await editor.getByTestId('condition').getByTestId('condition-value-new').click();
    await editor.getByTestId('add-group').click();
    const conditionGroup = editor.getByTestId('condition-group');
    await conditionGroup.getByTestId('group-add-condition').click();
    await conditionGroup.getByTestId('pick-label-recency').click();
    await conditionGroup.getByTestId('condition-value-none').click();
    await conditionGroup.getByTestId('group-add-condition').click();
    await conditionGroup.getByTestId('pick-label-frequency').click();
    await conditionGroup.locator('[data-testid="condition"][data-label="frequency"]').getByTestId('condition-value-f3').click();
    await eventually(countState, `${nested} 在 ${labelled.length} 位有标签的居民中`, 30_000);
    await shot(page, 'staff-city_ops-audience-group');
    await editor.getByTestId('audience-name').locator('input').fill('今日新注册且未下单或高频');
    await editor.getByTestId('audience-save').click();
    await eventually(() => db.collection('audiences').countDocuments({ name: '今日新注册且未下单或高频' }), 1);
    expect((await db.collection('audiences').findOne({ name: '今日新注册且未下单或高频' }))!.conditions).toEqual({
      all: [{ label: 'lifecycle', op: 'eq', value: 'new' }, { any: [{ label: 'recency', op: 'eq', value: 'none' }, { label: 'frequency', op: 'eq', value: 'f3' }] }],
    });
    await toastGone(page);

    // The push: the activity reminder to the saved audience, previewed, created, then sent after the confirmation.
    await page.goto(h5(STAFF_PAGES.find((info) => info.key === 'campaigns')!.url));
    await shown(page).getByTestId('page-staff-campaigns').waitFor();
    await settled(page);
    const form = shown(page).getByTestId('push-form');
    await form.getByTestId('push-template-activity_reminder').click();
    const fields = { thing1: '周末菠菜特价', time2: '2026年12月5日 09:00', thing3: '到店自提立减5元', thing4: '数量有限先到先得' };
    for (const [name, value] of Object.entries(fields)) await form.getByTestId(`push-field-${name}`).locator('input').fill(value);
    const chip = form.locator(`[data-testid="push-audience"][data-audience="${audience!._id}"]`);
    await chip.filter({ hasText: `${expected.length} 人` }).waitFor();
    await chip.click();
    await form.getByTestId('push-name').locator('input').fill('周末菠菜特价提醒');
    await form.getByTestId('push-preview-button').click();
    await expect(form.getByTestId('push-preview').innerText()).resolves.toContain('周末菠菜特价');
    await expectReadable(page);
    await shot(page, 'staff-city_ops-campaign-preview');
    await form.getByTestId('push-create').click();
    await eventually(() => db.collection('campaign_pushes').countDocuments({ name: '周末菠菜特价提醒' }), 1);
    const push = await db.collection('campaign_pushes').findOne({ name: '周末菠菜特价提醒' });
    expect(push).toMatchObject({ templateId: ACTIVITY_TEMPLATE, targetCount: expected.length, status: 'created', data: fields, page: 'pages/offers/index' });
    expect(await db.collection('campaign_deliveries').countDocuments({ pushId: push!._id })).toBe(0);

    const item = shown(page).locator(`[data-testid="push-item"][data-push="${push!._id}"]`);
    await item.getByTestId('push-send').click();
    const modal = page.locator('.taro-modal__foot');
    await modal.waitFor();
    await expect(page.locator('.taro-modal__text').innerText()).resolves.toContain(`${expected.length} 位居民`);
    await modal.getByText('发送', { exact: true }).click();
    await item.getByTestId('push-status').filter({ hasText: '已发送' }).waitFor();

    // Stored: one delivery per targeted resident, sent to the two who allowed it, skipped for the rest; WeChat got exactly two messages.
    const deliveries = await db.collection('campaign_deliveries').find({ pushId: push!._id }).toArray();
    expect(deliveries).toHaveLength(expected.length);
    const sent = deliveries.filter((delivery) => delivery.state === 'sent').map((delivery) => String(delivery.residentId)).sort();
    expect(sent).toEqual(residents.slice(0, 2).map((resident) => resident.residentId).sort());
    expect(deliveries.filter((delivery) => delivery.state === 'no_grant')).toHaveLength(expected.length - 2);
    const messages = fake.subscribeMessages.filter((message) => message.template_id === ACTIVITY_TEMPLATE);
    expect(messages.map((message) => message.touser).sort()).toEqual(['dev:aud-e2e-1', 'dev:aud-e2e-2']);
    expect(messages[0].data.thing1).toEqual({ value: '周末菠菜特价' });
    expect(await item.getByTestId('push-count-sent').locator('.count-number').textContent()).toBe('2');
    expect(await item.getByTestId('push-count-no_grant').locator('.count-number').textContent()).toBe(String(expected.length - 2));
    await expectReadable(page);
    await toastGone(page);
    await shot(page, 'staff-city_ops-campaign-sent');

    // Sending again sends nothing twice: the figures stay, WeChat gets no new message.
    await page.goto(h5(STAFF_PAGES.find((info) => info.key === 'campaigns')!.url));
    await shown(page).getByTestId('page-staff-campaigns').waitFor();
    const again = shown(page).locator(`[data-testid="push-item"][data-push="${push!._id}"]`);
    expect(await again.getByTestId('push-send').count()).toBe(0);
    await again.getByTestId('push-open').click();
    await again.getByTestId('push-count-sent').filter({ hasText: '2' }).waitFor();
    expect(fake.subscribeMessages.filter((message) => message.template_id === ACTIVITY_TEMPLATE)).toHaveLength(2);

    // A second push holds out 20% as a control group: the held-out residents are stored as such,
    // and its effect (orders after sending, reached vs held out) is the endpoint's.
    const second = shown(page).getByTestId('push-form');
    await second.getByTestId('push-template-activity_reminder').click();
    for (const [name, value] of Object.entries(fields)) await second.getByTestId(`push-field-${name}`).locator('input').fill(value);
    await second.locator(`[data-testid="push-audience"][data-audience="${audience!._id}"]`).click();
    await second.getByTestId('push-holdout-20').click();
    await second.getByTestId('push-name').locator('input').fill('对照组测试提醒');
    await second.getByTestId('push-create').click();
    await eventually(() => db.collection('campaign_pushes').countDocuments({ name: '对照组测试提醒' }), 1);
    const controlled = (await db.collection('campaign_pushes').findOne({ name: '对照组测试提醒' }))!;
    expect(controlled.holdoutShare).toBe(0.2);
    const controlledItem = shown(page).locator(`[data-testid="push-item"][data-push="${controlled._id}"]`);
    await controlledItem.getByTestId('push-send').click();
    await page.locator('.taro-modal__foot').getByText('发送', { exact: true }).click();
    await controlledItem.getByTestId('push-status').filter({ hasText: '已发送' }).waitFor();
    const heldOut = await db.collection('campaign_deliveries').countDocuments({ pushId: controlled._id, state: 'held_out' });
    await controlledItem.getByTestId('push-holdout').waitFor();
    const effect = await apiCall<{ comparison: { treated: { size: number; buyers: number }; heldOut: { size: number; buyers: number } } }>(server.baseUrl, opsToken, 'GET', `/campaigns/pushes/${controlled._id}/effect?days=7`);
    expect(effect.comparison.heldOut.size).toBe(heldOut);
    expect(effect.comparison.treated.size + effect.comparison.heldOut.size).toBe(expected.length);
    await expect(controlledItem.getByTestId('holdout-treated').innerText()).resolves.toContain(`触达组（${effect.comparison.treated.size} 人）`);
    await expect(controlledItem.getByTestId('holdout-held-out').innerText()).resolves.toContain(`对照组（${heldOut} 人）`);
    await toastGone(page);
    await shot(page, 'staff-city_ops-campaign-holdout');
    expect(forbidden).toEqual([]);
    await context.close();
  });
});
