import type { JobDefinition } from '../../jobs/scheduler';
import type { ScorecardsService } from './scorecards.service';

/** The scorecard rollup, after the growth-metrics rollup (01:00) and the interest rebuild (01:30); safe to rerun: it rewrites whole month documents. */
export function scorecardsJobs(scorecards: ScorecardsService): JobDefinition[] {
  return [
    {
      name: 'scorecards-rollup',
      title: '成绩单月汇总',
      schedule: { kind: 'daily', at: '02:00' },
      leaseMs: 30 * 60_000,
      run: async (now) => scorecards.nightly(now),
    },
  ];
}
