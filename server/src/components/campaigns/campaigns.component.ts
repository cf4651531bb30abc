import { SUBSCRIBE_TEMPLATES, withTemplateIds } from '@o2o/shared/rules/campaigns';
import type { Logger } from '../../lib/logger';
import type { WechatClient } from '../../wechat/wechat-client';
import type { AudienceResolver } from '../audiences/audience-resolver';
import type { CampaignServices } from './campaigns.router';
import { ProductAudienceService } from './product-audience.service';
import { PromotionService } from './promotions.service';
import { PushService } from './pushes.service';
import { SlowMovingService } from './slow-moving.service';
import { SubscriptionService } from './subscriptions.service';

export interface CampaignsConfig {
  /** WeChat sends in flight at once while a push is sent; default 5. */
  sendConcurrency?: number;
  /** A delivery claimed longer ago than this without an answer counts as `unknown` and is never resent; default 10 minutes. */
  staleSendingMs?: number;
  /** Our template key → the WeChat template id the deployment's mini-program console issued. */
  templateIds?: Partial<Record<string, string>>;
}

export interface CampaignsDependencies {
  wechat: WechatClient | null;
  audiences: AudienceResolver;
  logger: Logger;
  config?: CampaignsConfig;
}

export type Campaigns = CampaignServices;

/** The campaigns component's services (subscriptions, pushes, product audiences, slow movers, promotions), wired to each other. */
export function createCampaigns({ wechat, audiences, logger, config = {} }: CampaignsDependencies): Campaigns {
  const subscriptions = new SubscriptionService(withTemplateIds(SUBSCRIBE_TEMPLATES, config.templateIds ?? {}));
  const productAudience = new ProductAudienceService();
  const pushes = new PushService({
    wechat, audiences, subscriptions, productAudience, logger,
    options: { concurrency: config.sendConcurrency ?? 5, staleSendingMs: config.staleSendingMs ?? 10 * 60_000 },
  });
  return { subscriptions, pushes, productAudience, slowMoving: new SlowMovingService(), promotions: new PromotionService(audiences, productAudience) };
}
