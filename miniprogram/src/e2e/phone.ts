import { createHmac } from 'node:crypto';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { REPOSITORY_DIR } from './taro-build';

export const SCREENSHOTS = path.join(REPOSITORY_DIR, '.artifacts', 'screenshots');
export const PHONE = { width: 375, height: 812 };

/** A phone-sized browser context; with a dev-login name the H5 build signs in as that person. */
export async function newPhone(browser: Browser, devName?: string, width = PHONE.width): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: PHONE.height }, deviceScaleFactor: 2, locale: 'zh-CN' });
  // Taro H5 storage keeps values as JSON {data}.
  if (devName) await context.addInitScript((name) => window.localStorage.setItem('o2o.devName', JSON.stringify({ data: name })), devName);
  const page = await context.newPage();
  return { context, page };
}

/**
 * Taro H5 keeps earlier pages in the DOM (moved aside or hidden): the shown one is the last
 * `.taro_page_show` that is displayed and holds a page root. Each in-page script repeats this.
 */
/** The page on screen, for locating within it (not in a page further down the stack). */
export function shown(page: Page): Locator {
  return page.locator('.taro_page_show:visible').filter({ has: page.locator('[data-testid^="page-"]') }).last();
}

/** Resolves once no toast is on screen (Taro H5 hides it with display: none after its duration). */
export async function toastGone(page: Page): Promise<void> {
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('.taro__toast')).every((element) => getComputedStyle(element).display === 'none'));
}

/** Waits until the shown page has rendered and nothing on it is still loading. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const shown = Array.from(document.querySelectorAll<HTMLElement>('.taro_page_show')).filter((element) => getComputedStyle(element).display !== 'none' && element.querySelector('[data-testid^="page-"]')).pop();
    return shown ? !shown.querySelector('[data-testid="state-loading"]') : false;
  });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

/**
 * A full-page screenshot: Taro H5 scrolls inside its page container, so the viewport is made as
 * tall as the page's content for the shot, then restored.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await settled(page);
  const height = await page.evaluate(() => {
    const container = Array.from(document.querySelectorAll<HTMLElement>('.taro_page_show')).filter((element) => getComputedStyle(element).display !== 'none' && element.querySelector('[data-testid^="page-"]')).pop();
    if (container) container.scrollTop = 0;
    const tabBar = document.querySelector<HTMLElement>('.weui-tabbar');
    const tabBarShown = tabBar && tabBar.getBoundingClientRect().height > 0 && getComputedStyle(tabBar).visibility !== 'hidden';
    return (container?.scrollHeight ?? 0) + (tabBarShown ? tabBar!.offsetHeight : 0);
  });
  const width = page.viewportSize()?.width ?? PHONE.width;
  await page.setViewportSize({ width, height: Math.max(PHONE.height, height) });
  await page.waitForFunction((expected) => window.innerHeight === expected, Math.max(PHONE.height, height));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width, height: PHONE.height });
}

const HAN = /[\u3400-\u9fff]/;
/** Three or more English words in a row: a message nobody here should read. */
const ENGLISH_SENTENCE = /[A-Za-z]{2,}[,.']?(?:\s+[A-Za-z]{2,}[,.']?){2,}/;

/**
 * Fails when the shown page displays English to a resident: every error state and toast must
 * carry Chinese, and no English sentence may appear anywhere on the page.
 */
export async function expectReadable(page: Page): Promise<void> {
  const texts = await page.evaluate(() => {
    const shown = Array.from(document.querySelectorAll<HTMLElement>('.taro_page_show')).filter((element) => getComputedStyle(element).display !== 'none' && element.querySelector('[data-testid^="page-"]')).pop();
    const errors = Array.from(shown?.querySelectorAll<HTMLElement>('[data-testid="state-error"]') ?? []).map((element) => element.innerText);
    const toasts = Array.from(document.querySelectorAll<HTMLElement>('.taro__toast, .weui-toast')).filter((element) => element.offsetParent !== null).map((element) => element.innerText);
    return { errors, toasts, body: shown?.innerText ?? '' };
  });
  for (const text of [...texts.errors, ...texts.toasts]) {
    if (!HAN.test(text)) throw new Error(`an error shows no Chinese: ${JSON.stringify(text)}`);
  }
  const english = ENGLISH_SENTENCE.exec(texts.body);
  if (english) throw new Error(`the page shows English: ${JSON.stringify(english[0])}`);
}

/** Decodes the QR code an <Image> shows (drawn into a canvas at most `maxSide` pixels wide). */
export async function decodeQr(page: Page, testId: string, maxSide = 800): Promise<string> {
  const dataUrl = await page.getByTestId(testId).first().evaluate(async (host, side) => {
    // Taro's <Image> may insert its <img> a moment after the host element appears: wait for it.
    const found = () => (host.tagName === 'IMG' ? host : host.querySelector('img')) as HTMLImageElement | null;
    if (!found()) {
      await new Promise<void>((resolve) => {
        const observer = new MutationObserver(() => {
          if (!found()) return;
          observer.disconnect();
          resolve();
        });
        observer.observe(host, { childList: true, subtree: true });
      });
    }
    const image = found()!;
    if (!image.complete) await new Promise((resolve) => image.addEventListener('load', resolve, { once: true }));
    const scale = Math.min(1, side / image.naturalWidth);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(image.naturalWidth * scale);
    canvas.height = Math.round(image.naturalHeight * scale);
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingEnabled = false;
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png');
  }, maxSide);
  const png = PNG.sync.read(Buffer.from(dataUrl.split(',')[1], 'base64'));
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  if (!found) throw new Error(`no QR code could be read from ${testId}`);
  return found.data;
}

/** The session the H5 build keeps (Taro storage: JSON {data}). */
export async function storedSession(page: Page): Promise<{ residentId: string | null; token: string; kind: string }> {
  return page.evaluate(() => JSON.parse(window.localStorage.getItem('o2o.session') ?? 'null').data);
}

/** Delivers an order status event the way the chain's order system does: signed with the shared secret. */
export async function deliverOrderEvent(baseUrl: string, secret: string, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  const response = await fetch(`${baseUrl}/orders/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signature }, body: raw });
  return { status: response.status, body: await response.json() };
}

export async function apiLogin(baseUrl: string, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/wechat-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: `dev:${name}` }) });
  if (response.status !== 200) throw new Error(`login ${name} failed with ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export async function apiCall<T>(baseUrl: string, token: string, method: string, pathName: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status >= 400) throw new Error(`${method} ${pathName} failed with ${response.status}: ${await response.text()}`);
  return (response.status === 204 ? null : await response.json()) as T;
}

/** Resolves once `check` returns `expected` (re-checked every 200 ms), or fails after `timeoutMs` with the last value. */
export async function eventually<T>(check: () => Promise<T>, expected: T, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await check();
  while (last !== expected) {
    if (Date.now() > deadline) throw new Error(`expected ${JSON.stringify(expected)}, still ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await check();
  }
}
