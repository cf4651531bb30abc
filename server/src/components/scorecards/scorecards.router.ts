import { z } from 'zod';
import { scorecardQuerySchema, scorecardSchema } from '@o2o/shared/schemas/scorecards';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { staffOf } from '../auth/auth.guard';
import { scorecardCsv } from './scorecards-csv';

/** Scorecards for staff, under `/metrics` beside the growth metrics and scoped the same way. */
export function scorecardsRouter(services: Services): ApiRouter {
  const { guards, scorecards } = services;
  return new ApiRouter('/metrics').route({
    method: 'get', path: '/scorecards', tags: ['metrics'], errors: [403],
    summary: 'Scorecards: per code, placement, campaign, channel, advisor, inviter, group or broadcast, registrations, 7/30-day first-order conversion, next-month repurchase (each with a 95% Wilson interval), orders and revenue credited, ranked, beside the previous period; format=csv for Excel',
    description: 'First-touch dimensions are ranked by the lower bound of 7-day conversion, group and broadcast (last touch) by orders credited. An advisor sees their own codes and their own row, a manager their store, city ops their city, an admin everything. Rows are the best `limit` values (default 200; `total` says how many there are). With format=csv the answer is text/csv (UTF-8 with BOM, Chinese header).',
    guards: guards.staff(), authenticated: true, query: scorecardQuerySchema, response: z.union([scorecardSchema, z.string().describe('text/csv')]),
    handler: async ({ query, req, res }) => {
      const scorecard = await scorecards.scorecard(staffOf(req), query);
      if (query.format === 'json') return scorecard;
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="scorecard-${query.dimension}-${query.from}_${query.to}.csv"`);
      res.send(scorecardCsv(scorecard));
      return '';
    },
  });
}
