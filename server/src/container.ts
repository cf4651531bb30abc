import type { Connection } from 'mongoose';
import type { Config } from './config/config';
import { AcquisitionService } from './components/acquisition/acquisition.service';
import { SceneSigner } from './components/acquisition/scene-signer';
import { createGuards, type Guards } from './components/auth/auth.guard';
import { createIdentityResolver, type IdentityResolver } from './components/auth/identity';
import { SessionService } from './components/auth/session.service';
import { PointsService } from './components/points/points.service';
import { ResidentService } from './components/residents/resident.service';
import { parseExpiryPolicy } from '@o2o/shared/rules/points-expiry';
import type { Logger } from './lib/logger';
import { WechatClient } from './wechat/wechat-client';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  connection: Connection;
}

/** Everything the routers need, built once per app from config. */
export interface Services extends AppDependencies {
  wechat: WechatClient | null;
  signer: SceneSigner;
  sessions: SessionService;
  guards: Guards;
  identity: IdentityResolver;
  acquisition: AcquisitionService;
  residents: ResidentService;
  points: PointsService;
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
  return {
    ...deps,
    wechat,
    signer,
    sessions,
    guards: createGuards(sessions),
    identity: createIdentityResolver(config, wechat, logger),
    acquisition,
    residents: new ResidentService(acquisition),
    points: new PointsService(parseExpiryPolicy(config.POINTS_EXPIRY_POLICY)!),
  };
}
