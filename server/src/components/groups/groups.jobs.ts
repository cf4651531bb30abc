import type { JobDefinition } from '../../jobs/scheduler';
import type { GroupServices } from './groups.component';

/** Deletes bind codes and wrong-attempt records once they are a day past use. */
export function groupsJobs({ bindCodes }: GroupServices): JobDefinition[] {
  return [
    {
      name: 'bind-codes-sweep',
      title: '清理过期的绑定码与尝试记录',
      schedule: { kind: 'hourly', minute: 5 },
      run: async (now) => {
        await bindCodes.sweep(now);
        return {};
      },
    },
  ];
}
