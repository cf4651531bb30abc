import { MAIN_PAGES, STAFF_PACKAGE, TAB_PAGES } from './constants/routes';

export default defineAppConfig({
  pages: [...MAIN_PAGES],
  subPackages: [{ root: STAFF_PACKAGE.root, pages: [...STAFF_PACKAGE.pages] }],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#1aad5c',
    navigationBarTitleText: '邻里鲜生',
    navigationBarTextStyle: 'white',
    backgroundColor: '#f5f6f7',
  },
  tabBar: {
    color: '#8f959e',
    selectedColor: '#1aad5c',
    backgroundColor: '#ffffff',
    borderStyle: 'white',
    list: TAB_PAGES.map((tab) => ({
      pagePath: tab.pagePath,
      text: tab.text,
      // PNGs rendered from the SVG icons (scripts/render-tab-icons.js): the native tab bar takes no SVG.
      iconPath: `assets/tab/${tab.icon}.png`,
      selectedIconPath: `assets/tab/${tab.icon}-active.png`,
    })),
  },
  permission: {
    'scope.userLocation': { desc: '用于为你找到最近的门店和可配送的小区' },
  },
  requiredPrivateInfos: ['getLocation'],
});
