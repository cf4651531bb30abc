import type { JobDefinition } from '../../jobs/scheduler';
import type { InterestService } from './interest.service';

/** The nightly rebuild. Safe to rerun: each label is rewritten whole under the run's modelId. */
export function interestJobs(interest: InterestService): JobDefinition[] {
  return [
    {
      name: 'interest-rebuild',
      title: '兴趣预测标签重建',
      schedule: { kind: 'daily', at: '01:30' },
      leaseMs: 2 * 3600_000,
      run: async (now) => {
        const run = await interest.rebuild(now);
        return { modelId: run.modelId, ...run.counts, ...run.timings, ...run.memory };
      },
    },
  ];
}
