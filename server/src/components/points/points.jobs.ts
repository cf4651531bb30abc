import type { JobDefinition } from '../../jobs/scheduler';
import type { PointsService } from './points.service';

/** Expiry, the nightly reconcile, and the repair of balances a crash left behind their ledger. Each is safe to rerun. */
export function pointsJobs(points: PointsService): JobDefinition[] {
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
  ];
}
