import type { JobDefinition } from '../../jobs/scheduler';
import type { InviteService } from './invite.service';

/** Invite upkeep: invites a crash left out, lapsed rewards, the fraud scan and the repurchase-tier sweep. Each is safe to rerun. */
export function inviteJobs(invites: InviteService): JobDefinition[] {
  return [
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
      name: 'invites-tier-sweep',
      title: '邀请奖励档位：次月复购补查',
      schedule: { kind: 'daily', at: '02:40' },
      run: async (now) => ({ ...(await invites.sweepTiers(now)) }),
    },
  ];
}
