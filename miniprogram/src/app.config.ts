import { MAIN_PAGES, STAFF_PACKAGE } from './constants/routes';

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
});
