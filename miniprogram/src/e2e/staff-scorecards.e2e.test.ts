import type { Browser, Page } from 'playwright-core';
import type { Scorecard } from '@o2o/shared/schemas/scorecards';
import { staffPage } from '../constants/staff-pages';
import type { RunningServer } from './app-server';
import { startE2eApp, type E2eApp } from './e2e-app';
import { apiCall, apiLogin, expectReadable, newPhone, settled, shot, shown } from './phone';

jest.setTimeout(1_800_000);

let e2e: E2eApp;
let server: RunningServer;
let browser: Browser;

const h5 = (route: string) => `${server.baseUrl}/h5/#${route}`;
const chinaMonth = (offset: number): string => {
  const local = new Date(Date.now() + 8 * 3_600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + offset, 1)).toISOString().slice(0, 7);
};
const percent = (rate: number | null | undefined): string => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);
const yuan = (cents: number): string => `¥${(cents / 100).toFixed(cents % 100 === 0 ? 0 : 2)}`;

beforeAll(async () => {
  e2e = await startE2eApp();
  ({ server, browser } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
});

/** The scorecard the page asks for by default (codes, the last 3 months), straight from the endpoint. */
async function scorecardOf(login: string, dimension: string): Promise<Scorecard> {
  const token = await apiLogin(server.baseUrl, login);
  return apiCall<Scorecard>(server.baseUrl, token, 'GET', `/metrics/scorecards?dimension=${dimension}&from=${chinaMonth(-2)}&to=${chinaMonth(0)}`);
}

async function openScorecards(login: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await newPhone(browser, login);
  await page.goto(h5('/pages/landing/index'));
  await shown(page).getByTestId('page-staff-home').waitFor();
  await page.goto(h5(staffPage('scorecards').url));
  await shown(page).getByTestId('page-staff-scorecards').waitFor();
  await settled(page);
  return { page, close: () => context.close() };
}

/** Each first-touch row on the page: its value, rank line, 7-day conversion, interval and credited orders. */
async function rowsOnPage(page: Page) {
  return shown(page).getByTestId('scorecard-row').evaluateAll((rows) => rows.map((row) => ({
    value: row.getAttribute('data-value'),
    conversion: row.querySelector('[data-testid="scorecard-conversion7"]')?.textContent,
    interval: row.querySelector('[data-testid="scorecard-interval"]')?.textContent,
    credited: row.querySelector('[data-testid="scorecard-credited"]')?.textContent,
    previous: row.querySelector('[data-testid="scorecard-previous"]')?.textContent,
  })));
}

function expectedRows(scorecard: Scorecard) {
  return scorecard.rows.map((row) => ({
    value: row.value,
    conversion: `7日首单转化 ${percent(row.conversion7!.rate)}`,
    interval: `区间 ${row.conversion7!.low === null ? '—' : `${percent(row.conversion7!.low)}–${percent(row.conversion7!.high)}`}`,
    credited: `归因订单 ${row.ordersCredited} 单 · ${yuan(row.revenueCreditedCents)}`,
    previous: row.previous.rank === null ? `上期无数据 · 归因订单 ${row.previous.ordersCredited} 单` : `上期第 ${row.previous.rank} 名 · 7日转化 ${percent(row.previous.conversion7?.rate)} · 注册 ${row.previous.registrations ?? 0}`,
  }));
}

describe('scorecards in the staff workbench', () => {
  it('city ops see the codes ranked with the numbers the endpoint gives, then the groups by orders credited', async () => {
    const { page, close } = await openScorecards('ops');
    const codes = await scorecardOf('ops', 'code');
    expect(codes.rows.length).toBeGreaterThan(1);
    await shown(page).getByTestId('scorecard-row').first().waitFor();
    expect(await rowsOnPage(page)).toEqual(expectedRows(codes));
    expect(await shown(page).getByTestId('scorecard-range').count()).toBe(codes.rows.filter((row) => row.conversion7!.rate !== null).length);
    await expectReadable(page);
    await shot(page, 'staff-city_ops-scorecards');

    await shown(page).getByTestId('scorecard-dimension-group').click();
    const groups = await scorecardOf('ops', 'group');
    if (groups.rows.length === 0) {
      await shown(page).getByTestId('state-empty').waitFor();
    } else {
      await shown(page).getByTestId('scorecard-bars').waitFor();
      const bars = await shown(page).getByTestId('bar-row').evaluateAll((rows) => rows.map((row) => row.querySelector('.bar-value')?.textContent));
      expect(bars).toEqual(groups.rows.map((row) => `${row.ordersCredited} 单 · ${yuan(row.revenueCreditedCents)}`));
    }
    await close();
  });

  it('an advisor sees only their own codes, with their best and worst codes, as the endpoint gives them', async () => {
    const { page, close } = await openScorecards('advisor-xujiahui-1');
    const codes = await scorecardOf('advisor-xujiahui-1', 'code');
    expect(await shown(page).getByTestId('scorecard-dimension-group').count()).toBe(0);
    if (codes.rows.length === 0) {
      await shown(page).getByTestId('state-empty').waitFor();
    } else {
      await shown(page).getByTestId('scorecard-row').first().waitFor();
      expect(await rowsOnPage(page)).toEqual(expectedRows(codes));
      const measured = codes.rows.filter((row) => (row.registrations ?? 0) > 0);
      if (measured.length >= 2) {
        const count = Math.min(3, Math.floor(measured.length / 2));
        const best = await shown(page).getByTestId('scorecard-best').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-value')));
        const worst = await shown(page).getByTestId('scorecard-worst').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-value')));
        expect(best).toEqual(measured.slice(0, count).map((row) => row.value));
        expect(worst).toEqual(measured.slice(-count).reverse().map((row) => row.value));
      }
    }
    await expectReadable(page);
    await shot(page, 'staff-advisor-scorecards');
    await close();
  });
});
