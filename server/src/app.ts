import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { componentJobs, componentRouters, createServices } from './container';
import { jobsRouter } from './jobs/jobs.router';
import { Scheduler } from './jobs/scheduler';
import type { ApiRouter } from './lib/api-router';
import { AppError } from './lib/app-error';
import { errorHandler, methodNotAllowedHandler, notFoundHandler, rejectIllFormedText } from './lib/error-handler';
import { runWithRequestId, type Logger } from './lib/logger';
import { buildOpenApiDocument } from './lib/openapi';
import { createRateLimiters, type RateLimiters } from './lib/rate-limit';
import type { AppDependencies, Services } from './services';

export type { AppDependencies };

/** The built application: the Express app and the parts the process starts and stops. */
export interface Application {
  app: Express;
  services: Services;
  /** Not started: `main.ts` starts it (tests drive jobs by hand). */
  scheduler: Scheduler;
  rateLimits: RateLimiters;
  /** After the server closed: stops the jobs and the limiters, and lets queued label refreshes finish. */
  stop(): Promise<void>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-request-id');
  const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  (req as { id?: string }).id = requestId;
  runWithRequestId(requestId, next);
};

/**
 * JSON (or CSV) only, except multipart on the paths of routes that declare `bodyContentType:
 * 'multipart/form-data'` (`multipartPaths`, filled once the routers are built). By path, not method:
 * another method there is answered 405 by the method check, not 415 here.
 */
function requireJsonBody(multipartPaths: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody) return next();
    if (req.is(['application/json', 'application/*+json', 'text/csv'])) return next();
    if (req.is('multipart/form-data') && multipartPaths.has(req.path)) return next();
    next(new AppError('UNSUPPORTED_MEDIA_TYPE', '提交的内容格式不受支持，请刷新后重试', 415, { contentType: req.headers['content-type'] ?? null, accepted: ['application/json', 'text/csv'] }));
  };
}

/**
 * Builds the whole application without listening: services (the composition root), routers, the
 * scheduler and the rate limiters. Production (`main.ts`) and tests build it the same way.
 * `extraRouters` lets a test or an embedding add routes, or replace the app's own on the same paths.
 */
export function createApplication(deps: AppDependencies, extraRouters: ApiRouter[] = []): Application {
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
  app.use(
    helmet({
      // The H5 build's image picker reads the chosen file through a blob: URL (to show it, and to upload it).
      contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'connect-src': ["'self'", 'blob:'] } },
    }),
  );
  app.use(
    cors({
      origin: (origin, callback) => callback(null, !origin || config.CORS_ORIGINS.includes(origin) ? origin ?? false : false),
      credentials: false,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    }),
  );
  const rateLimits = createRateLimiters(connection, logger, config);
  // Probes, and the order system's signed webhook (one busy client), are not rate limited per IP.
  const unlimited = new Set(['/healthz', '/readyz', '/orders/webhook']);
  app.use((req, res, next) => (unlimited.has(req.path) ? next() : rateLimits.api(req, res, next)));
  const multipartPaths = new Set<string>();
  app.use(requireJsonBody(multipartPaths));
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
  const scheduler = new Scheduler(componentJobs(services), logger);
  // Extra routers go first: a test that builds a component with its own collaborators (a fake
  // WeChat, fixed audiences) reaches that instance, not the app's own one on the same paths.
  const routers = [...extraRouters, ...componentRouters(services), jobsRouter(services.guards, scheduler)];
  for (const router of routers) app.use(router.prefix, router.router);
  for (const { fullPath, definition } of routers.flatMap((router) => router.routes)) {
    if (definition.bodyContentType === 'multipart/form-data') multipartPaths.add(fullPath);
  }

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
  return {
    app,
    services,
    scheduler,
    rateLimits,
    stop: async () => {
      await scheduler.stop();
      rateLimits.shutdown();
      // Label refreshes queued by the last requests finish before the database goes (the nightly recompute would repair them anyway).
      await services.labels.refresher.idle();
    },
  };
}

/** The Express app alone, for callers that need nothing else of the application. */
export function createApp(deps: AppDependencies, extraRouters: ApiRouter[] = []): Express {
  return createApplication(deps, extraRouters).app;
}
