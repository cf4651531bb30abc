import type { JobDefinition } from '../../jobs/scheduler';
import type { RewardsService } from './rewards.service';

/** Completes or unwinds redemptions a crash interrupted; safe to rerun, every step is keyed. */
export function rewardsJobs(rewards: RewardsService): JobDefinition[] {
  return [
    {
      name: 'rewards-repair',
      title: '兑换中断修复',
      schedule: { kind: 'every_minutes', minutes: 15 },
      run: async (now) => ({ ...(await rewards.repairRedemptions({ now })) }),
    },
  ];
}
