/** Every page of the app; app.config.ts and the weapp build test read these lists. */
export const MAIN_PAGES = [
  'pages/landing/index',
  'pages/home/index',
  'pages/points/index',
  'pages/rewards/index',
  'pages/coupons/index',
  'pages/invite/index',
] as const;

export const STAFF_PACKAGE = {
  root: 'packages/staff',
  pages: ['codes/index', 'code-create/index', 'progress/index', 'touchpoint/index', 'portrait/index', 'groups/index', 'flags/index'],
} as const;

export const ROUTES = {
  landing: '/pages/landing/index',
  home: '/pages/home/index',
  points: '/pages/points/index',
  rewards: '/pages/rewards/index',
  coupons: '/pages/coupons/index',
  invite: '/pages/invite/index',
  staffCodes: '/packages/staff/codes/index',
  staffCodeCreate: '/packages/staff/code-create/index',
  staffProgress: '/packages/staff/progress/index',
  staffTouchpoint: '/packages/staff/touchpoint/index',
  staffPortrait: '/packages/staff/portrait/index',
  staffGroups: '/packages/staff/groups/index',
  staffFlags: '/packages/staff/flags/index',
} as const;
