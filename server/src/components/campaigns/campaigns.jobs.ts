import type { JobDefinition } from '../../jobs/scheduler';
import type { PushService } from './pushes.service';

/** Resumes pushes WeChat's daily quota paused; safe to rerun, because a send never resends. */
export function campaignJobs(pushes: PushService): JobDefinition[] {
  return [
    {
      name: 'campaign-pushes-resume',
      title: '订阅消息推送：额度恢复后续发',
      schedule: { kind: 'hourly', minute: 50 },
      leaseMs: 30 * 60_000,
      run: async (now) => ({ ...(await pushes.resumePaused(now)) }),
    },
  ];
}
