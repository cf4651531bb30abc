import { ScanDedupeModel, SCAN_DEDUPE_BUCKET_MS } from '../components/acquisition/acquisition.model';
import { BindCodeService } from '../components/groups/bind-codes.service';

/** Deletes records that only matter for a short while: expired bind codes, old attempt slots, old scan buckets. */
export async function sweepSecurityRecords(now: Date): Promise<{ scanDedupes: number }> {
  await new BindCodeService().sweep(now);
  const scans = await ScanDedupeModel.deleteMany({ at: { $lt: new Date(now.getTime() - 2 * SCAN_DEDUPE_BUCKET_MS) } });
  return { scanDedupes: scans.deletedCount ?? 0 };
}
