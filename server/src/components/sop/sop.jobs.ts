import type { JobDefinition } from '../../jobs/scheduler';
import type { SopService } from './sop.service';

/** Every 5 minutes: what content plans made due goes into the bot's delivery queue (idempotent). */
export function sopJobs(sop: SopService): JobDefinition[] {
  return [
    {
      name: 'sop-materialise',
      title: '生成到期的内容方案消息',
      schedule: { kind: 'every_minutes', minutes: 5 },
      run: async (now) => ({ ...(await sop.materialise(now)) }),
    },
  ];
}
