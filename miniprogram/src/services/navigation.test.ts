import { safeRedirect } from './navigation';

jest.mock('@tarojs/taro', () => ({ __esModule: true, default: {} }));

describe('returning to the page a resident came for after sign-in', () => {
  it('accepts our own resident pages, with their query', () => {
    expect(safeRedirect('/pages/invite/index')).toBe('/pages/invite/index');
    expect(safeRedirect(encodeURIComponent('/pages/coupons/index?tab=used'))).toBe('/pages/coupons/index?tab=used');
  });

  it('refuses anything else: other sites, the landing page itself, staff pages, garbage', () => {
    for (const target of ['https://evil.example/pages/home/index', '/pages/landing/index?redirect=x', '/packages/staff/codes/index', '%E0%A4%A', '', null]) {
      expect(safeRedirect(target)).toBeNull();
    }
  });
});
