import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAIN_PAGES, STAFF_PACKAGE, TAB_PAGES } from '../constants/routes';
import { ensureTaroBuild } from './taro-build';

jest.setTimeout(600_000);

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('the weapp build', () => {
  let outputDir: string;
  beforeAll(() => {
    outputDir = ensureTaroBuild('weapp');
  });

  it('lists every page and the staff subpackage in app.json, each with its files', () => {
    const appJson = JSON.parse(readFileSync(path.join(outputDir, 'app.json'), 'utf8')) as { pages: string[]; subPackages?: { root: string; pages: string[] }[] };
    expect(appJson.pages).toEqual([...MAIN_PAGES]);
    expect(appJson.subPackages).toEqual([{ root: STAFF_PACKAGE.root, pages: [...STAFF_PACKAGE.pages] }]);
    const pageFiles = [...appJson.pages, ...STAFF_PACKAGE.pages.map((page) => `${STAFF_PACKAGE.root}/${page}`)];
    for (const page of pageFiles) {
      for (const extension of ['.js', '.json', '.wxml']) expect(statSync(path.join(outputDir, page + extension)).isFile()).toBe(true);
    }
  });

  it('has a tab bar of 首页 / 邻里 / 门店 / 我的 with PNG icons inside WeChat’s limits', () => {
    const appJson = JSON.parse(readFileSync(path.join(outputDir, 'app.json'), 'utf8')) as { tabBar: { list: { pagePath: string; text: string; iconPath: string; selectedIconPath: string }[] } };
    expect(appJson.tabBar.list.map((tab) => [tab.pagePath, tab.text])).toEqual(TAB_PAGES.map((tab) => [tab.pagePath, tab.text]));
    for (const tab of appJson.tabBar.list) {
      for (const icon of [tab.iconPath, tab.selectedIconPath]) {
        const bytes = readFileSync(path.join(outputDir, icon));
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        expect(bytes.length).toBeLessThan(40 * 1024);
      }
    }
  });

  it('keeps the main package under WeChat’s 2 MB limit with room to spare', () => {
    const files = filesUnder(outputDir);
    const mainBytes = files.filter((file) => !file.startsWith(path.join(outputDir, STAFF_PACKAGE.root) + path.sep)).reduce((sum, file) => sum + statSync(file).size, 0);
    expect(mainBytes).toBeLessThan(1.5 * 1024 * 1024);
  });

  it('keeps the staff subpackage under 2 MB, its charts and pages out of the main package', () => {
    const staffRoot = path.join(outputDir, STAFF_PACKAGE.root) + path.sep;
    const files = filesUnder(outputDir);
    const staffBytes = files.filter((file) => file.startsWith(staffRoot)).reduce((sum, file) => sum + statSync(file).size, 0);
    expect(staffBytes).toBeGreaterThan(0);
    expect(staffBytes).toBeLessThan(2 * 1024 * 1024);
    // The chart components and their library (uCharts) live only in the subpackage: no main-package
    // script carries the chart markup or uCharts' own messages, and a subpackage script does.
    const scripts = files.filter((file) => file.endsWith('.js'));
    const charting = (file: string) => ['chart-canvas', '[uCharts]'].some((marker) => readFileSync(file, 'utf8').includes(marker));
    expect(scripts.filter((file) => !file.startsWith(staffRoot)).filter(charting)).toEqual([]);
    expect(scripts.filter((file) => file.startsWith(staffRoot) && readFileSync(file, 'utf8').includes('[uCharts]')).length).toBeGreaterThan(0);
  });

  it('contains no eval and no Function constructor (WeChat rejects both)', () => {
    const offenders = filesUnder(outputDir)
      .filter((file) => file.endsWith('.js'))
      .filter((file) => /\beval\s*\(|new\s+Function\s*\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
