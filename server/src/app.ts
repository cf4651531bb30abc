import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { acquisitionRouter } from './components/acquisition/acquisition.router';
import { authRouter } from './components/auth/auth.router';
import { healthRouter } from './components/health/health.router';
import { inviteRouter } from './components/invites/invite.router';
import { organisationRouter } from './components/organisation/organisation.router';
import { pointsRouter } from './components/points/points.router';
import { residentRouter } from './components/residents/resident.router';
import { rewardsRouter } from './components/rewards/rewards.router';
import { tasksRouter } from './components/tasks/tasks.router';
import { ordersRouter } from './components/orders/orders.router';
import { productsRouter } from './components/products/products.router';
import { groupsRouter } from './components/groups/groups.router';
import { ticketsRouter } from './components/tickets/tickets.router';
import { groupCodesRouter } from './components/group-codes/group-codes.router';
import { groupStatsRouter } from './components/group-stats/group-stats.router';
import { interestRouter, myInterestsRouter } from './components/interest/interest.router';
import { metricsRouter } from './components/metrics/metrics.router';
import { staffRouter } from './components/staff/staff.router';
import { checkinsRouter } from './components/checkins/checkins.router';
import { storefrontRouter } from './components/storefront/storefront.router';
import { createServices, type AppDependencies, type Services } from './container';
import { jobDefinitions } from './jobs/jobs';
import { jobsRouter } from './jobs/jobs.router';
import { Scheduler } from './jobs/scheduler';
import type { ApiRouter } from './lib/api-router';
import { AppError } from './lib/app-error';
import { errorHandler, methodNotAllowedHandler, notFoundHandler, rejectIllFormedText } from './lib/error-handler';
import { runWithRequestId, type Logger } from './lib/logger';
import { buildOpenApiDocument } from './lib/openapi';
import { createRateLimiters } from './lib/rate-limit';

export type { AppDependencies };

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every router of the API, in mount order. Each component contributes one. */
function apiRouters(services: Services): ApiRouter[] {
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
    groupsRouter(services),
    ticketsRouter(services),
    groupCodesRouter(services),
    groupStatsRouter(services),
    metricsRouter(services),
    interestRouter(services),
    myInterestsRouter(services),
    checkinsRouter(services),
    storefrontRouter(),
    ...services.componentRouters,
  ];
}

const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-request-id');
  const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  (req as { id?: string }).id = requestId;
  runWithRequestId(requestId, next);
};

/** JSON only, unless a route declares otherwise through `app.locals.bodyTypes`. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!METHODS_WITH_BODY.has(req.method) || !hasBody) return next();
  if (req.is(['application/json', 'application/*+json', 'text/csv'])) return next();
  next(new AppError('UNSUPPORTED_MEDIA_TYPE', '提交的内容格式不受支持，请刷新后重试', 415, { contentType: req.headers['content-type'] ?? null, accepted: ['application/json', 'text/csv'] }));
};

/** Builds the Express app without listening, so tests drive it in-process. `extraRouters` lets a test or an embedding add routes, or replace the app's own on the same paths. */
export function createApp(deps: AppDependencies, extraRouters: ApiRouter[] = []): Express {
  const { config, logger, connection } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.locals.validateResponses = config.NODE_ENV !== 'production';

  app.use(requestIdMiddleware);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    }),
  );
  app.use(helmet());
  app.use(
    cors({
      origin: (origin, callback) => callback(null, !origin || config.CORS_ORIGINS.includes(origin) ? origin ?? false : false),
      credentials: false,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    }),
  );
  const rateLimits = createRateLimiters(connection, logger, config);
  app.locals.rateLimits = rateLimits;
  // Probes, and the order system's signed webhook (one busy client), are not rate limited per IP.
  const unlimited = new Set(['/healthz', '/readyz', '/orders/webhook']);
  app.use((req, res, next) => (unlimited.has(req.path) ? next() : rateLimits.api(req, res, next)));
  app.use(requireJsonBody);
  app.use(
    express.json({
      limit: config.BODY_LIMIT,
      // Webhooks verify signatures over the exact bytes received.
      verify: (req, _res, buffer) => {
        (req as { rawBody?: Buffer }).rawBody = buffer;
      },
    }),
  );
  app.use(express.text({ type: 'text/csv', limit: config.BODY_LIMIT }));
  app.use(rejectIllFormedText);
  // Stricter limits where a guess or a flood costs most (after parsing: bind-code entry keys on the WeChat account).
  app.post('/auth/wechat-login', rateLimits.login);
  app.post('/scans', rateLimits.scan);
  app.post('/staff/invites/accept', rateLimits.inviteAccept);
  app.post('/groups/bot/bind', rateLimits.bindEntry);

  const services = createServices(deps);
  // main.ts starts it; the app only needs it for the admin job endpoints.
  const scheduler = new Scheduler(jobDefinitions(services), logger);
  app.locals.scheduler = scheduler;
  app.locals.services = services;
  // Extra routers go first: a test that builds a component with its own collaborators (a fake
  // WeChat, fixed audiences) reaches that instance, not the app's own one on the same paths.
  const routers = [...extraRouters, ...apiRouters(services), jobsRouter(services, scheduler)];
  for (const router of routers) app.use(router.prefix, router.router);

  const openApiDocument = buildOpenApiDocument(
    routers.flatMap((router) => router.routes),
    { title: 'Community O2O operations API', version: '0.1.0' },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  if (existsSync(config.H5_DIST_DIR)) {
    // The mini-program's H5 build, so a desktop browser can click through the resident flow.
    app.use('/h5', express.static(config.H5_DIST_DIR, { index: 'index.html', maxAge: '1h' }));
  }

  app.use(methodNotAllowedHandler(routers.flatMap((router) => router.routes)));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
