import { loadConfig } from '../config/config';
import { createInvite } from '../components/staff/staff.service';
import { openDatabase } from '../db/open-database';
import { createLogger } from '../lib/logger';

/**
 * `npm run bootstrap-admin -- <name>`: creates a one-time admin invite for the first administrator,
 * who accepts it in the mini-program (POST /staff/invites/accept) to bind their WeChat identity.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name) {
    console.error('usage: npm run bootstrap-admin -- <name>');
    process.exit(2);
  }
  const config = loadConfig();
  const database = await openDatabase(config, createLogger(config.LOG_LEVEL));
  try {
    const invite = await createInvite(null, { name, role: 'admin', validHours: 72 });
    console.log(`Admin invite for ${invite.name}: ${invite.inviteCode} (valid until ${invite.expiresAt})`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
