import type { JobDefinition } from '../../jobs/scheduler';
import { ScanDedupeModel, SCAN_DEDUPE_BUCKET_MS } from './acquisition.model';

/** Deletes scan de-duplication keys once their bucket is long past (they only matter for a few minutes). */
export async function sweepScanDedupes(now: Date): Promise<{ scanDedupes: number }> {
  const scans = await ScanDedupeModel.deleteMany({ at: { $lt: new Date(now.getTime() - 2 * SCAN_DEDUPE_BUCKET_MS) } });
  return { scanDedupes: scans.deletedCount ?? 0 };
}

export function acquisitionJobs(): JobDefinition[] {
  return [
    {
      name: 'scan-dedupe-sweep',
      title: '清理过期的扫码去重记录',
      schedule: { kind: 'hourly', minute: 5 },
      run: async (now) => ({ ...(await sweepScanDedupes(now)) }),
    },
  ];
}
