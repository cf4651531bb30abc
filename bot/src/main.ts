import { createCommunityBot } from './bot';
import { systemClock } from './clock';
import { BotConfigError, loadBotConfig } from './config';
import { createDemoWorld } from './demo';
import { createLogger } from './logger';
import { Supervisor } from './supervisor';

/** Builds the bot from config, keeps it running with back-off restarts, and stops cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadBotConfig();
  } catch (error) {
    if (error instanceof BotConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  log.info('community bot starting', { puppet: config.puppet, server: config.serverUrl, demo: config.demo, dataDir: config.dataDir });
  const supervisor = new Supervisor({
    clock: systemClock,
    log,
    create: () => {
      if (!config.demo) return createCommunityBot({ config, log });
      const demo = createDemoWorld(config, log);
      const bot = createCommunityBot({ config, log, puppet: demo.puppet });
      setTimeout(() => void demo.play().catch((error: unknown) => log.warn('demo script failed', { err: error })), 1000).unref();
      return bot;
    },
  });
  const shutdown = (signal: string) => {
    log.info('stopping', { signal });
    void supervisor.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (error) => log.error('unhandled rejection (kept running)', { err: error }));
  await supervisor.run();
}

void main();
