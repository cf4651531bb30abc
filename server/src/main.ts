import { createApplication } from './app';
import { ConfigError, loadConfig, type Config } from './config/config';
import { openDatabase } from './db/open-database';
import { listen } from './http-server';
import { createLogger } from './lib/logger';
import { DEMO_LOGINS } from './seed/demo-data';
import { seedDemo } from './seed/seed-demo';

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** Connect the database, listen, and shut down gracefully on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(config, logger);
  const { app, services, scheduler, stop: stopApplication } = createApplication({ config, logger, connection: database.connection, embeddedDatabase: database.embedded });
  if (config.SEED_DEMO_DATA) {
    const seeded = await seedDemo({ services });
    if (seeded.created) logger.info({ devLogins: [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, ...DEMO_LOGINS.managers, ...DEMO_LOGINS.advisors] }, 'empty database: demo data seeded');
  }
  const running = await listen(app, {
    host: config.HOST,
    port: config.PORT,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    onClosed: async () => {
      await stopApplication();
      await database.close();
    },
  });
  services.links.listeningOn(config.HOST, running.port);
  if (config.JOBS_ENABLED) scheduler.start();
  logger.info({ url: `http://${config.HOST}:${running.port}` }, 'server listening');

  const stop = (signal: string): void => {
    logger.info({ signal }, 'signal received');
    running.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
