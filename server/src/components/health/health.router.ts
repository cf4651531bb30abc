import type { Connection } from 'mongoose';
import { healthSchema, readinessSchema } from '@o2o/shared/schemas/common';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { pingDatabase } from '../../db/connection';

export function healthRouter(connection: Connection): ApiRouter {
  return new ApiRouter()
    .route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tags: ['health'],
      response: healthSchema,
      handler: () => ({ status: 'ok' as const }),
    })
    .route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database answers a ping',
      tags: ['health'],
      response: readinessSchema,
      errors: [503],
      handler: async () => {
        if (!(await pingDatabase(connection))) {
          throw new AppError('DATABASE_UNAVAILABLE', '数据库暂时无法访问，请稍后再试', 503);
        }
        return { status: 'ready' as const, database: 'up' as const };
      },
    });
}
