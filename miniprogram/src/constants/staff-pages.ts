import type { StaffRole } from '@o2o/shared/schemas/staff';

/**
 * Every staff page and the roles that may use it. Navigation, the workbench and each page's
 * no-permission state read this one table, so a role is never shown a page whose endpoints
 * answer it 403 (the roles here are the guards of the endpoints each page calls).
 */
export interface StaffPageInfo {
  key: string;
  url: string;
  title: string;
  /** One line on the workbench: what the page is for. */
  hint: string;
  roles: readonly StaffRole[];
  /** Reached from another page (not listed in the navigation). */
  hidden?: boolean;
}

const ADVISOR = ['advisor'] as const;
const MANAGER = ['store_manager'] as const;
const MANAGERS = ['store_manager', 'city_ops', 'admin'] as const;
const REVIEWERS = ['city_ops', 'admin'] as const;
const STORE_STAFF = ['advisor', 'store_manager'] as const;
const EVERYONE = ['advisor', 'store_manager', 'city_ops', 'admin'] as const;

const root = '/packages/staff';
export const STAFF_PAGES: readonly StaffPageInfo[] = [
  { key: 'home', url: `${root}/home/index`, title: '工作台', hint: '今天要做的事', roles: EVERYONE },
  { key: 'codes', url: `${root}/codes/index`, title: '二维码', hint: '出示给居民扫码注册', roles: STORE_STAFF },
  { key: 'code-create', url: `${root}/code-create/index`, title: '新建活动码', hint: '新建一个活动码', roles: STORE_STAFF, hidden: true },
  { key: 'progress', url: `${root}/progress/index`, title: '我的进度', hint: '距 1000 位消费用户还差多少', roles: ADVISOR },
  { key: 'touchpoint', url: `${root}/touchpoint/index`, title: '记录触点', hint: '到店、配送、活动时见过的居民', roles: ADVISOR },
  { key: 'portrait', url: `${root}/portrait/index`, title: '小区画像', hint: '只填自己负责片区的小区', roles: ADVISOR },
  { key: 'todo', url: `${root}/todo/index`, title: '流失提醒', hint: '退群和久未下单的居民，该联系谁、怎么做', roles: EVERYONE },
  { key: 'tickets', url: `${root}/tickets/index`, title: '工单', hint: '居民的投诉和小助手答不上的问题', roles: EVERYONE },
  { key: 'verify', url: `${root}/verify/index`, title: '核销券', hint: '扫居民的券码，标记已使用', roles: MANAGER },
  { key: 'groups', url: `${root}/groups/index`, title: '社群数据', hint: '各群成员、发言、签到、管理', roles: MANAGERS },
  { key: 'faq', url: `${root}/faq/index`, title: '群问答', hint: '机器人在群里回答的问题', roles: MANAGERS },
  { key: 'broadcasts', url: `${root}/broadcasts/index`, title: '群发', hint: '定时发到群里的消息', roles: MANAGERS },
  { key: 'moderation', url: `${root}/moderation/index`, title: '管理记录', hint: '小助手警告、禁言和移出的记录，可撤销误判', roles: MANAGERS },
  { key: 'content', url: `${root}/content/index`, title: '邻里圈审核', hint: '被举报和已隐藏的帖子、评论：隐藏、恢复、置顶、以门店身份回复', roles: MANAGERS },
  { key: 'audiences', url: `${root}/audiences/index`, title: '人群', hint: '按场景和标签圈选居民，实时看人数', roles: MANAGERS },
  { key: 'campaigns', url: `${root}/campaigns/index`, title: '订阅消息', hint: '给保存的人群推送订阅消息，看发送结果', roles: MANAGERS },
  { key: 'team', url: `${root}/team/index`, title: '顾问进度', hint: '每位顾问的消费用户和转化', roles: MANAGERS },
  { key: 'scorecards', url: `${root}/scorecards/index`, title: '成绩单', hint: '每个码、点位、渠道、社群带来的转化和订单，排名对比上期', roles: EVERYONE },
  { key: 'dashboard', url: `${root}/dashboard/index`, title: '经营看板', hint: '转化、复购、渗透、顾问排名', roles: REVIEWERS },
  { key: 'review', url: `${root}/review/index`, title: '双周复盘', hint: '新手任务开启和完成、邻里圈内容和互动，对比上期', roles: REVIEWERS },
  { key: 'products', url: `${root}/products/index`, title: '商品与促销', hint: '卖得慢的商品，促销带来的变化', roles: REVIEWERS },
  { key: 'invite-rewards', url: `${root}/invite-rewards/index`, title: '邀请奖励', hint: '邀请奖励的档位和邀请榜', roles: REVIEWERS },
  { key: 'flags', url: `${root}/flags/index`, title: '风控审核', hint: '疑似刷邀请的居民', roles: REVIEWERS },
];

export function staffPage(key: string): StaffPageInfo {
  const page = STAFF_PAGES.find((candidate) => candidate.key === key);
  if (!page) throw new Error(`unknown staff page ${key}`);
  return page;
}

export function canUse(role: StaffRole | null | undefined, key: string): boolean {
  return Boolean(role) && staffPage(key).roles.includes(role!);
}

/** The pages a role sees in its navigation, in workbench order. */
export function pagesFor(role: StaffRole | null | undefined): StaffPageInfo[] {
  return STAFF_PAGES.filter((page) => !page.hidden && role && page.roles.includes(role));
}

/** The subpackage's page paths (relative to its root), for app.config.ts. */
export const STAFF_PAGE_PATHS = STAFF_PAGES.map((page) => page.url.slice(root.length + 1));
