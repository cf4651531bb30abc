import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import { productIdSchema } from '@o2o/shared/schemas/products';
import {
  mySubscriptionsSchema,
  productAudienceQuerySchema,
  productAudienceSchema,
  promotionEffectSchema,
  promotionInputSchema,
  promotionSchema,
  pushEffectQuerySchema,
  pushEffectSchema,
  pushInputSchema,
  pushListItemSchema,
  pushSchema,
  sendReportSchema,
  slowMovingQuerySchema,
  slowMovingSchema,
  subscribeTemplateSchema,
  subscriptionReportResultSchema,
  subscriptionReportSchema,
} from '@o2o/shared/schemas/campaigns';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { residentIdOf, staffOf, type Guards } from '../auth/auth.guard';
import { residentScopeOf, storeForStaff } from './campaign-scope';
import type { ProductAudienceService } from './product-audience.service';
import type { PromotionService } from './promotions.service';
import type { PushService } from './pushes.service';
import type { SlowMovingService } from './slow-moving.service';
import type { SubscriptionService } from './subscriptions.service';

export interface CampaignServices {
  subscriptions: SubscriptionService;
  pushes: PushService;
  productAudience: ProductAudienceService;
  slowMoving: SlowMovingService;
  promotions: PromotionService;
}

const pushParams = z.object({ pushId: objectIdSchema });
const promotionParams = z.object({ promotionId: objectIdSchema });
const productParams = z.object({ productId: productIdSchema });

/** The resident's side: report what they answered to a subscribe prompt, and see what they granted. */
export function mySubscriptionsRouter(guards: Guards, { subscriptions }: CampaignServices): ApiRouter {
  const tags = ['campaigns'];
  return new ApiRouter('/me')
    .route({
      method: 'post', path: '/subscriptions', tags, status: 201, errors: [409],
      summary: 'Report the answer to wx.requestSubscribeMessage for one template; a retry with the same requestId records one grant',
      guards: guards.resident, authenticated: true, body: subscriptionReportSchema, response: subscriptionReportResultSchema,
      handler: async ({ body, req }) => subscriptions.report(residentIdOf(req), body),
    })
    .route({
      method: 'get', path: '/subscriptions', tags,
      summary: 'The subscribe-message templates, each with how many messages of it I have allowed and not yet received',
      guards: guards.resident, authenticated: true, response: mySubscriptionsSchema,
      handler: async ({ req }) => subscriptions.mine(residentIdOf(req)),
    });
}

/** Staff and operations: pushes, slow-moving products, product audiences, promotions and their effect. */
export function campaignsRouter(guards: Guards, services: CampaignServices): ApiRouter {
  const { subscriptions, pushes, productAudience, slowMoving, promotions } = services;
  const tags = ['campaigns'];
  const organisers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter('/campaigns')
    .route({
      method: 'get', path: '/templates', tags, summary: 'The subscribe-message templates the platform sends, with their fields and value kinds',
      guards: guards.staff(), authenticated: true, response: z.array(subscribeTemplateSchema),
      handler: () => subscriptions.templates.map((template) => ({ ...template })),
    })
    .route({
      method: 'post', path: '/pushes', tags, status: 201, errors: [404],
      summary: 'Create a subscribe-message push to an audience or a product audience (store managers reach their store\'s residents, city ops their city\'s)',
      guards: organisers, authenticated: true, body: pushInputSchema, response: pushSchema,
      handler: async ({ body, req }) => pushes.create(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/pushes', tags, summary: 'Pushes within your scope, newest first',
      guards: organisers, authenticated: true, response: z.array(pushListItemSchema),
      handler: async ({ req }) => pushes.list(staffOf(req)),
    })
    .route({
      method: 'get', path: '/pushes/:pushId', tags, errors: [404], summary: 'A push with its deliveries counted by outcome',
      guards: organisers, authenticated: true, params: pushParams, response: pushSchema,
      handler: async ({ params, req }) => pushes.get(staffOf(req), toObjectId(params.pushId)),
    })
    .route({
      method: 'post', path: '/pushes/:pushId/send', tags, errors: [404, 503],
      summary: 'Send (or resume) a push: one message per resident with an unused grant; never resends, stops on WeChat\'s daily quota',
      guards: organisers, authenticated: true, params: pushParams, response: sendReportSchema,
      handler: async ({ params, req }) => pushes.sendAs(staffOf(req), toObjectId(params.pushId)),
    })
    .route({
      method: 'get', path: '/pushes/:pushId/effect', tags, errors: [404, 409],
      summary: 'Completed orders within N days after the push was first sent: residents meant to get it versus its hold-out group, with the difference in buyer rate and its 95% interval',
      guards: organisers, authenticated: true, params: pushParams, query: pushEffectQuerySchema, response: pushEffectSchema,
      handler: async ({ params, query, req }) => pushes.effect(staffOf(req), toObjectId(params.pushId), query.days),
    })
    .route({
      method: 'get', path: '/slow-moving', tags, errors: [404],
      summary: 'A store\'s active products with the lowest sales velocity over the last days, against the store\'s median',
      guards: guards.staff(), authenticated: true, query: slowMovingQuerySchema, response: slowMovingSchema,
      handler: async ({ query, req }) => slowMoving.list(staffOf(req), { ...query, storeId: query.storeId ? toObjectId(query.storeId) : undefined }),
    })
    .route({
      method: 'get', path: '/products/:productId/audience', tags, errors: [404],
      summary: 'The residents in your scope most likely to want a product, by their interest-prediction score',
      guards: guards.staff(), authenticated: true, params: productParams, query: productAudienceQuerySchema, response: productAudienceSchema,
      handler: async ({ params, query, req }) => {
        const staff = staffOf(req);
        const product = await productAudience.product(params.productId);
        const store = query.storeId ? await storeForStaff(staff, toObjectId(query.storeId)) : null;
        const ranked = await productAudience.rank(product._id, await residentScopeOf(staff), { limit: query.limit, storeId: store?._id });
        return {
          productId: product._id,
          productName: product.name,
          scored: ranked.scored,
          residents: ranked.residents.map((resident) => ({
            residentId: String(resident._id), nickname: resident.nickname, storeId: resident.storeId ? String(resident.storeId) : null, score: resident.score, rank: resident.rank,
          })),
        };
      },
    })
    .route({
      method: 'post', path: '/promotions', tags, status: 201, errors: [404],
      summary: 'Start measuring a product promotion: snapshots its audience now, to compare sales before and during the campaign',
      guards: organisers, authenticated: true, body: promotionInputSchema, response: promotionSchema,
      handler: async ({ body, req }) => promotions.create(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/promotions', tags, summary: 'Promotions within your scope, newest first',
      guards: organisers, authenticated: true, response: z.array(promotionSchema),
      handler: async ({ req }) => promotions.list(staffOf(req)),
    })
    .route({
      method: 'get', path: '/promotions/:promotionId/effect', tags, errors: [404, 409],
      summary: 'The product\'s sales before versus during the promotion, audience versus everyone else, with the difference-in-differences lift; with a hold-out, also treated versus held-out members with the lift\'s 95% interval',
      guards: organisers, authenticated: true, params: promotionParams, response: promotionEffectSchema,
      handler: async ({ params, req }) => promotions.effect(staffOf(req), toObjectId(params.promotionId)),
    });
}

/** Both routers of the component, in mount order. */
export function campaignRouters(guards: Guards, services: CampaignServices): ApiRouter[] {
  return [mySubscriptionsRouter(guards, services), campaignsRouter(guards, services)];
}
