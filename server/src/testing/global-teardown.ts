import { rmSync } from 'node:fs';
import path from 'node:path';
import type { EmbeddedDatabase } from '../db/embedded-database';

export default async function globalTeardown(): Promise<void> {
  const database = (globalThis as { __O2O_TEST_DATABASE__?: EmbeddedDatabase }).__O2O_TEST_DATABASE__;
  if (!database) return;
  await database.stop();
  rmSync(path.dirname(database.dataDir), { recursive: true, force: true });
}
