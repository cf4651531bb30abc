import { isOpenAt, type OpeningWindow } from '@o2o/shared/rules/opening-hours';
import { RULE_LABELS, type ModerationRule } from '@o2o/shared/rules/moderation';
import { chinaTimeText } from '@o2o/shared/rules/china-time';
import { pricePerUnit, type PriceUnit } from '@o2o/shared/rules/product-match';
import { weekdayName, windowsOn, type TimeAsked } from '@o2o/shared/rules/time-asked';
import type { BotGroupContext, CheckinResult, GroupStats, IdentitySummary, ProductSearchResult } from '@o2o/shared/schemas/groups';

/** Reply builders: pure functions from data to Simplified Chinese text. */

type Store = NonNullable<BotGroupContext['store']>;
type Style = BotGroupContext['settings']['replyStyle'];

export function yuan(cents: number): string {
  return `${(cents / 100).toFixed(2).replace(/\.00$/, '').replace(/(\.\d)0$/, '$1')} 元`;
}

/** `friendly` adds a warm word; `brief` is the bare answer. */
export function styled(text: string, style: Style): string {
  return style === 'friendly' ? `${text} 😊` : text;
}

export function hoursReply(store: Store, now: Date, when: TimeAsked | null = null): string {
  if (when && !when.today) {
    const days = when.weekdays.map((weekday) => {
      const windows = windowsOn(store.openingHours as OpeningWindow[], weekday);
      return `${weekdayName(weekday)} ${windows.length > 0 ? windows.map((window) => `${window.open}-${window.close}`).join('、') : '休息'}`;
    });
    return `${store.name}${when.label}的营业时间：${days.join('；')}。`;
  }
  const open = isOpenAt(store.openingHours as OpeningWindow[], now);
  return `${store.name}营业时间：${store.hoursText}。现在${open ? '正在营业，欢迎光临' : '已经打烊了，营业时间内再来哦'}。`;
}

const clockText = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** "明天早上七点前能送到吗": whether the store is open by then on that day, from its opening hours. */
export function deliveryTimeReply(store: Store, when: TimeAsked): string {
  const weekday = when.weekdays[0];
  const windows = windowsOn(store.openingHours as OpeningWindow[], weekday);
  const day = when.today ? '今天' : when.label;
  if (windows.length === 0) return `门店${day}休息，不能配送，可以提前在小程序下单，营业后配送。`;
  const opens = Math.min(...windows.map((window) => window.openMinutes));
  const hours = windows.map((window) => `${window.open}-${window.close}`).join('、');
  if (when.minutes !== null && when.minutes <= opens) {
    return `门店${day}${clockText(opens)}才开始营业，${clockText(when.minutes)}${when.before ? '前' : ''}送不到哦；可以提前在小程序下单，开门后尽快配送。`;
  }
  if (when.minutes !== null) {
    return `${day}${clockText(when.minutes)}门店${windows.some((window) => when.minutes! >= window.openMinutes && when.minutes! < window.closeMinutes) ? '在营业' : '已打烊'}（${hours}）；营业时间内在小程序下单就能配送，具体送达时间以店员确认为准。`;
  }
  return `门店${day}营业时间 ${hours}，营业时间内在小程序下单就能配送，具体送达时间以店员确认为准。`;
}

export function addressReply(store: Store): string {
  return `${store.name}地址：${store.address}，电话 ${store.contactPhone}。`;
}

export function deliveryReply(store: Store): string {
  const { radiusKm, feeCents, freeAboveCents, minOrderCents } = store.delivery;
  const parts = [`门店周边 ${radiusKm} 公里内可以配送`, feeCents > 0 ? `配送费 ${yuan(feeCents)}` : '免配送费'];
  if (freeAboveCents !== null && feeCents > 0) parts.push(`满 ${yuan(freeAboveCents)}免配送费`);
  if (minOrderCents > 0) parts.push(`${yuan(minOrderCents)}起送`);
  return `${parts.join('，')}。在小程序下单即可送货上门。`;
}

export function offersReply(context: BotGroupContext, when: TimeAsked | null = null): string {
  const { notes, products } = context.offers;
  const later = when && !when.today && when.dayOffset !== 0;
  const today = [...notes.map((note) => `· ${note}`), ...products.map((product) => `· ${product.name} ${yuan(product.priceCents)}`)];
  if (later) {
    const head = `${when.label}的活动还没有公布，有新活动会第一时间在群里通知大家。`;
    return today.length > 0 ? [head, '今天的优惠：', ...today].join('\n') : head;
  }
  if (today.length === 0) return '今天暂时没有特别的优惠活动，有新活动会第一时间在群里通知大家。';
  return ['今日优惠：', ...today].join('\n');
}

export function productReply(keyword: string, result: ProductSearchResult | null, unit: PriceUnit | null = null, entry = ''): string {
  if (!result || !result.catalogueAvailable) return `“${keyword}”有没有货，我这边暂时查不到，请 @店员 帮忙确认一下。`;
  if (result.products.length === 0) return `暂时没有找到“${keyword}”，可以问问店员能不能帮忙订货。`;
  const lines = result.products.map((product) => {
    const perUnit = unit ? pricePerUnit(product.name, product.priceCents, unit) : null;
    const stock = product.inStock === false ? '，暂时缺货' : product.inStock === true ? '，有货' : '';
    return `${product.name} ${yuan(product.priceCents)}${perUnit !== null ? `（合 ${yuan(perUnit)}/${unit}）` : ''}${stock}`;
  });
  const allOut = result.products.every((product) => product.inStock === false);
  // The product's page in the mini-program: the store's products opened on its category.
  const link = `在小程序“优惠”页的「${result.products[0].category || '全部'}」里下单，或到店购买`;
  return `${allOut ? '在售但暂时缺货：' : '有的！'}${lines.join('；')}。${link}${entry ? `（${entry}）` : ''}。`;
}

export function pointsHowReply(context: BotGroupContext): string {
  const earn = context.earnWays.slice(0, 6).map((way) => `· ${way.title}：+${way.rewardPoints} 分（${way.nextStep}）`);
  const spend = context.spendWays.slice(0, 4).map((way) => `· ${way.pointsCost} 分兑换 ${way.name}`);
  return [
    '积分怎么赚：',
    ...(earn.length > 0 ? earn : ['· 下单、每日在群里发“签到”都能得积分']),
    '积分怎么用：',
    ...(spend.length > 0 ? spend : ['· 在小程序“积分”页兑换优惠券']),
    '在群里或私聊我发“我的积分”可以查余额（需先绑定小程序账号）。',
  ].join('\n');
}

export const BIND_HINT = '打开小程序“我的”页面获取绑定码，然后私聊我发送“绑定 123456789012”（换成你的 12 位数字码）';

export function privateDataPointer(bound: boolean): string {
  return bound ? '你的个人信息我已经私信发给你了，请查看私聊。' : `查询个人积分和订单需要先绑定账号：${BIND_HINT}。`;
}

export function pointsBalanceReply(summary: IdentitySummary): string {
  if (!summary.bound || summary.kind !== 'resident' || !summary.points) return `还没有绑定小程序账号：${BIND_HINT}。`;
  const { available, pending, expiringSoonTotal } = summary.points;
  return [`你的可用积分：${available} 分`, pending > 0 ? `待到账：${pending} 分` : null, expiringSoonTotal > 0 ? `其中 ${expiringSoonTotal} 分即将过期，记得尽快使用` : null]
    .filter(Boolean)
    .join('\n');
}

const ORDER_STATES: Record<string, string> = { paid: '已支付，正在备货配送', completed: '已完成', cancelled: '已取消', refunded: '已退款' };

export function orderStatusReply(summary: IdentitySummary): string {
  if (!summary.bound || summary.kind !== 'resident') return `还没有绑定小程序账号：${BIND_HINT}。`;
  if (!summary.ordersAvailable) return '订单信息暂时查不到，请稍后再试或联系店员。';
  const order = summary.latestOrder;
  if (!order) return '还没有查到你的订单，在小程序下单后就能在这里查询状态。';
  const placed = new Date(order.placedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `你最近的订单（${placed} 下单${order.storeName ? `，${order.storeName}` : ''}，${yuan(order.totalCents)}）：${ORDER_STATES[order.state] ?? order.state}。`;
}

export function checkinReply(result: CheckinResult): string | null {
  switch (result.status) {
    case 'checked_in':
      return result.pointsEarned > 0
        ? `签到成功！+${result.pointsEarned} 积分${result.available !== null ? `，当前可用 ${result.available} 分` : ''}。`
        : '签到成功！今天的签到没有积分奖励（已领过或活动未开启）。';
    case 'already_checked_in':
      return '今天已经签过到啦，明天再来～';
    case 'not_bound':
      return `签到记下了，但你还没有绑定小程序账号，领不了积分：${BIND_HINT}。`;
    default:
      return null;
  }
}

export const CHECKIN_QUEUED = '签到收到！系统稍忙，积分会稍后自动到账。';

/** After a ticket exists: "已提醒店员" only when a staff member was told privately. */
export function handoffReply(notified: number): string {
  return notified > 0 ? '这个问题我还答不上来，已提醒店员，请稍等店员回复～' : '这个问题我还答不上来，已经转给店员，店员看到后会回复你～';
}

export function complaintReply(notified: number): string {
  return notified > 0 ? '非常抱歉给你添麻烦了！已提醒店员，店员会尽快联系你处理。' : '非常抱歉给你添麻烦了！已经转给店员，店员看到后会尽快联系你处理。';
}

/** The ticket could not be opened (server away): no promise that staff know. */
export function handoffFailedReply(phone: string | null): string {
  return `系统有点忙，暂时没能转给店员，请稍后再 @我${phone ? `，或直接致电门店 ${phone}` : ''}。`;
}

export function greetingReply(): string {
  return '你好！我是本群小助手，可以问我营业时间、配送、商品价格和积分，比如“几点关门”“有大米吗”“怎么退货”。';
}

export function warningReply(rule: ModerationRule, groupRules: string): string {
  return `请勿${RULE_LABELS[rule]}，这是第一次提醒。${groupRules}`;
}

/** A mute, as the bot can model one: said in the group to the member (mentioned). */
export function mutedReply(rule: ModerationRule, strike: number, days: number, until: Date, lastMute: boolean): string {
  const next = lastMute ? '期满后再次违规将被移出本群。' : '期满后再次违规，禁言时间会更长。';
  return `因${RULE_LABELS[rule]}（第 ${strike} 次违规），禁言 ${days} 天，到 ${chinaTimeText(until)} 结束。禁言期间请不要发言，发言将视为再次违规；${next}`;
}

export function staffReport(member: string, topic: string, rule: ModerationRule, evidence: string, strike: number): string {
  return `【群管理】「${topic}」的成员「${member}」第 ${strike} 次违规：${RULE_LABELS[rule]}。\n证据：${evidence.slice(0, 200)}`;
}

export function removedNotice(member: string, rule: ModerationRule): string {
  return `「${member}」多次${RULE_LABELS[rule]}，已被移出本群。`;
}

export function askStaffToRemove(member: string, rule: ModerationRule): string {
  return `「${member}」多次${RULE_LABELS[rule]}，我没有踢人权限，请群主或管理员将其移出本群。`;
}

export function statsReply(stats: GroupStats): string {
  return [
    `今日群数据（${stats.day}）：`,
    `成员 ${stats.members} 人，今日发言 ${stats.messages} 条（${stats.activeMembers} 人发言，人均 ${stats.messagesPerMember} 条）`,
    `新进群 ${stats.joins} 人，退群 ${stats.leaves} 人`,
    `签到 ${stats.checkins} 人，违规处理 ${stats.moderationActions} 次`,
    `小助手答复 ${stats.questionsAnswered} 个问题，转交店员 ${stats.questionsToStaff} 个`,
    `群内卡片和分享带来订单 ${stats.ordersCredited} 笔，共 ${(stats.revenueCreditedCents / 100).toFixed(2)} 元`,
  ].join('\n');
}

export const STAFF_HELP = [
  '管理指令（仅工作人员）：',
  '· 公告 内容 —— 在群里发布公告',
  '· 添加问答 问题1/问题2 答 答案',
  '· 删除问答 问题',
  '· 特惠 内容 —— 记录今日特惠',
  '· 今日数据 —— 查看今日群数据',
  '· 暂停 / 恢复 —— 暂停或恢复小助手',
].join('\n');
