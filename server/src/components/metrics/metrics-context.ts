import { chinaDateKey } from '@o2o/shared/rules/china-time';
import type { MetricTables } from './metric-tables';
import type { MetricsRepository } from './metrics.repository';

/** What every part of the metrics component shares: its data, its definitions and its clock. */
export interface MetricsContext {
  repository: MetricsRepository;
  tables: MetricTables;
  now: () => Date;
}

/** Today's China-time day key by the context's clock. */
export function todayOf(context: MetricsContext): string {
  return chinaDateKey(context.now());
}
