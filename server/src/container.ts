import type { EmbeddedDatabase } from './db/embedded-database';
import type { Connection } from 'mongoose';
import type { Config } from './config/config';
import { AcquisitionService } from './components/acquisition/acquisition.service';
import { SceneSigner } from './components/acquisition/scene-signer';
import { createGuards, type Guards } from './components/auth/auth.guard';
import { createIdentityResolver, type IdentityResolver } from './components/auth/identity';
import { SessionService } from './components/auth/session.service';
import { InviteService } from './components/invites/invite.service';
import { PointsService } from './components/points/points.service';
import { ResidentService } from './components/residents/resident.service';
import { RewardsService } from './components/rewards/rewards.service';
import { TaskService } from './components/tasks/tasks.service';
import { OrderService } from './components/orders/orders.service';
import { MetricsService } from './components/metrics/metrics.service';
import { createAudiencesComponent, type AudienceService } from './components/audiences';
import { createCampaigns, type Campaigns } from './components/campaigns';
import { InterestService, interestParameters } from './components/interest';
import { createLabelsComponent, refreshLabelsOnChanges, type LabelRefresher, type LabelService } from './components/labels';
import type { ApiRouter } from './lib/api-router';
import type { JobDefinition } from './jobs/scheduler';
import { parseTemplateIds } from '@o2o/shared/rules/campaigns';
import { parseExpiryPolicy } from '@o2o/shared/rules/points-expiry';
import type { Logger } from './lib/logger';
import { PublicLinks } from './lib/public-links';
import { WechatClient } from './wechat/wechat-client';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  connection: Connection;
  /** The embedded database's supervisor, for /healthz; absent with MONGODB_URI. */
  embeddedDatabase?: Pick<EmbeddedDatabase, 'state'>;
}

/** Everything the routers need, built once per app from config. */
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
  metrics: MetricsService;
  interest: InterestService;
  labels: LabelService;
  labelRefresher: LabelRefresher;
  audiences: AudienceService;
  campaigns: Campaigns;
  /** Routers and jobs of the components built by factories (labels, audiences, campaigns). */
  componentRouters: ApiRouter[];
  componentJobs: JobDefinition[];
}

export function createServices(deps: AppDependencies): Services {
  const { config, logger } = deps;
  const wechat = config.wechatConfigured
    ? new WechatClient({
        baseUrl: config.WECHAT_API_BASE_URL,
        appId: config.WECHAT_APPID!,
        appSecret: config.WECHAT_SECRET!,
        timeoutMs: config.WECHAT_TIMEOUT_MS,
        logger,
      })
    : null;
  const signer = new SceneSigner(config.SCENE_SECRET);
  const sessions = new SessionService(config.SESSION_SECRET, config.SESSION_TTL_HOURS);
  const acquisition = new AcquisitionService(signer);
  const points = new PointsService(parseExpiryPolicy(config.POINTS_EXPIRY_POLICY)!);
  const invites = new InviteService(points, {
    rewardPoints: config.INVITE_REWARD_POINTS,
    qualifyDays: config.INVITE_QUALIFY_DAYS,
    thresholds: {
      maxInviteesPerDay: config.FRAUD_MAX_INVITEES_PER_DAY,
      maxInviteesPerWindow: config.FRAUD_MAX_INVITEES_PER_WINDOW,
      windowDays: config.FRAUD_WINDOW_DAYS,
      lowQualityShare: config.FRAUD_LOW_QUALITY_SHARE,
      lowQualityMinInvitees: config.FRAUD_LOW_QUALITY_MIN_INVITEES,
      judgeAfterDays: config.FRAUD_JUDGE_AFTER_DAYS,
    },
  }, logger);
  const tasks = new TaskService(points);
  invites.useSuccessEvents(tasks);
  const orders = new OrderService({ points, invites, tasks, config, logger });
  const residents = new ResidentService(acquisition, [
    // Orders that arrived before the resident registered are attached now (a repair job retries).
    (resident) => orders.matchResident(resident._id).then(
      () => undefined,
      (error: unknown) => logger.error({ err: error, residentId: String(resident._id) }, 'attaching earlier orders failed'),
    ),
  ], [
    // The newbie task "完成注册"; the key makes a repeated sign-up count once.
    (resident) => tasks
      .recordEvent({ residentId: resident._id, type: 'signup_completed', idempotencyKey: `signup:${resident._id}`, occurredAt: resident.signedUpAt ?? new Date(), source: 'server' })
      .then(() => undefined),
    // An invitee counts for the inviter once signed up (not at the first login). A failure here must
    // not fail the sign-up; the invite jobs repair a missing invite.
    (resident) => invites.onRegistered(resident).then(
      () => undefined,
      (error: unknown) => logger.error({ err: error, residentId: String(resident._id) }, 'recording the invite failed; the invite job will repair it'),
    ),
  ], [
    // The newbie task "完善资料", once the profile is really filled in.
    (resident) => tasks
      .recordEvent({ residentId: resident._id, type: 'profile_completed', idempotencyKey: `profile_completed:${resident._id}`, occurredAt: resident.profileCompletedAt ?? new Date(), source: 'server' })
      .then(() => undefined),
  ]);
  const guards = createGuards(sessions);
  const interest = new InterestService(interestParameters({ halfLifeDays: config.INTEREST_HALF_LIFE_DAYS }), logger);
  const labels = createLabelsComponent({ guards, logger, activityTypes: config.METRICS_ACTIVE_DEFINITION.eventTypes });
  // Labels follow orders and task events soon after they happen; the nightly recompute repairs any miss.
  refreshLabelsOnChanges(labels, { orders, tasks, logger });
  const audiences = createAudiencesComponent({ guards, labels: labels.labels, tasks });
  const campaigns = createCampaigns({
    wechat,
    audiences: audiences.audiences,
    logger,
    guards,
    config: {
      sendConcurrency: config.CAMPAIGN_SEND_CONCURRENCY,
      staleSendingMs: config.CAMPAIGN_STALE_SENDING_MINUTES * 60_000,
      templateIds: config.SUBSCRIBE_TEMPLATE_IDS ? parseTemplateIds(config.SUBSCRIBE_TEMPLATE_IDS)! : {},
    },
  });
  return {
    ...deps,
    wechat,
    links: new PublicLinks(config),
    signer,
    sessions,
    guards,
    identity: createIdentityResolver(config, wechat, logger),
    acquisition,
    residents,
    points,
    invites,
    rewards: new RewardsService(points),
    tasks,
    orders,
    metrics: new MetricsService({ active: config.METRICS_ACTIVE_DEFINITION }),
    interest,
    labels: labels.labels,
    labelRefresher: labels.refresher,
    audiences: audiences.audiences,
    campaigns,
    componentRouters: [...labels.routers, ...audiences.routers, ...campaigns.routers],
    componentJobs: [...labels.jobs, ...campaigns.jobs],
  };
}
