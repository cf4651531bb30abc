import type { Connection } from 'mongoose';
import type { Config } from './config/config';
import type { EmbeddedDatabase } from './db/embedded-database';
import type { AcquisitionService } from './components/acquisition/acquisition.service';
import type { SceneSigner } from './components/acquisition/scene-signer';
import type { AudienceService } from './components/audiences/audiences.service';
import type { Guards } from './components/auth/auth.guard';
import type { IdentityResolver } from './components/auth/identity';
import type { SessionService } from './components/auth/session.service';
import type { Campaigns } from './components/campaigns/campaigns.component';
import type { GroupServices } from './components/groups/groups.component';
import type { MediaService } from './components/media/media.service';
import type { InterestService } from './components/interest/interest.service';
import type { InviteService } from './components/invites/invite.service';
import type { LabelService } from './components/labels/labels.service';
import type { MetricsService } from './components/metrics/metrics.service';
import type { ScorecardsService } from './components/scorecards/scorecards.service';
import type { ContentService } from './components/content/content.service';
import type { CreditService } from './components/credits/credits.service';
import type { OrderService } from './components/orders/orders.service';
import type { PointsService } from './components/points/points.service';
import type { ResidentService } from './components/residents/resident.service';
import type { RewardsService } from './components/rewards/rewards.service';
import type { ChurnService } from './components/churn/churn.service';
import type { SopService } from './components/sop/sop.service';
import type { TaskService } from './components/tasks/tasks.service';
import type { Logger } from './lib/logger';
import type { PublicLinks } from './lib/public-links';
import type { WechatClient } from './wechat/wechat-client';

/** What the process hands the composition root. */
export interface AppDependencies {
  config: Config;
  logger: Logger;
  connection: Connection;
  /** The embedded database's supervisor, for /healthz; absent with MONGODB_URI. */
  embeddedDatabase?: Pick<EmbeddedDatabase, 'state'>;
  /** The clock of time-driven group moderation (mutes ending); tests pass one they can move. */
  now?: () => Date;
  /** The clock of the guards' caller cache (ms since the epoch); tests pass one they can move. */
  authClock?: () => number;
}

/**
 * Every component's services, built once per app by `createServices` (container.ts). Types only:
 * routers and jobs import this file, the container imports them, so nothing imports the container
 * but the app.
 */
export interface Services extends AppDependencies {
  wechat: WechatClient | null;
  /** Links handed out (code images, invite links): H5_BASE_URL or where the server listens. */
  links: PublicLinks;
  signer: SceneSigner;
  sessions: SessionService;
  guards: Guards;
  identity: IdentityResolver;
  acquisition: AcquisitionService;
  residents: ResidentService;
  points: PointsService;
  invites: InviteService;
  rewards: RewardsService;
  tasks: TaskService;
  orders: OrderService;
  credits: CreditService;
  metrics: MetricsService;
  scorecards: ScorecardsService;
  interest: InterestService;
  labels: LabelService;
  audiences: AudienceService;
  campaigns: Campaigns;
  groups: GroupServices;
  sop: SopService;
  churn: ChurnService;
  media: MediaService;
  content: ContentService;
}
