import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from './app-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

function fromZod(error: z.ZodError, where: string): AppError {
  return AppError.badRequest(
    `Invalid ${where}`,
    error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message })),
  );
}

/** Maps anything thrown in a request to an AppError; unknown errors become a bare 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return fromZod(error, 'input');
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_JSON', 'The request body is not valid JSON', 400);
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large', 413);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', parserError.message, 415);
    default:
      break;
  }
  if ((error as { code?: number })?.code === 11000) {
    return AppError.conflict('A record with the same unique key already exists');
  }
  return new AppError('INTERNAL', 'Internal server error', 500);
}

export { fromZod };

/** A lone UTF-16 surrogate: half of a character, which storage would silently turn into U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (or key) in a parsed body or query that holds a lone surrogate. */
export function illFormedTextPath(value: unknown, root: string): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return path;
    } else if (current && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (LONE_SURROGATE.test(key)) return `${path}.${key}`;
        stack.push({ value: child, path: `${path}.${key}` });
      }
    }
  }
  return null;
}

/** Refuses text that is not well-formed Unicode instead of storing it altered. */
export const rejectIllFormedText: RequestHandler = (req, _res, next) => {
  const path = illFormedTextPath(req.body, 'body') ?? illFormedTextPath(req.query, 'query');
  if (!path) return next();
  next(new AppError('VALIDATION_FAILED', '内容里有无法识别的字符（可能是复制时截断的表情符号），请删除后重试', 400, [{ path, message: 'lone UTF-16 surrogate' }]));
};

interface RouteMatcher {
  pattern: RegExp;
  method: string;
  /** Path parameters: a literal path (`/products/import`) is more specific than `/products/:productId`. */
  params: number;
}

/**
 * 405 with `Allow` for a path the API has under other methods (TRACE /stores, GET /products/import),
 * before the 404 for paths it does not have at all.
 */
export function methodNotAllowedHandler(routes: { method: string; fullPath: string }[]): RequestHandler {
  const matchers: RouteMatcher[] = routes.map((route) => ({
    method: route.method.toUpperCase(),
    params: (route.fullPath.match(/:[A-Za-z0-9_]+/g) ?? []).length,
    pattern: new RegExp(`^${route.fullPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`),
  }));
  return (req, res, next) => {
    const matching = matchers.filter((matcher) => matcher.pattern.test(req.path));
    const fewestParams = Math.min(...matching.map((matcher) => matcher.params));
    const allowed = [...new Set(matching.filter((matcher) => matcher.params === fewestParams).map((matcher) => matcher.method))];
    if (allowed.length === 0 || allowed.includes(req.method)) return next();
    if (allowed.includes('GET')) allowed.push('HEAD');
    res.setHeader('Allow', allowed.join(', '));
    next(new AppError('METHOD_NOT_ALLOWED', `这个地址不支持 ${req.method} 请求`, 405, { allowed }));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}`, 404));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    } else {
      logger.info({ code: appError.code, status: appError.status, path: req.path }, appError.message);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, details: appError.details ?? null },
    });
  };
}
