import { existsSync } from 'node:fs';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config/config';
import type { Logger } from '../lib/logger';
import { connectDatabase, describeMongoHosts } from './connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';

export interface OpenDatabase {
  connection: Connection;
  /** The embedded database when MONGODB_URI is unset. */
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

/** MONGODB_URI when set; otherwise the project's own FerretDB on PostgreSQL with its data under DATA_DIR. */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.MONGODB_URI;
  if (!uri) {
    const dataDir = path.join(config.DATA_DIR, 'postgres');
    if (existsSync(path.join(config.DATA_DIR, 'ferretdb'))) {
      logger.warn({ old: path.join(config.DATA_DIR, 'ferretdb') }, 'data of the former SQLite-backed embedded database is not used (development data is seeded again); the folder can be deleted');
    }
    embedded = await startEmbeddedDatabase({ dataDir, onLog: (line) => logger.warn({ embeddedDatabase: line }, 'embedded database') });
    uri = embedded.uri;
    embedded.onStateChange((state) => {
      const log = state === 'failed' ? logger.fatal.bind(logger) : state === 'stopped' ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ state, restarts: embedded!.restarts }, `embedded database ${state}`);
    });
    logger.info({ dataDir, uri }, 'embedded database (FerretDB on PostgreSQL) started');
  }
  try {
    const connection = await connectDatabase(uri, config.MONGODB_DB_NAME, config.MONGODB_CONNECT_TIMEOUT_MS);
    logger.info({ hosts: describeMongoHosts(uri), db: config.MONGODB_DB_NAME }, 'database connected');
    return {
      connection,
      embedded,
      close: async () => {
        await mongoose.disconnect();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
