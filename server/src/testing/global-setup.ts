import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../db/embedded-database';

/**
 * Starts one embedded database (FerretDB on PostgreSQL) for the whole jest run (unless TEST_MONGODB_URI points at a
 * real MongoDB). Each test file then works in a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-test-db-'));
  const database = await startEmbeddedDatabase({ dataDir: path.join(dataDir, 'postgres'), durable: false });
  process.env.TEST_MONGODB_URI = database.uri;
  (globalThis as { __O2O_TEST_DATABASE__?: unknown }).__O2O_TEST_DATABASE__ = database;
}
