import { mkdirSync } from 'node:fs';
import { MongoClient, type Db } from 'mongodb';
import { chromium, type Browser } from 'playwright-core';
import { startAppServer, type RunningServer } from './app-server';
import { SCREENSHOTS } from './phone';
import { ensureTaroBuild } from './taro-build';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What an end-to-end test file works with: the server on the H5 build, its database through the driver, Chromium. */
export interface E2eApp {
  server: RunningServer;
  /** The server's database, to check what it stored. */
  db: Db;
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * Builds the H5 app (once per run), starts the real server on it with `env` added, connects to
 * its database and launches Chromium; `stop` undoes all of it and drops the database. Each e2e
 * file calls it in `beforeAll` and `stop` in `afterAll`.
 */
export async function startE2eApp(env: Record<string, string> = {}): Promise<E2eApp> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const server = await startAppServer(ensureTaroBuild('h5'), env);
  let mongo: MongoClient | null = null;
  let browser: Browser | null = null;
  const stop = async () => {
    await browser?.close();
    if (mongo && server.database) await mongo.db(server.database.name).dropDatabase().catch(() => undefined);
    await mongo?.close();
    await server.stop();
  };
  try {
    if (!server.database) throw new Error('the end-to-end test checks what the server stored: it needs the jest run\'s database');
    mongo = await MongoClient.connect(server.database.uri);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    return { server, db: mongo.db(server.database.name), browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
