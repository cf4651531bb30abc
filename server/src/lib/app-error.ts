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

  static unauthenticated(message = 'Sign-in required'): AppError {
    return new AppError('UNAUTHENTICATED', message, 401);
  }

  static forbidden(message = 'Not allowed for your role or scope'): AppError {
    return new AppError('FORBIDDEN', message, 403);
  }

  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what} not found`, 404);
  }

  static conflict(message: string, details?: unknown): AppError {
    return new AppError('CONFLICT', message, 409, details);
  }
}
