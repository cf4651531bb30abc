import type { JobDefinition } from '../../jobs/scheduler';
import type { ChurnService } from './churn.service';

/** Hourly: new leaves and lapses become alerts (once per episode); residents who ordered again close theirs. */
export function churnJobs(churn: ChurnService): JobDefinition[] {
  return [
    {
      name: 'churn-detect',
      title: '发现退群和久未下单的居民，提醒负责的顾问',
      schedule: { kind: 'hourly', minute: 20 },
      run: async (now) => ({ ...(await churn.detect(now)) }),
    },
  ];
}
