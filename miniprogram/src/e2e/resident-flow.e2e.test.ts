import { ObjectId, type Db } from 'mongodb';
import type { Browser, Page } from 'playwright-core';
import qrcode from 'qrcode-generator';
import type { RunningServer } from './app-server';
import { startE2eApp, type E2eApp } from './e2e-app';
import { apiCall, apiLogin, decodeQr, deliverOrderEvent, eventually, expectReadable, newPhone, shot, shown, storedSession } from './phone';

// Building H5 and seeding three months of demo orders take minutes on a busy machine.
jest.setTimeout(1_800_000);


let e2e: E2eApp;
let server: RunningServer;
let browser: Browser;
let db: Db;

const h5 = (route: string) => `${server.baseUrl}/h5/#${route}`;
const chinaDay = (date = new Date()) => new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

async function balance(residentId: ObjectId): Promise<{ available: number; pending: number }> {
  const resident = await db.collection('residents').findOne({ _id: residentId });
  return { available: resident!.points.available, pending: resident!.points.pending };
}

async function pointsShown(page: Page): Promise<number> {
  return Number(await shown(page).getByTestId('points-available').textContent());
}

async function openTab(page: Page, label: '首页' | '门店' | '我的', testId: string): Promise<void> {
  await page.locator('.weui-tabbar__label', { hasText: label }).click();
  await shown(page).getByTestId(testId).waitFor();
}

beforeAll(async () => {
  e2e = await startE2eApp();
  ({ server, db, browser } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
});

describe('a new resident, from an advisor code to a coupon at the counter (H5, 375×812)', () => {
  it('signs up, fills the profile, checks in, opens the offers, redeems a reward and shows the coupon QR', async () => {
    const advisorToken = await apiLogin(server.baseUrl, 'advisor-xujiahui-1');
    const codes = await apiCall<{ id: string; type: string; scene: string; advisorId: string | null; storeId: string }[]>(server.baseUrl, advisorToken, 'GET', '/codes');
    const advisorCode = codes.find((code) => code.type === 'advisor')!;

    const { context, page } = await newPhone(browser);
    await page.goto(h5(`/pages/landing/index?scene=${encodeURIComponent(advisorCode.scene)}`));
    await shown(page).getByTestId('signup').waitFor();
    await shown(page).getByTestId('community-choice').first().waitFor();
    await expect(shown(page).getByTestId('scan-message').textContent()).resolves.toContain('徐家汇店');
    await expectReadable(page);
    await shot(page, '01-landing-advisor-code');

    // Attribution is written once, at the first login: the advisor code credits its store (and records its owner).
    const { residentId: id } = await storedSession(page);
    const residentId = new ObjectId(id!);
    const created = await db.collection('residents').findOne({ _id: residentId });
    expect(created!.attribution).toMatchObject({ source: 'code', codeId: new ObjectId(advisorCode.id), codeType: 'advisor', advisorId: null, codeOwnerId: new ObjectId(advisorCode.advisorId!), storeId: new ObjectId(advisorCode.storeId) });
    expect(await db.collection('touches').countDocuments({ residentId, codeId: new ObjectId(advisorCode.id), isFirstTouch: true })).toBe(1);

    // Sign-up: the store's communities, nearest first.
    const community = shown(page).getByTestId('community-choice').nth(1);
    const communityName = (await community.locator('.text-body').textContent())!;
    await community.click();
    await shown(page).getByTestId('signup-nickname').locator('input').fill('小王');
    await shown(page).getByTestId('signup-submit').click();
    await shown(page).getByTestId('task-group-newbie').waitFor();
    await shown(page).getByTestId('checkin-card').waitFor();
    await expectReadable(page);
    await shot(page, '02-home-new-resident');
    const signedUp = await db.collection('residents').findOne({ _id: residentId });
    expect(signedUp).toMatchObject({ nickname: '小王', signedUpAt: expect.any(Date), storeId: new ObjectId(advisorCode.storeId) });
    expect((await db.collection('communities').findOne({ _id: signedUp!.communityId }))!.name).toBe(communityName);
    expect(await balance(residentId)).toEqual({ available: 20, pending: 0 });
    expect(await pointsShown(page)).toBe(20);

    // 我的: the profile is not complete yet, so 完善资料 is still open.
    await openTab(page, '我的', 'page-me');
    await shown(page).getByTestId('me-profile-missing').waitFor();
    await shown(page).getByTestId('bind-code-issue').click();
    const bindCode = await shown(page).getByTestId('bind-code').textContent();
    expect(bindCode).toMatch(/^\d{12}$/);
    // Stored under its 6 lookup digits; the other 6 are the secret.
    expect(await db.collection('group_bind_codes').findOne({ _id: bindCode!.slice(0, 6) as never })).toMatchObject({ purpose: 'identity', residentId });
    await shown(page).getByTestId('me-privacy').click();
    await shown(page).getByTestId('privacy-note').waitFor();
    await expectReadable(page);
    await shot(page, '03-me');
    await shown(page).getByTestId('me-complete-profile').click();
    await shown(page).getByTestId('profile-form').waitFor();
    const save = shown(page).getByTestId('profile-save');
    await shown(page).getByTestId('profile-building').locator('input').fill('3 号楼');
    await shown(page).getByTestId('profile-unit').locator('input').fill('2 单元 501');
    await shown(page).getByTestId('profile-phone').locator('input').fill('1380013');
    await shown(page).getByText('请填写 11 位手机号').waitFor();
    expect(await save.getAttribute('data-disabled')).toBe('true');
    await expectReadable(page);
    await shot(page, '04-profile-invalid-phone');
    expect((await db.collection('residents').findOne({ _id: residentId }))!.building ?? null).toBeNull();
    await shown(page).getByTestId('profile-phone').locator('input').fill('13800138000');
    await page.waitForFunction(() => document.querySelector('.taro_page_show [data-testid="profile-save"]')?.getAttribute('data-disabled') === 'false');
    await shot(page, '05-profile-filled');
    await save.click();
    await shown(page).getByTestId('page-me').waitFor();
    await page.waitForFunction(() => !document.querySelector('.taro_page_show [data-testid="me-profile-missing"]'));
    const profiled = await db.collection('residents').findOne({ _id: residentId });
    expect(profiled).toMatchObject({ building: '3 号楼', unit: '2 单元 501', phone: '13800138000', phoneVerified: false, profileCompletedAt: expect.any(Date) });
    expect(await db.collection('task_events').findOne({ residentId, type: 'profile_completed' })).toMatchObject({ source: 'server', idempotencyKey: `profile_completed:${residentId}` });
    expect(await balance(residentId)).toEqual({ available: 30, pending: 0 });
    await shot(page, '06-me-profile-complete');

    // Check-in in the app: the day's record is the same one the group's 签到 writes.
    await openTab(page, '首页', 'page-home');
    await shown(page).getByTestId('checkin-button').click();
    await shown(page).getByTestId('checkin-button').filter({ hasText: '今日已签到' }).waitFor();
    await expect(shown(page).getByTestId('checkin-streak').textContent()).resolves.toBe('已连续签到 1 天');
    const checkin = await db.collection('group_checkins').findOne({ _id: `${residentId}:${chinaDay()}` as never });
    expect(checkin).toMatchObject({ via: 'app', groupId: null, pointsEarned: 5 });
    expect(await db.collection('task_events').countDocuments({ residentId, type: 'group_checkin' })).toBe(1);
    expect(await balance(residentId)).toEqual({ available: 35, pending: 0 });
    await page.waitForFunction(() => document.querySelector('.taro_page_show [data-testid="points-available"]')?.textContent === '35');
    await expectReadable(page);
    await shot(page, '07-home-checked-in');

    // 浏览今日特惠 completes when the offers page is opened, not on a tap.
    await shown(page).getByTestId('nav-offers').click();
    await shown(page).getByTestId('offer-promotion').first().waitFor();
    await eventually(() => db.collection('task_events').countDocuments({ residentId, type: 'activity_viewed', 'meta.page': 'offers' }), 1);
    await eventually(async () => (await balance(residentId)).available, 37);
    await expectReadable(page);
    await shot(page, '08-offers');

    await page.goBack();
    await shown(page).getByTestId('page-home').waitFor();
    // The store's live group code: the manager made it and opened one group (its WeChat join QR) for it.
    const managerToken = await apiLogin(server.baseUrl, 'manager-xujiahui');
    const xujiahui = await db.collection('stores').findOne({ _id: new ObjectId(advisorCode.storeId) });
    const liveGroupId = new ObjectId();
    await db.collection('groups').insertOne({ _id: liveGroupId, roomId: 'e2e-live-code@chatroom', topic: '徐家汇邻里 1 群', storeId: xujiahui!._id, cityId: xujiahui!.cityId, boundAt: new Date(), boundByStaffId: null, baselineAt: null });
    // WeChat's group QR stands in as a small data URL (the page's CSP allows data: images, not other hosts).
    const joinQr = qrcode(1, 'L');
    joinQr.addData('WXGROUP:e2e-1');
    joinQr.make();
    const groupJoinQr = joinQr.createDataURL(2, 2);
    await apiCall(server.baseUrl, managerToken, 'PUT', `/group-codes/groups/${liveGroupId}`, { qrImageUrl: groupJoinQr });
    const liveCode = await apiCall<{ id: string }>(server.baseUrl, managerToken, 'POST', '/group-codes', { storeId: advisorCode.storeId, name: '徐家汇店群活码' });
    await openTab(page, '门店', 'page-store');
    await shown(page).getByTestId('store-live-code-qr').waitFor();
    expect(await decodeQr(page, 'store-live-code-qr')).toMatch(new RegExp(`/h5/#/pages/store/index\\?groupCode=${liveCode.id}$`));
    await expectReadable(page);
    await shot(page, '09-store');
    // 我要进群: the resident is sent to the group and shown its join QR, once and for good.
    await shown(page).getByTestId('store-join-group').click();
    await shown(page).getByTestId('store-joined-group-qr').waitFor();
    expect(await shown(page).getByTestId('store-joined-group-qr').first().evaluate((host) => ((host.tagName === 'IMG' ? host : host.querySelector('img')) as HTMLImageElement).getAttribute('src'))).toBe(groupJoinQr);
    await eventually(() => db.collection('group_code_assignments').countDocuments({ groupId: liveGroupId, codeId: new ObjectId(liveCode.id) }), 1);
    await expectReadable(page);
    await shot(page, '09b-store-joined');

    // Redeem: the enabled and the disabled buttons look different.
    await page.goto(h5('/pages/rewards/index'));
    await shown(page).getByTestId('reward').first().waitFor();
    const enabled = shown(page).getByTestId('reward-redeem').filter({ hasText: '立即兑换' }).first();
    const disabled = shown(page).getByTestId('reward-redeem').filter({ hasText: '积分不足' }).first();
    const colours = async (locator: typeof enabled) => locator.evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(await colours(enabled)).toBe('rgb(26, 173, 92)');
    expect(await colours(disabled)).toBe('rgb(229, 230, 232)');
    await expectReadable(page);
    await shot(page, '10-rewards');
    const rewardName = await enabled.locator('xpath=ancestor::*[@data-testid="reward"]').locator('.text-title').first().textContent();
    await enabled.click();
    await page.getByText('确定', { exact: true }).click();
    await shown(page).getByTestId('coupon-qr').first().waitFor();
    const code = await shown(page).getByTestId('coupon-code').first().getAttribute('data-code');
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
    expect(await decodeQr(page, 'coupon-qr')).toBe(code);
    const coupon = await db.collection('reward_coupons').findOne({ code });
    expect(coupon).toMatchObject({ residentId });
    const spent = await db.collection('point_entries').findOne({ residentId, 'intent.kind': 'spend' });
    expect(spent).not.toBeNull();
    expect((await balance(residentId)).available).toBe(37 - Number(spent!.intent.amount));
    expect(rewardName).toBeTruthy();
    await expectReadable(page);
    await shot(page, '11-coupons');

    // Staff scan it at the counter: the coupon is used once and then shown as used, without a QR code.
    await apiCall(server.baseUrl, managerToken, 'POST', `/rewards/coupons/${code}/use`, {});
    expect(await db.collection('reward_coupon_uses').countDocuments({})).toBe(1);
    await page.reload();
    await shown(page).getByTestId('coupon-tab-used').click();
    await shown(page).locator('[data-testid="coupon"][data-state="used"]').waitFor();
    expect(await shown(page).getByTestId('coupon-qr').count()).toBe(0);
    await expect(shown(page).getByTestId('coupon').first().textContent()).resolves.toContain('已使用');
    await shot(page, '11b-coupons-used');

    await page.goto(h5('/pages/points/index'));
    await shown(page).getByTestId('point-entry').first().waitFor();
    await shot(page, '12-points');
    await page.goto(h5('/pages/orders/index'));
    await shown(page).getByTestId('state-empty').waitFor();
    await expectReadable(page);
    await shot(page, '13-orders-empty');

    // Sign-out ends the session on the server too.
    const { token } = await storedSession(page);
    await page.goto(h5('/pages/me/index'));
    await shown(page).getByTestId('me-sign-out').click();
    await page.getByText('退出', { exact: true }).click();
    await shown(page).getByTestId('signed-out').waitFor();
    expect((await fetch(`${server.baseUrl}/residents/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await expectReadable(page);
    await shot(page, '13b-signed-out');
    await context.close();
  });
});

describe('the invite loop: poster link, sign-up, first order, reward', () => {
  it('credits the invitee to the inviter and their store, lists them as they progress, and pays the inviter after the first order', async () => {
    // The inviter: a 田林店 resident called 王阿姨.
    const inviterToken = await apiLogin(server.baseUrl, 'inviter-wang');
    const tianlin = (await (await fetch(`${server.baseUrl}/stores`)).json()).find((store: { name: string }) => store.name === '邻里鲜生·田林店') as { id: string };
    const inviterCommunity = (await (await fetch(`${server.baseUrl}/stores/${tianlin.id}/community-choices`)).json())[0] as { id: string };
    await apiCall(server.baseUrl, inviterToken, 'POST', '/residents/me/sign-up', { communityId: inviterCommunity.id, nickname: '王阿姨' });
    const inviterId = new ObjectId((await apiCall<{ id: string }>(server.baseUrl, inviterToken, 'GET', '/residents/me')).id);
    expect(String((await db.collection('residents').findOne({ _id: inviterId }))!.storeId)).toBe(tianlin.id);

    // Operations add a next-month repurchase tier; the first-order tier keeps the settings' 50 points.
    const opsToken = await apiLogin(server.baseUrl, 'ops');
    await apiCall(server.baseUrl, opsToken, 'PUT', '/invites/tiers', {
      tiers: [{ key: 'first_order', inviterPoints: 50, inviteePoints: 0 }, { key: 'next_month_repurchase', inviterPoints: 30, inviteePoints: 5 }],
    });

    const inviter = await newPhone(browser, 'inviter-wang');
    await inviter.page.goto(h5('/pages/invite/index'));
    await shown(inviter.page).getByTestId('invite-poster-image').waitFor();
    await expect(shown(inviter.page).getByTestId('invite-tiers').textContent()).resolves.toBe('邻居首单你得 50 积分，次月复购再得 30 积分；邻居也得 5 积分');
    await expect(shown(inviter.page).getByTestId('leaderboard-mine').textContent()).resolves.toBe('本月还没有你邀请的邻居完成首单');
    await expect(shown(inviter.page).getByTestId('invite-code').textContent()).resolves.toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    await expectReadable(inviter.page);
    await shot(inviter.page, '14-invite-poster');
    // The poster's QR code is the invite link, on the address the server really listens on.
    const link = await decodeQr(inviter.page, 'invite-poster-image', 750);
    expect(link.startsWith(`${server.baseUrl}/h5/#/pages/landing/index?scene=i.`)).toBe(true);

    // The invitee opens the poster's link: who invites, from which store, what both get.
    const invitee = await newPhone(browser);
    await invitee.page.goto(link);
    await shown(invitee.page).getByTestId('invite-landing-inviter').waitFor();
    await expect(shown(invitee.page).getByTestId('invite-landing-inviter').textContent()).resolves.toBe('王阿姨 邀请你加入');
    await expect(shown(invitee.page).getByTestId('invite-landing').textContent()).resolves.toContain('邻里鲜生·田林店');
    await expect(shown(invitee.page).getByTestId('invite-landing-invitee-reward').textContent()).resolves.toContain('注册即得 20 积分');
    await shown(invitee.page).getByTestId('community-choice').first().waitFor();
    const inviteeId = new ObjectId((await storedSession(invitee.page)).residentId!);
    // Opened, not signed up: the inviter has nobody yet and nothing held.
    expect(await db.collection('invites').countDocuments({ _id: inviteeId as never })).toBe(0);
    expect(await balance(inviterId)).toEqual({ available: 20, pending: 0 });
    await expectReadable(invitee.page);
    await shot(invitee.page, '15-invite-landing');

    await shown(invitee.page).getByTestId('community-choice').first().click();
    await shown(invitee.page).getByTestId('signup-nickname').locator('input').fill('李四');
    await shown(invitee.page).getByTestId('signup-submit').click();
    await shown(invitee.page).getByTestId('page-home').waitFor();
    const inviteeRecord = await db.collection('residents').findOne({ _id: inviteeId });
    expect(inviteeRecord!.attribution).toMatchObject({ source: 'invite', inviterResidentId: inviterId, storeId: new ObjectId(tianlin.id) });
    expect(String(inviteeRecord!.storeId)).toBe(tianlin.id);
    expect(await db.collection('invites').findOne({ _id: inviteeId as never })).toMatchObject({ inviterId, state: 'pending', qualifiedAt: null, rewardPoints: 50 });
    const held = await db.collection('point_entries').findOne({ idempotencyKey: `invite:${inviteeId}` });
    expect(held).toMatchObject({ residentId: inviterId, holdStatus: 'held', source: 'invite' });
    expect(await balance(inviterId)).toEqual({ available: 20, pending: 50 });

    await inviter.page.reload();
    await shown(inviter.page).getByTestId('invitee').first().waitFor();
    expect(await shown(inviter.page).getByTestId('invitee').count()).toBe(1);
    await expect(shown(inviter.page).getByTestId('invitee').first().textContent()).resolves.toContain('李**');
    expect(await shown(inviter.page).getByTestId('invitee').first().getAttribute('data-stage')).toBe('registered');
    await shot(inviter.page, '16-invite-list-registered');

    // The invitee's first order arrives from the order system, signed.
    const order = { orderId: `E2E-${Date.now()}`, residentId: String(inviteeId), storeId: tianlin.id, lines: [{ productId: 'SKU-DAI-001', quantity: 2, amountCents: 2700 }], totalCents: 2700 };
    const paidAt = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await deliverOrderEvent(server.baseUrl, server.orderWebhookSecret, { ...order, eventId: `${order.orderId}-paid`, status: 'paid', occurredAt: paidAt })).status).toBe(200);
    expect((await deliverOrderEvent(server.baseUrl, server.orderWebhookSecret, { ...order, eventId: `${order.orderId}-completed`, status: 'completed', occurredAt: new Date().toISOString() })).status).toBe(200);
    expect(await db.collection('invites').findOne({ _id: inviteeId as never })).toMatchObject({ state: 'available', qualifiedAt: expect.any(Date) });
    expect(await db.collection('point_entries').findOne({ _id: held!._id })).toMatchObject({ holdStatus: 'released' });
    expect(await balance(inviterId)).toEqual({ available: 70, pending: 0 });

    await inviter.page.reload();
    await shown(inviter.page).getByTestId('invitee').first().waitFor();
    expect(await shown(inviter.page).getByTestId('invitee').first().getAttribute('data-stage')).toBe('rewarded');
    await expect(shown(inviter.page).getByTestId('invitee').first().textContent()).resolves.toContain('奖励已到账');
    // The qualified invitee puts 王阿姨 on this month's leaderboard, masked.
    await expect(shown(inviter.page).getByTestId('leaderboard-mine').textContent()).resolves.toMatch(/^我的排名：第 \d+ 名，1 位邻居完成首单$/);
    expect(await shown(inviter.page).getByTestId('leaderboard-row').filter({ hasText: '王**' }).count()).toBe(1);
    await expectReadable(inviter.page);
    await shot(inviter.page, '17-invite-list-rewarded');

    await invitee.page.goto(h5('/pages/orders/index'));
    await shown(invitee.page).getByTestId('order').first().waitFor();
    await expect(shown(invitee.page).getByTestId('order-points').first().textContent()).resolves.toBe('+27 积分');
    await expectReadable(invitee.page);
    await shot(invitee.page, '18-orders');
    await inviter.context.close();
    await invitee.context.close();
  });
});

describe('the app at the edges', () => {
  it('keeps rows readable on a 320 px wide phone', async () => {
    const { context, page } = await newPhone(browser, 'narrow-phone', 320);
    const token = await apiLogin(server.baseUrl, 'narrow-phone');
    const store = (await (await fetch(`${server.baseUrl}/stores`)).json())[0] as { id: string };
    const choice = (await (await fetch(`${server.baseUrl}/stores/${store.id}/community-choices`)).json())[0] as { id: string };
    await apiCall(server.baseUrl, token, 'POST', '/residents/me/sign-up', { communityId: choice.id });
    for (const [route, root] of [['/pages/home/index', 'page-home'], ['/pages/me/index', 'page-me'], ['/pages/store/index', 'page-store'], ['/pages/coupons/index', 'page-coupons']] as const) {
      await page.goto(h5(route));
      await shown(page).getByTestId(root).waitFor();
      await page.waitForFunction(() => !document.querySelector('.taro_page_show [data-testid="state-loading"]'));
      const overflow = await page.evaluate(() => {
        const shownPage = Array.from(document.querySelectorAll<HTMLElement>('.taro_page_show')).filter((element) => getComputedStyle(element).display !== 'none' && element.querySelector('[data-testid^="page-"]')).pop()!;
        return shownPage.scrollWidth - shownPage.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
    }
    await page.goto(h5('/pages/home/index'));
    await shown(page).getByTestId('task').first().waitFor();
    // A task's title keeps one line beside its button: the button never squeezes it.
    const titles = await shown(page).getByTestId('task').evaluateAll((rows) =>
      rows.map((row) => {
        const title = row.querySelector<HTMLElement>('.text-body')!;
        return { text: title.innerText, lines: Math.round(title.getBoundingClientRect().height / parseFloat(getComputedStyle(title).lineHeight)) };
      }),
    );
    expect(titles.length).toBeGreaterThan(4);
    for (const title of titles) expect(title).toMatchObject({ lines: 1 });
    await shot(page, '19-home-320px');
    await context.close();
  });

  it("sends staff who open a resident page to their workbench instead of showing errors", async () => {
    const { context, page } = await newPhone(browser, 'advisor-xujiahui-1');
    await page.goto(h5('/pages/landing/index'));
    await shown(page).getByTestId('page-staff-home').waitFor();
    for (const route of ['/pages/home/index', '/pages/me/index', '/pages/coupons/index']) {
      await page.goto(h5(route));
      await page.waitForURL((url) => url.hash.startsWith('#/packages/staff/home/index'));
      await shown(page).getByTestId('page-staff-home').waitFor();
      expect(await shown(page).getByTestId('state-error').count()).toBe(0);
    }
    await context.close();
  });

  it('shows Chinese, never the English of a server error or a failed network', async () => {
    const { context, page } = await newPhone(browser, 'english-errors');
    const token = await apiLogin(server.baseUrl, 'english-errors');
    const store = (await (await fetch(`${server.baseUrl}/stores`)).json())[0] as { id: string };
    const choice = (await (await fetch(`${server.baseUrl}/stores/${store.id}/community-choices`)).json())[0] as { id: string };
    await apiCall(server.baseUrl, token, 'POST', '/residents/me/sign-up', { communityId: choice.id });
    await page.goto(h5('/pages/landing/index'));
    await shown(page).getByTestId('page-home').waitFor();
    await page.route('**/points/me', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { code: 'FORBIDDEN', message: 'Only residents can do this', details: null } }) }),
    );
    await page.route('**/tasks/me', (route) => route.abort('internetdisconnected'));
    await page.reload();
    await shown(page).getByTestId('state-error').nth(1).waitFor();
    const errors = await shown(page).getByTestId('state-error').allInnerTexts();
    expect(errors.join('\n')).toContain('暂时不能进行这个操作');
    expect(errors.join('\n')).toContain('网络不给力，请稍后重试');
    await expectReadable(page);
    await shot(page, '20-home-errors-in-chinese');
    await context.close();
  });
});

describe('the staff tickets page', () => {
  it('a store manager answers a resident\'s ticket from the tickets page, and the answer is queued for the bot to relay', async () => {
    const store = await db.collection('stores').findOne({ name: '邻里鲜生·徐家汇店' });
    const groupId = new ObjectId();
    await db.collection('groups').insertOne({ _id: groupId, roomId: 'e2e-tickets@chatroom', topic: '徐家汇 e2e 群', storeId: store!._id, cityId: store!.cityId, boundAt: new Date(), boundByStaffId: null, baselineAt: null });
    const ticketId = new ObjectId();
    await db.collection('tickets').insertOne({
      _id: ticketId, messageKey: 'e2e-tickets@chatroom:m-e2e-1', storeId: store!._id, cityId: store!.cityId, groupId, roomId: 'e2e-tickets@chatroom', topic: '徐家汇 e2e 群',
      wxid: 'wx-e2e-wang', name: '王阿姨', text: '@邻里小助手 西瓜是坏的怎么办', reason: 'complaint', status: 'open', createdAt: new Date(Date.now() - 120_000), firstAnsweredAt: null, closedAt: null,
    });
    const { context, page } = await newPhone(browser, 'manager-xujiahui');
    // Signing in happens on the landing page; staff land on their workbench.
    await page.goto(h5('/pages/landing/index'));
    await shown(page).getByTestId('page-staff-home').waitFor();
    await page.goto(h5('/packages/staff/tickets/index'));
    await shown(page).getByTestId('page-staff-tickets').waitFor();
    const ticket = shown(page).getByTestId('ticket').filter({ hasText: '西瓜是坏的怎么办' });
    await ticket.waitFor();
    await ticket.getByTestId('ticket-answer').locator('input').fill('非常抱歉，马上给您换一个');
    await ticket.getByTestId('ticket-send').click();
    await eventually(() => db.collection('ticket_answers').countDocuments({ ticketId }), 1);
    // The answer is stored first, then the ticket closes: wait for the second write rather than read between them.
    await eventually(async () => (await db.collection('tickets').findOne({ _id: ticketId }))?.status, 'closed');
    const relay = await db.collection('group_deliveries').findOne({ kind: 'ticket_answer', groupId });
    expect(relay).toMatchObject({ roomId: 'e2e-tickets@chatroom', mentionWxids: ['wx-e2e-wang'] });
    expect(relay!.text).toContain('马上给您换一个');
    await expectReadable(page);
    await shot(page, '23-staff-tickets');
    await context.close();
  });
});
