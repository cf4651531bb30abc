import type { Express } from 'express';
import mongoose from 'mongoose';
import { createApplication, type Application } from '../app';
import { createServices, type AppDependencies, type Services } from '../container';
import { loadConfig, type Config } from '../config/config';
import type { ApiRouter } from '../lib/api-router';
import { createLogger } from '../lib/logger';

/** Tests sign in many people from 127.0.0.1: the stricter limits stay out of the way unless a test sets RATE_LIMITS. */
const UNLIMITED_STRICT_LIMITS = JSON.stringify(Object.fromEntries(['bot', 'login', 'scan', 'inviteAccept', 'bindEntry'].map((name) => [name, { max: 1_000_000 }])));

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', RATE_LIMITS: UNLIMITED_STRICT_LIMITS, ...overrides });
}

export interface TestAppOptions {
  env?: Record<string, string>;
  routers?: ApiRouter[];
  connection?: mongoose.Connection;
  embeddedDatabase?: AppDependencies['embeddedDatabase'];
  authClock?: AppDependencies['authClock'];
}

/** The real application (app, services, scheduler) on the test file's database connection, built as production builds it. */
export function createTestApplication(options: TestAppOptions = {}): Application {
  const config = testConfig(options.env);
  return createApplication(
    { config, logger: createLogger(config.LOG_LEVEL), connection: options.connection ?? mongoose.connection, embeddedDatabase: options.embeddedDatabase, authClock: options.authClock },
    options.routers,
  );
}

/** The real app on the test file's database connection. */
export function createTestApp(options: TestAppOptions = {}): Express {
  return createTestApplication(options).app;
}

/** The same services the app builds, for tests that exercise a service or router directly. */
export function testServices(env: Record<string, string> = {}, extra: Pick<AppDependencies, 'now'> = {}): Services {
  const config = testConfig(env);
  return createServices({ config, logger: createLogger(config.LOG_LEVEL), connection: mongoose.connection, ...extra });
}
