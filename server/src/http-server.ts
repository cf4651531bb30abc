import type { Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './lib/logger';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish (up to `timeoutMs`), then runs `onClosed`. */
  shutdown(): Promise<void>;
}

export async function listen(
  app: Express,
  options: { host: string; port: number; timeoutMs: number; logger: Logger; onClosed?: () => Promise<void> },
): Promise<RunningServer> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      options.logger.info('shutting down: no new connections, finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
      server.closeIdleConnections();
      const forced = setTimeout(() => {
        options.logger.warn('shutdown timeout reached; closing remaining connections');
        server.closeAllConnections();
      }, options.timeoutMs);
      await closed;
      clearTimeout(forced);
      await options.onClosed?.();
      options.logger.info('shutdown complete');
    })();
    return shuttingDown;
  };
  return { server, port, shutdown };
}
