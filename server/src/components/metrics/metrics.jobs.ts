import type { JobDefinition } from '../../jobs/scheduler';
import type { MetricsService } from './metrics.service';

/** The metrics jobs. All are safe to rerun: rollups rewrite whole documents, reviews are keyed by period. */
export function metricsJobs(metrics: MetricsService): JobDefinition[] {
  return [
    {
      name: 'metrics-rollup',
      title: '增长指标日汇总',
      schedule: { kind: 'daily', at: '01:00' },
      leaseMs: 30 * 60_000,
      run: async (now) => metrics.nightly(now),
    },
    {
      name: 'metrics-today',
      title: '今日增长指标（每 10 分钟）',
      schedule: { kind: 'every_minutes', minutes: 10 },
      leaseMs: 10 * 60_000,
      run: async (now) => metrics.rollupToday(now),
    },
    {
      name: 'metrics-review',
      title: '双周复盘报告',
      schedule: { kind: 'daily', at: '06:00' },
      leaseMs: 30 * 60_000,
      run: async (now) => metrics.reviewIfDue(now),
    },
  ];
}
