import type { JobDefinition } from '../../jobs/scheduler';
import type { ApiRouter } from '../../lib/api-router';
import type { Logger } from '../../lib/logger';
import type { Guards } from '../auth/auth.guard';
import type { OrderService } from '../orders/orders.service';
import type { TaskService } from '../tasks/tasks.service';
import { LabelRefresher } from './label-refresher';
import { labelsJobs } from './labels.jobs';
import { labelsRouter } from './labels.router';
import { LabelService } from './labels.service';

export { seedLabelCatalogue } from './labels.catalogue';
export { LabelService } from './labels.service';
export { LabelRefresher } from './label-refresher';

export interface LabelsDependencies {
  guards: Guards;
  logger: Logger;
  /** Task event types that count as activity; pass `config.METRICS_ACTIVE_DEFINITION.eventTypes` to share the metrics' definition. */
  activityTypes?: readonly string[];
  /** Refreshes at once after events; default 4. */
  refreshConcurrency?: number;
}

export interface LabelsComponent {
  labels: LabelService;
  /** Refreshes residents soon after orders and task events; `idle()` waits for it. */
  refresher: LabelRefresher;
  routers: ApiRouter[];
  jobs: JobDefinition[];
}

/** Builds the label service, its router (`/labels/*`, `/residents/:residentId/labels*`), the refresher and the nightly job. */
export function createLabelsComponent({ guards, logger, activityTypes, refreshConcurrency }: LabelsDependencies): LabelsComponent {
  const labels = new LabelService({ logger, activityTypes });
  const refresher = new LabelRefresher((residentId) => labels.refreshResident(residentId), logger, refreshConcurrency);
  labels.scheduleRefresh = (residentId) => refresher.schedule(residentId);
  return { labels, refresher, routers: [labelsRouter(guards, labels)], jobs: labelsJobs(labels) };
}

/** Refreshes a resident's labels after each settled order and each new task event (not awaited; the nightly job repairs failures). */
export function refreshLabelsOnChanges(component: Pick<LabelsComponent, 'refresher'>, sources: { orders: OrderService; tasks: TaskService; logger: Logger }): void {
  const schedule = (residentId: Parameters<LabelRefresher['schedule']>[0]) => component.refresher.schedule(residentId);
  sources.orders.onResidentChanged(schedule);
  sources.tasks.onResidentChanged(schedule, sources.logger);
}
