import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

interface RequestContext {
  requestId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with a request id that every log line written inside it carries. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

export function createLogger(level: string, name = 'server'): Logger {
  return pino({
    name,
    level,
    // Every line written while serving a request carries its id, also from services and repositories.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { reqId: requestId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.session_key'], censor: '[redacted]' },
  });
}

export type { Logger };
