import type { z } from 'zod';
import { DAY_MS } from '@o2o/shared/rules/china-time';
import { createTaskDefinitionSchema } from '@o2o/shared/schemas/tasks';
import { CityModel } from '../organisation/organisation.model';
import { TaskRepository } from './tasks.repository';
import { definitionFields } from './tasks.service';

const NEWBIE_DAYS = 7;
const INVITE_CAMPAIGN_DAYS = 30;

function demoTasks(now: Date, cityId: string | null): z.input<typeof createTaskDefinitionSchema>[] {
  const newbie = { kind: 'newbie', period: { kind: 'once' }, target: 1, newbieWindowDays: NEWBIE_DAYS } as const;
  return [
    { ...newbie, eventType: 'signup_completed', rewardPoints: 20, displayOrder: 1, title: '完成注册', description: '确认所在小区，完成注册即得积分', nextStep: '扫描门店二维码完成注册' },
    { ...newbie, eventType: 'profile_completed', rewardPoints: 10, displayOrder: 2, title: '完善资料', description: '填写昵称、小区、楼栋门牌和手机号，方便门店为你配送', nextStep: '去“我的”页面完善资料' },
    { ...newbie, eventType: 'joined_group', rewardPoints: 10, displayOrder: 3, title: '加入门店社群', description: '加入门店社群，第一时间获取特惠和配送通知', nextStep: '去门店页扫码加入社群' },
    { ...newbie, eventType: 'first_order', rewardPoints: 100, displayOrder: 4, title: '完成首单', description: '注册 7 天内完成第一笔订单', nextStep: '去小程序或门店下单' },
    { ...newbie, eventType: 'order_shown', rewardPoints: 20, displayOrder: 5, title: '发一条晒单', description: '在邻里圈晒一晒你买过的好物，关联一笔已完成的订单', nextStep: '去邻里圈发帖，选择要晒的订单' },
    { kind: 'daily', period: { kind: 'daily' }, eventType: 'group_checkin', target: 1, rewardPoints: 5, displayOrder: 1, title: '每日签到', description: '每天在小程序或门店社群签到一次，连续签到不断签', nextStep: '在首页签到，或在社群发送“签到”' },
    { kind: 'daily', period: { kind: 'daily' }, eventType: 'activity_viewed', target: 1, rewardPoints: 2, displayOrder: 2, title: '浏览今日特惠', description: '每天看看门店的今日特惠', nextStep: '去门店页查看今日特惠' },
    { kind: 'daily', period: { kind: 'weekly' }, eventType: 'order_completed', target: 2, rewardPoints: 30, displayOrder: 3, title: '本周下单 2 次', description: '每周完成 2 笔订单', nextStep: '去小程序下单' },
    {
      kind: 'special',
      period: { kind: 'range', startsAt: now.toISOString(), endsAt: new Date(now.getTime() + INVITE_CAMPAIGN_DAYS * DAY_MS).toISOString() },
      eventType: 'invite_succeeded',
      target: 3,
      rewardPoints: 60,
      displayOrder: 1,
      cityId,
      title: '邀请邻居',
      description: '活动期间邀请 3 位邻居注册并完成首单',
      nextStep: '去“邀请邻居”页面分享海报',
    },
    { kind: 'special', period: { kind: 'weekly' }, eventType: 'comment_posted', target: 3, rewardPoints: 15, displayOrder: 2, title: '本周评论 3 次', description: '每周在邻里圈给邻居的帖子写 3 条评论', nextStep: '去邻里圈看看邻居的帖子并评论' },
  ];
}

/**
 * Demo tasks: five newbie tasks (the last a 晒单 in 邻里圈), three daily ones (one weekly), a special
 * invite campaign for the first city and a special weekly comment task for everyone. Does nothing
 * if any task exists, so start-up may call it every time.
 */
export async function seedDemoTasks(now = new Date()): Promise<{ created: number }> {
  const repository = new TaskRepository();
  if (await repository.anyDefinitionExists()) return { created: 0 };
  const city = await CityModel.findOne({}, { _id: 1 }).sort({ _id: 1 }).lean();
  const specs = demoTasks(now, city ? String(city._id) : null);
  await repository.insertDefinitions(specs.map((spec) => definitionFields(createTaskDefinitionSchema.parse(spec), null)));
  return { created: specs.length };
}
