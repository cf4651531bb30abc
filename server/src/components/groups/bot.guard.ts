import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../lib/app-error';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Only the community-group bot may call `/groups/bot/*`: it presents `Authorization: Bearer
 * <BOT_API_TOKEN>`. Compared as digests in constant time, so neither length nor content leaks.
 */
export function botGuard(expectedToken: string): RequestHandler {
  const expected = digest(expectedToken);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S{1,400})$/.exec(req.header('authorization') ?? '');
    if (!match) return next(new AppError('UNAUTHENTICATED', '群助手缺少访问凭证', 401));
    if (!timingSafeEqual(digest(match[1]), expected)) return next(new AppError('FORBIDDEN', '群助手的访问凭证无效', 403));
    next();
  };
}
