import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from './app-error';
import { isDuplicateKey } from '../db/unique-insert';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

function fromZod(error: z.ZodError, where: string): AppError {
  const details = error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  // A message a schema wrote in Chinese is for the person; zod's own are for developers and stay in details.
  const readable = details.find((detail) => /[\u4e00-\u9fff]/.test(detail.message));
  const summary = readable ? `提交的信息有误：${readable.message}` : `提交的信息有 ${details.length} 处不符合要求，请检查后重试`;
  return AppError.badRequest(summary, details);
}

/** Maps anything thrown in a request to an AppError; unknown errors become a bare 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return fromZod(error, 'input');
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_JSON', '提交的内容格式有误，请刷新后重试', 400);
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', '提交的内容太大了，请精简后重试', 413);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', '提交内容的编码不受支持，请使用 UTF-8', 415, { reason: parserError.message });
    default:
      break;
  }
  if (isDuplicateKey(error)) {
    return AppError.conflict('这条记录已经存在');
  }
  return new AppError('INTERNAL', '服务器出了点问题，请稍后再试', 500);
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
  next(new AppError('NOT_FOUND', '没有找到这个页面或接口', 404, { method: req.method, path: req.path }));
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
