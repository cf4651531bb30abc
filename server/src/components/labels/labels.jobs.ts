import type { JobDefinition } from '../../jobs/scheduler';
import type { LabelService } from './labels.service';

/** The nightly full recompute; it rewrites whole documents, so rerunning it is safe and repairs failed refreshes. */
export function labelsJobs(labels: LabelService): JobDefinition[] {
  return [
    {
      name: 'labels-recompute',
      title: '用户标签全量重算',
      schedule: { kind: 'daily', at: '02:30' },
      leaseMs: 60 * 60_000,
      run: async (now) => ({ ...(await labels.recomputeAll(now)) }),
    },
  ];
}
