import type { Services } from '../container';
import { interestJobs } from '../components/interest/interest.jobs';
import { metricsJobs } from '../components/metrics/metrics.jobs';
import type { JobDefinition } from './scheduler';
import { sweepSecurityRecords } from './security-sweep';

/** Every scheduled job. Each calls component services, and each is safe to rerun. */
export function jobDefinitions(services: Services): JobDefinition[] {
  const { points, invites, rewards, orders } = services;
  return [
    {
      name: 'points-expiry',
      title: '积分过期处理',
      schedule: { kind: 'daily', at: '00:30' },
      run: async (now) => ({ ...(await points.expireDue(now)) }),
    },
    {
      name: 'points-reconcile',
      title: '积分余额对账',
      schedule: { kind: 'daily', at: '03:00' },
      leaseMs: 30 * 60_000,
      run: async (now) => {
        const report = await points.reconcile(now);
        return { checked: report.checked, finishedEntries: report.finishedEntries, repaired: report.repaired.length, repairs: report.repaired.slice(0, 50) };
      },
    },
    {
      // After a crash a balance can lag its ledger; this closes the gap within minutes (caught up on start).
      name: 'points-repair',
      title: '积分中断补偿（近 24 小时）',
      schedule: { kind: 'every_minutes', minutes: 5 },
      run: async (now) => ({ ...(await points.repairRecent(now)) }),
    },
    {
      name: 'security-sweep',
      title: '清理过期的绑定码、尝试记录与扫码去重',
      schedule: { kind: 'hourly', minute: 5 },
      run: async (now) => ({ ...(await sweepSecurityRecords(now)) }),
    },
    {
      name: 'invites-maintenance',
      title: '邀请奖励：补录与过期',
      schedule: { kind: 'hourly', minute: 10 },
      run: async (now) => ({ ...(await invites.repairMissing(now)), ...(await invites.lapseExpired(now)) }),
    },
    {
      name: 'invites-fraud-scan',
      title: '邀请风控扫描',
      schedule: { kind: 'hourly', minute: 20 },
      run: async (now) => ({ ...(await invites.scanFraud(now)) }),
    },
    {
      name: 'rewards-repair',
      title: '兑换中断修复',
      schedule: { kind: 'every_minutes', minutes: 15 },
      run: async (now) => ({ ...(await rewards.repairRedemptions({ now })) }),
    },
    {
      name: 'orders-repair',
      title: '订单状态与积分补偿',
      schedule: { kind: 'hourly', minute: 40 },
      leaseMs: 30 * 60_000,
      run: async (now) => ({ ...(await orders.repair(new Date(now.getTime() - 2 * 24 * 3600_000))) }),
    },
    ...metricsJobs(services),
    ...interestJobs(services.interest),
    ...services.componentJobs,
  ];
}
