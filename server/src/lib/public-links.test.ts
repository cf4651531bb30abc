import { listen } from '../http-server';
import { seedDemoData } from '../seed/demo-data';
import { createTestApplication, testConfig } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';
import { createLogger } from './logger';
import { PublicLinks } from './public-links';

useTestDatabase();
jest.setTimeout(60_000);

describe('links the server hands out', () => {
  it('use H5_BASE_URL when it is set', () => {
    const links = new PublicLinks(testConfig({ H5_BASE_URL: 'https://shop.example.cn/h5/' }));
    links.listeningOn('127.0.0.1', 3104);
    expect(links.landingUrl('i.abc.def')).toBe('https://shop.example.cn/h5/#/pages/landing/index?scene=i.abc.def');
  });

  it('otherwise follow the configured port, then the port the server really listens on', () => {
    const links = new PublicLinks(testConfig({ PORT: '3104' }));
    expect(links.h5BaseUrl()).toBe('http://127.0.0.1:3104/h5');
    links.listeningOn('0.0.0.0', 41234);
    expect(links.h5BaseUrl()).toBe('http://127.0.0.1:41234/h5');
    links.listeningOn('::1', 41235);
    expect(links.h5BaseUrl()).toBe('http://[::1]:41235/h5');
    expect(links.miniProgramPath('c.x.y')).toBe('/pages/landing/index?scene=c.x.y');
  });

  it('when the server listens on a random port, then code and invite links point at that port', async () => {
    await seedDemoData();
    const { app, services } = createTestApplication();
    const running = await listen(app, { host: '127.0.0.1', port: 0, timeoutMs: 1000, logger: createLogger('silent') });
    services.links.listeningOn('127.0.0.1', running.port);
    try {
      const base = `http://127.0.0.1:${running.port}`;
      const login = async (code: string) =>
        ((await (await fetch(`${base}/auth/wechat-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })).json()) as { token: string }).token;
      const advisor = await login('dev:advisor-xujiahui-1');
      const codes = (await (await fetch(`${base}/codes`, { headers: { authorization: `Bearer ${advisor}` } })).json()) as { h5Url: string }[];
      expect(codes[0].h5Url.startsWith(`${base}/h5/#/pages/landing/index?scene=`)).toBe(true);
      const resident = await login('dev:links-resident');
      const invite = (await (await fetch(`${base}/invites/me`, { headers: { authorization: `Bearer ${resident}` } })).json()) as { h5Url: string };
      expect(invite.h5Url.startsWith(`${base}/h5/#/pages/landing/index?scene=i.`)).toBe(true);
    } finally {
      await running.shutdown();
    }
  });
});
