import { z } from 'zod';
import {
  activeQuerySchema,
  activeSchema,
  advisorProgressQuerySchema,
  advisorProgressSchema,
  conversionQuerySchema,
  conversionSchema,
  drillDownQuerySchema,
  drillDownSchema,
  penetrationQuerySchema,
  penetrationSchema,
  repurchaseQuerySchema,
  repurchaseSchema,
  reviewListQuerySchema,
  reviewSchema,
  reviewSummarySchema,
} from '@o2o/shared/schemas/metrics';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { staffOf } from '../auth/auth.guard';
import type { MetricsService } from './metrics.service';

const reviewParams = z.object({ reviewId: z.string().regex(/^\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$/, 'a review period, <from>_<to>') });

/**
 * Growth metrics for staff, scoped by role: an advisor sees their own numbers, a manager their
 * store, city ops their city, an admin everything (403 outside). Range answers come from the
 * daily rollups plus raw data for today.
 */
export function metricsRouter(services: Services & { metrics: MetricsService }): ApiRouter {
  const { guards, metrics } = services;
  const tags = ['metrics'];
  const staff = guards.staff();
  const reviewers = guards.staff('city_ops', 'admin');
  return new ApiRouter('/metrics')
    .route({
      method: 'get', path: '/conversion', tags, errors: [403],
      summary: 'First-order conversion: of residents registered from..to (China-time days), the share with a first completed order within windowDays (7 or 30)',
      guards: staff, authenticated: true, query: conversionQuerySchema, response: conversionSchema,
      handler: async ({ query, req }) => metrics.conversion(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/repurchase', tags, errors: [403],
      summary: 'Next-month repurchase: of residents with a completed order in month, the share with one in the next month (also for new residents of month)',
      guards: staff, authenticated: true, query: repurchaseQuerySchema, response: repurchaseSchema,
      handler: async ({ query, req }) => metrics.repurchase(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/active', tags, errors: [403],
      summary: 'Active residents per day (new and old) and weekly/monthly active residents, under the configured definition of active',
      guards: staff, authenticated: true, query: activeQuerySchema, response: activeSchema,
      handler: async ({ query, req }) => metrics.active(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/penetration', tags, errors: [403, 404],
      summary: "Registered and consumer penetration per community of a store or city; order=hardest puts the lowest consumer penetration first",
      guards: staff, authenticated: true, query: penetrationQuerySchema, response: penetrationSchema,
      handler: async ({ query, req }) => metrics.penetration(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/advisors/progress', tags, errors: [403, 404],
      summary: 'Each advisor: consumer residents (first touch) against the goal, new sign-ups and their 7-day first-order conversion; furthest from goal first',
      guards: staff, authenticated: true, query: advisorProgressQuerySchema, response: z.array(advisorProgressSchema),
      handler: async ({ query, req }) => metrics.advisorsProgress(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/advisors/me/progress', tags, errors: [403],
      summary: 'My progress to my goal of consumer users, my new sign-ups and their 7-day first-order conversion',
      guards: guards.staff('advisor'), authenticated: true, query: advisorProgressQuerySchema, response: advisorProgressSchema,
      handler: async ({ query, req }) => metrics.myProgress(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/residents', tags, errors: [403],
      summary: 'Drill-down: the residents behind one count (registered, converted within 7/30 days, repurchase base and repurchased, active on a day, week or month, registered and consumers so far) under a dimension, scoped like the count, paged',
      guards: staff, authenticated: true, query: drillDownQuerySchema, response: drillDownSchema,
      handler: async ({ query, req }) => metrics.drillDown(staffOf(req), query),
    })
    .route({
      method: 'get', path: '/reviews', tags, summary: 'Biweekly reviews, newest first',
      guards: reviewers, authenticated: true, query: reviewListQuerySchema, response: z.array(reviewSummarySchema),
      handler: async ({ query }) => metrics.listReviews(query.limit),
    })
    .route({
      method: 'get', path: '/reviews/:reviewId', tags, errors: [404],
      summary: 'One biweekly review: newbie-task funnel, conversion and repurchase trends, hardest communities, advisors furthest from goal',
      guards: reviewers, authenticated: true, params: reviewParams, response: reviewSchema,
      handler: async ({ params }) => metrics.getReview(params.reviewId),
    });
}
