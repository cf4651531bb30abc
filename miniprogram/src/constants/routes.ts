import { STAFF_PAGE_PATHS } from './staff-pages';

/** Every page of the app; app.config.ts and the weapp build test read these lists. */
export const MAIN_PAGES = [
  'pages/landing/index',
  'pages/home/index',
  'pages/store/index',
  'pages/me/index',
  'pages/offers/index',
  'pages/profile/index',
  'pages/orders/index',
  'pages/points/index',
  'pages/rewards/index',
  'pages/coupons/index',
  'pages/invite/index',
  'pages/feed/index',
  'pages/post/index',
  'pages/compose/index',
] as const;

/** The tab bar: the places a resident goes back to. */
export const TAB_PAGES = [
  { pagePath: 'pages/home/index', text: '首页', icon: 'home' },
  { pagePath: 'pages/feed/index', text: '邻里', icon: 'neighbours' },
  { pagePath: 'pages/store/index', text: '门店', icon: 'store' },
  { pagePath: 'pages/me/index', text: '我的', icon: 'user' },
] as const;

export const STAFF_PACKAGE = {
  root: 'packages/staff',
  pages: STAFF_PAGE_PATHS,
} as const;

export const ROUTES = {
  landing: '/pages/landing/index',
  home: '/pages/home/index',
  store: '/pages/store/index',
  me: '/pages/me/index',
  offers: '/pages/offers/index',
  profile: '/pages/profile/index',
  orders: '/pages/orders/index',
  points: '/pages/points/index',
  rewards: '/pages/rewards/index',
  coupons: '/pages/coupons/index',
  invite: '/pages/invite/index',
  feed: '/pages/feed/index',
  post: '/pages/post/index',
  compose: '/pages/compose/index',
  staffHome: '/packages/staff/home/index',
  staffCodes: '/packages/staff/codes/index',
  staffCodeCreate: '/packages/staff/code-create/index',
  staffProgress: '/packages/staff/progress/index',
  staffTouchpoint: '/packages/staff/touchpoint/index',
  staffPortrait: '/packages/staff/portrait/index',
  staffGroups: '/packages/staff/groups/index',
  staffFlags: '/packages/staff/flags/index',
  staffTickets: '/packages/staff/tickets/index',
  staffContent: '/packages/staff/content/index',
} as const;

export function isTabPage(url: string): boolean {
  const path = url.split('?')[0].replace(/^\//, '');
  return TAB_PAGES.some((tab) => tab.pagePath === path);
}
