/** Stable machine-readable codes; the message is for people. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'DATABASE_UNAVAILABLE'
  | 'UPSTREAM_FAILED'
  | 'INTERNAL'
  | (string & {});

/** The one error type for expected failures; the error middleware turns it into the JSON error body. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badRequest(message: string, details?: unknown): AppError {
    return new AppError('VALIDATION_FAILED', message, 400, details);
  }

  static unauthenticated(message = '请先登录'): AppError {
    return new AppError('UNAUTHENTICATED', message, 401);
  }

  static forbidden(message = '你没有权限进行这个操作'): AppError {
    return new AppError('FORBIDDEN', message, 403);
  }

  /** `what` is the Chinese name of the thing, e.g. `门店`: the message is `门店不存在`. */
  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what}不存在`, 404);
  }

  static conflict(message: string, details?: unknown): AppError {
    return new AppError('CONFLICT', message, 409, details);
  }
}
