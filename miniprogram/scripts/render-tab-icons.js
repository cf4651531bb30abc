// Renders the tab bar's PNG icons from the app's SVG icons (src/assets/icons.json): WeChat's
// native tab bar takes PNG files only. Run after changing an icon: node miniprogram/scripts/render-tab-icons.js
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const icons = require('../src/assets/icons.json');

const TABS = ['home', 'neighbours', 'store', 'user'];
const COLORS = { '': '#8f959e', '-active': '#1aad5c' };
const SIZE = 81;

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  for (const name of TABS) {
    for (const [suffix, color] of Object.entries(COLORS)) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="${SIZE}" height="${SIZE}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${icons[name]}</svg>`;
      await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
      writeFileSync(path.join(__dirname, '..', 'src', 'assets', 'tab', `${name}${suffix}.png`), png);
    }
  }
  await browser.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
