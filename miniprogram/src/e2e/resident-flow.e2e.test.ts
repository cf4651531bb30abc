import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startAppServer, type RunningServer } from './app-server';
import { ensureTaroBuild, REPOSITORY_DIR } from './taro-build';

jest.setTimeout(600_000);

const SCREENSHOTS = path.join(REPOSITORY_DIR, '.artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server: RunningServer;
let browser: Browser;

async function apiLogin(name: string): Promise<string> {
  const response = await fetch(`${server.baseUrl}/auth/wechat-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: `dev:${name}` }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

async function newPhone(devName?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 375, height: 760 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  // Taro H5 storage keeps values as JSON {data}; a dev-login name makes the browser sign in as that person.
  if (devName) await context.addInitScript((name) => window.localStorage.setItem('o2o.devName', JSON.stringify({ data: name })), devName);
  const page = await context.newPage();
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function pointsShown(page: Page): Promise<number> {
  return Number(await page.getByTestId('points-available').textContent());
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const h5Dir = ensureTaroBuild('h5');
  server = await startAppServer(h5Dir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the H5 build in headless Chromium against the real server', () => {
  it('a new resident scans an advisor code, signs up, completes a newbie task, sees the points and redeems a reward', async () => {
    const advisorToken = await apiLogin('advisor-xujiahui-1');
    const codes = (await (await fetch(`${server.baseUrl}/codes`, { headers: { authorization: `Bearer ${advisorToken}` } })).json()) as { type: string; scene: string }[];
    const advisorCode = codes.find((code) => code.type === 'advisor');
    expect(advisorCode).toBeDefined();

    const { context, page } = await newPhone();
    await page.goto(`${server.baseUrl}/h5/#/pages/landing/index?scene=${encodeURIComponent(advisorCode!.scene)}`);
    await page.getByTestId('signup').waitFor();
    await expect(page.getByTestId('scan-message').textContent()).resolves.toContain('徐家汇店');
    await shot(page, '01-landing-signup');

    await page.getByTestId('community-choice').nth(1).click();
    await page.locator('[data-testid="signup"] input').fill('小王');
    await page.getByTestId('signup-submit').click();

    await page.getByTestId('task-group-newbie').waitFor();
    await page.getByTestId('store-card').waitFor();
    // Subscribe-message templates are listed; subscribing itself needs WeChat, which H5 says.
    await page.getByTestId('subscriptions').getByText('请在微信小程序中订阅提醒').waitFor();
    expect(await page.getByTestId('subscription').count()).toBeGreaterThan(0);
    await shot(page, '02-home-newbie-tasks');
    const newbieTitles = await page.getByTestId('task-group-newbie').getByTestId('task').allTextContents();
    expect(newbieTitles.join()).toContain('完成注册');
    const before = await pointsShown(page);

    // The first task the app can do itself (e.g. 完善资料 / 浏览今日特惠).
    await page.getByTestId('task-do').first().click();
    await page.waitForFunction((previous) => Number(document.querySelector('[data-testid="points-available"]')?.textContent) > previous, before);
    const after = await pointsShown(page);
    expect(after).toBeGreaterThan(before);
    await shot(page, '03-home-task-completed');

    await page.getByTestId('points-card').click();
    await page.getByTestId('point-entry').first().waitFor();
    await shot(page, '04-points-history');

    await page.goto(`${server.baseUrl}/h5/#/pages/rewards/index`);
    await page.getByTestId('reward').first().waitFor();
    await shot(page, '05-rewards');
    const redeemable = page.getByTestId('reward-redeem').filter({ hasText: '立即兑换' }).first();
    await redeemable.click();
    await page.getByText('确定', { exact: true }).click();
    await page.getByTestId('coupon-code').first().waitFor();
    expect(await page.getByTestId('coupon-code').first().textContent()).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
    await shot(page, '06-coupons');

    await page.goto(`${server.baseUrl}/h5/#/pages/home/index`);
    await page.getByTestId('points-available').waitFor();
    expect(await pointsShown(page)).toBeLessThan(after);

    await page.goto(`${server.baseUrl}/h5/#/pages/invite/index`);
    await page.getByTestId('invite-code').waitFor();
    await shot(page, '07-invite');
    await context.close();
  });

  it('an advisor sees their codes, a code image and their progress', async () => {
    const { context, page } = await newPhone('advisor-xujiahui-1');
    await page.goto(`${server.baseUrl}/h5/#/pages/landing/index`);
    await page.getByTestId('page-staff-codes').waitFor();
    await page.getByTestId('staff-code').first().waitFor();
    expect(await page.getByTestId('staff-code').count()).toBeGreaterThanOrEqual(2);
    await page.getByTestId('staff-code').first().getByText('查看二维码').click();
    await page.getByTestId('staff-code-image').first().waitFor();
    await shot(page, '08-staff-codes');

    await page.goto(`${server.baseUrl}/h5/#/packages/staff/progress/index`);
    await page.getByTestId('staff-progress').waitFor();
    await page.getByTestId('staff-community').first().waitFor();
    await shot(page, '09-staff-progress');
    await context.close();
  });
});
