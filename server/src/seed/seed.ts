import { loadConfig } from '../config/config';
import { openDatabase } from '../db/open-database';
import { createLogger } from '../lib/logger';
import { createServices } from '../container';
import { DEMO_LOGINS } from './demo-data';
import { seedDemo } from './seed-demo';

/** `npm run seed`: fills an empty database with the demo chain (does nothing if it has data). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(config, logger);
  try {
    const result = await seedDemo({ services: createServices({ config, logger, connection: database.connection }) });
    console.log(result.created ? 'Demo data created.' : 'The database already has data; nothing seeded.');
    console.log(`Dev logins: ${[DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, ...DEMO_LOGINS.managers, ...DEMO_LOGINS.advisors].join(', ')}`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
