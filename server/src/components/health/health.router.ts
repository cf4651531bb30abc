import type { Connection } from 'mongoose';
import { healthSchema, readinessSchema } from '@o2o/shared/schemas/common';
import type { EmbeddedDatabase } from '../../db/embedded-database';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { pingDatabase } from '../../db/connection';

/**
 * Liveness fails only in a state the process cannot leave by itself: the embedded database died
 * and its restarts gave up. While it restarts, the server is alive (and not ready).
 */
export function healthRouter(connection: Connection, embedded?: Pick<EmbeddedDatabase, 'state'>): ApiRouter {
  return new ApiRouter()
    .route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up and its embedded database is running or recovering',
      tags: ['health'],
      response: healthSchema,
      errors: [503],
      handler: () => {
        if (!embedded) return { status: 'ok' as const, database: 'external' as const };
        const state = embedded.state;
        if (state === 'running' || state === 'restarting') return { status: 'ok' as const, database: state };
        throw new AppError('DATABASE_FAILED', '内置数据库已停止且无法自动恢复，请重启服务', 503, { database: state });
      },
    })
    .route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database answers a ping',
      tags: ['health'],
      response: readinessSchema,
      errors: [503],
      handler: async () => {
        if ((embedded && embedded.state !== 'running') || !(await pingDatabase(connection))) {
          throw new AppError('DATABASE_UNAVAILABLE', '数据库暂时无法访问，请稍后再试', 503);
        }
        return { status: 'ready' as const, database: 'up' as const };
      },
    });
}
