import type { ApiRouter } from '../../lib/api-router';
import type { Guards } from '../auth/auth.guard';
import type { LabelService } from '../labels/labels.service';
import type { TaskService } from '../tasks/tasks.service';
import { audiencesRouter } from './audiences.router';
import { AudienceService } from './audiences.service';

export { AudienceService } from './audiences.service';

export interface AudiencesComponent {
  /** Implements `AudienceResolver` for campaigns and pushes. */
  audiences: AudienceService;
  routers: ApiRouter[];
}

/**
 * Builds the audience service and its router (`/audiences/*`). With `tasks`, special tasks may be
 * limited to an audience (shown to and counted for its members only).
 */
export function createAudiencesComponent({ guards, labels, tasks }: { guards: Guards; labels: LabelService; tasks?: TaskService }): AudiencesComponent {
  const audiences = new AudienceService(labels);
  tasks?.useAudiences(audiences);
  return { audiences, routers: [audiencesRouter(guards, audiences)] };
}
