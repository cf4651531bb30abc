import { parseTemplateIds } from '@o2o/shared/rules/campaigns';
import { parseExpiryPolicy } from '@o2o/shared/rules/points-expiry';
import { acquisitionJobs } from './components/acquisition/acquisition.jobs';
import { acquisitionRouter } from './components/acquisition/acquisition.router';
import { AcquisitionService } from './components/acquisition/acquisition.service';
import { SceneSigner } from './components/acquisition/scene-signer';
import { audiencesRouter } from './components/audiences/audiences.router';
import { AudienceService } from './components/audiences/audiences.service';
import { createGuards } from './components/auth/auth.guard';
import { authRouter } from './components/auth/auth.router';
import { createIdentityResolver } from './components/auth/identity';
import { SessionService } from './components/auth/session.service';
import { campaignJobs } from './components/campaigns/campaigns.jobs';
import { createCampaigns } from './components/campaigns/campaigns.component';
import { campaignRouters } from './components/campaigns/campaigns.router';
import { churnJobs } from './components/churn/churn.jobs';
import { churnRouter } from './components/churn/churn.router';
import { ChurnService } from './components/churn/churn.service';
import { contentRouter } from './components/content/content.router';
import { ContentService } from './components/content/content.service';
import { creditsRouter } from './components/credits/credits.router';
import { CreditService } from './components/credits/credits.service';
import { checkinsRouter } from './components/checkins/checkins.router';
import { createGroupServices } from './components/groups/groups.component';
import { groupsJobs } from './components/groups/groups.jobs';
import { groupsRouter } from './components/groups/groups.router';
import { ticketsRouter } from './components/tickets/tickets.router';
import { createMediaStorage } from './components/media/media-storage';
import { mediaRouter } from './components/media/media.router';
import { MediaService } from './components/media/media.service';
import { groupCodesRouter } from './components/group-codes/group-codes.router';
import { groupStatsRouter } from './components/group-stats/group-stats.router';
import { healthRouter } from './components/health/health.router';
import { interestJobs } from './components/interest/interest.jobs';
import { interestRouter, myInterestsRouter } from './components/interest/interest.router';
import { InterestService, interestParameters } from './components/interest/interest.service';
import { inviteJobs } from './components/invites/invite.jobs';
import { inviteRouter } from './components/invites/invite.router';
import { InviteService } from './components/invites/invite.service';
import { labelsJobs } from './components/labels/labels.jobs';
import { labelsRouter } from './components/labels/labels.router';
import { LabelService } from './components/labels/labels.service';
import { metricsJobs } from './components/metrics/metrics.jobs';
import { metricsRouter } from './components/metrics/metrics.router';
import { scorecardsJobs } from './components/scorecards/scorecards.jobs';
import { scorecardsRouter } from './components/scorecards/scorecards.router';
import { ScorecardsService } from './components/scorecards/scorecards.service';
import { MetricsService } from './components/metrics/metrics.service';
import { ordersJobs } from './components/orders/orders.jobs';
import { ordersRouter } from './components/orders/orders.router';
import { OrderService } from './components/orders/orders.service';
import { organisationRouter } from './components/organisation/organisation.router';
import { pointsJobs } from './components/points/points.jobs';
import { pointsRouter } from './components/points/points.router';
import { PointsService } from './components/points/points.service';
import { productsRouter } from './components/products/products.router';
import { residentRouter } from './components/residents/resident.router';
import { ResidentService } from './components/residents/resident.service';
import { signUpEffects } from './components/residents/sign-up-effects';
import { rewardsJobs } from './components/rewards/rewards.jobs';
import { rewardsRouter } from './components/rewards/rewards.router';
import { RewardsService } from './components/rewards/rewards.service';
import { sopJobs } from './components/sop/sop.jobs';
import { sopRouter } from './components/sop/sop.router';
import { SopSendCheck, SopService } from './components/sop/sop.service';
import { staffRouter } from './components/staff/staff.router';
import { storefrontRouter } from './components/storefront/storefront.router';
import { tasksRouter } from './components/tasks/tasks.router';
import { TaskService } from './components/tasks/tasks.service';
import type { JobDefinition } from './jobs/scheduler';
import type { ApiRouter } from './lib/api-router';
import { PublicLinks } from './lib/public-links';
import type { AppDependencies, Services } from './services';
import { WechatClient } from './wechat/wechat-client';

export type { AppDependencies, Services } from './services';

/**
 * The composition root: every component's services, built once from config in dependency order,
 * each handed its collaborators at construction (no setters, no lookups later). The app (tests and
 * production alike) and the seed script build their services here.
 */
export function createServices(deps: AppDependencies): Services {
  const { config, logger } = deps;
  const wechat = config.wechatConfigured
    ? new WechatClient({ baseUrl: config.WECHAT_API_BASE_URL, appId: config.WECHAT_APPID!, appSecret: config.WECHAT_SECRET!, timeoutMs: config.WECHAT_TIMEOUT_MS, logger })
    : null;
  const signer = new SceneSigner(config.SCENE_SECRET);
  const sessions = new SessionService(config.SESSION_SECRET, config.SESSION_TTL_HOURS);
  const guards = createGuards(sessions, { principalCacheMs: config.AUTH_CACHE_MS, now: deps.authClock });
  const acquisition = new AcquisitionService(signer);
  const points = new PointsService(parseExpiryPolicy(config.POINTS_EXPIRY_POLICY)!);
  // Labels follow orders and task events soon after they happen; the nightly recompute repairs any miss.
  const labels = new LabelService({ logger, activityTypes: config.METRICS_ACTIVE_DEFINITION.eventTypes });
  const refreshLabels = (residentId: Parameters<LabelService['refresher']['schedule']>[0]) => labels.refresher.schedule(residentId);
  const audiences = new AudienceService(labels);
  const tasks = new TaskService(points, { audiences, onResidentChanged: [refreshLabels], logger });
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
  }, logger, { successEvents: tasks });
  const credits = new CreditService({ windowHours: config.ORDER_CREDIT_WINDOW_HOURS, appId: config.WECHAT_APPID, logger });
  const orders = new OrderService({ points, invites, tasks, config, logger, credits, onResidentChanged: [refreshLabels] });
  const residents = new ResidentService(acquisition, signUpEffects({ orders, tasks, invites, logger }));
  const interest = new InterestService(interestParameters({ halfLifeDays: config.INTEREST_HALF_LIFE_DAYS, popularityWeight: config.INTEREST_POPULARITY_WEIGHT }), logger);
  const campaigns = createCampaigns({
    wechat,
    audiences,
    logger,
    config: {
      sendConcurrency: config.CAMPAIGN_SEND_CONCURRENCY,
      staleSendingMs: config.CAMPAIGN_STALE_SENDING_MINUTES * 60_000,
      templateIds: config.SUBSCRIBE_TEMPLATE_IDS ? parseTemplateIds(config.SUBSCRIBE_TEMPLATE_IDS)! : {},
    },
  });
  const media = new MediaService(createMediaStorage(config), { maxSide: config.MEDIA_MAX_IMAGE_SIDE });
  const groups = createGroupServices({ points, tasks, audiences, connection: deps.connection, now: deps.now, sendChecks: [new SopSendCheck()] });
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
    credits,
    metrics: new MetricsService({ active: config.METRICS_ACTIVE_DEFINITION }),
    scorecards: new ScorecardsService(),
    interest,
    labels,
    audiences,
    campaigns,
    groups,
    sop: new SopService(groups.deliveries),
    churn: new ChurnService({ lapseDays: config.CHURN_LAPSE_DAYS, lookbackDays: 14 }),
    media,
    content: new ContentService({ tasks, media, logger }),
  };
}

/** Every router of the API, in mount order: each component contributes its own. */
export function componentRouters(services: Services): ApiRouter[] {
  const { guards } = services;
  return [
    healthRouter(services.connection, services.embeddedDatabase),
    authRouter(services),
    staffRouter(services),
    organisationRouter(services),
    residentRouter(services),
    acquisitionRouter(services),
    pointsRouter(services),
    inviteRouter(services),
    rewardsRouter(services),
    tasksRouter(services),
    productsRouter(services),
    ordersRouter(services),
    creditsRouter(services),
    groupsRouter(services),
    mediaRouter(services),
    contentRouter(services),
    ticketsRouter(services),
    sopRouter(services),
    churnRouter(services),
    groupCodesRouter(services),
    groupStatsRouter(services),
    metricsRouter(services),
    scorecardsRouter(services),
    interestRouter(services),
    myInterestsRouter(services),
    checkinsRouter(services),
    storefrontRouter(),
    labelsRouter(guards, services.labels),
    audiencesRouter(guards, services.audiences),
    ...campaignRouters(guards, services.campaigns),
  ];
}

/**
 * Every scheduled job, each registered by its component. The order is the catch-up order at start:
 * a job that reads another's output comes after it (labels after interest, after metrics).
 */
export function componentJobs(services: Services): JobDefinition[] {
  return [
    ...pointsJobs(services.points),
    ...acquisitionJobs(),
    ...groupsJobs(services.groups),
    ...inviteJobs(services.invites),
    ...rewardsJobs(services.rewards),
    ...ordersJobs(services.orders),
    ...metricsJobs(services.metrics),
    ...scorecardsJobs(services.scorecards),
    ...interestJobs(services.interest),
    ...labelsJobs(services.labels),
    ...campaignJobs(services.campaigns.pushes),
    ...sopJobs(services.sop),
    ...churnJobs(services.churn),
  ];
}
