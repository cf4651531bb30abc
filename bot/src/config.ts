import path from 'node:path';
import { SEND_TYPES, type Budget, type SendBudgets } from './sending/send-queue';

/**
 * Everything the bot reads from the environment, parsed once; a bad value stops the process with a
 * message naming the variable. Nothing else in the bot reads process.env.
 */
export interface BotConfig {
  nodeEnv: 'development' | 'test' | 'production';
  /** The server's base URL, e.g. http://127.0.0.1:3000. */
  serverUrl: string;
  /** Must equal the server's BOT_API_TOKEN. */
  apiToken: string;
  /** The Wechaty puppet module (`wechaty-puppet-mock` by default, e.g. `wechaty-puppet-service` for a real account). */
  puppet: string;
  /** The puppet's token (WECHATY_PUPPET_SERVICE_TOKEN or WECHATY_TOKEN). */
  puppetToken: string | null;
  /** The bot's name on the mock puppet and in logs. */
  name: string;
  /** The durable outbox and the delivery journal live here (git-ignored). */
  dataDir: string;
  /** Outgoing pacing: at least this long between two messages to the same conversation. */
  minIntervalPerConversationMs: number;
  /** Outgoing pacing: at most this many messages per minute for the whole account. */
  maxMessagesPerMinute: number;
  /** How often the member lists are reconciled with the server. */
  memberSyncIntervalMs: number;
  /** How often due greetings and broadcasts are fetched. */
  deliveryPollIntervalMs: number;
  /** How often the outbox is flushed and activity counts are reported. */
  flushIntervalMs: number;
  /** How long a room's context from the server is reused. */
  contextTtlMs: number;
  requestTimeoutMs: number;
  /** Run the simulated store group with a few residents (mock puppet only). */
  demo: boolean;
  /** A standby account: runs no group until the server hands it the groups of an account that went down. */
  standby: boolean;
  /** Per-hour and per-day totals and per-type budgets (text, image, mini-program card, @all) on top of the per-minute total. */
  sendBudgets: SendBudgets;
  /** This many failed sends (or puppet errors) in a row: the account is reported restricted and stops sending. */
  failedSendsAlert: number;
  /** How often the account tells the server it is up and which rooms it is in. */
  heartbeatIntervalMs: number;
  /** Other bots' names: never answered. */
  ignoreNames: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The mini-program a broadcast card opens (its WeChat appid); null sends a card as words. */
  miniProgramAppId: string | null;
}

export class BotConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid bot configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'BotConfigError';
  }
}

/** Same development default as the server's, so `npm start` works without setup. */
export const DEVELOPMENT_BOT_API_TOKEN = 'development-bot-api-token-change-me';
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');

/**
 * Conservative defaults for a personal WeChat account: the per-minute total is
 * BOT_MAX_MESSAGES_PER_MINUTE; images, mini-program cards and @all are budgeted on their own.
 */
export const DEFAULT_SEND_BUDGETS: SendBudgets = {
  total: { perHour: 600, perDay: 3000 },
  image: { perMinute: 5, perHour: 60, perDay: 300 },
  mini_program: { perMinute: 3, perHour: 30, perDay: 150 },
  mention_all: { perMinute: 1, perHour: 2, perDay: 5 },
};

/** BOT_SEND_BUDGETS: JSON like `{"total":{"perHour":600},"image":{"perMinute":5}}`, merged over the defaults. */
function parseBudgets(raw: string | undefined, problems: string[]): SendBudgets {
  if (raw === undefined) return DEFAULT_SEND_BUDGETS;
  const message = `BOT_SEND_BUDGETS: JSON mapping total, ${SEND_TYPES.join(', ')} to {perMinute, perHour, perDay} (positive integers)`;
  try {
    const parsed = JSON.parse(raw) as Record<string, Record<string, unknown>>;
    const result: Record<string, Budget> = { ...DEFAULT_SEND_BUDGETS };
    for (const [key, budget] of Object.entries(parsed)) {
      if (key !== 'total' && !(SEND_TYPES as readonly string[]).includes(key)) throw new Error(key);
      for (const [span, value] of Object.entries(budget ?? {})) {
        if (!['perMinute', 'perHour', 'perDay'].includes(span) || !Number.isInteger(value) || (value as number) < 1) throw new Error(span);
      }
      result[key] = { ...result[key], ...(budget as Budget) };
    }
    return result as SendBudgets;
  } catch {
    problems.push(message);
    return DEFAULT_SEND_BUDGETS;
  }
}

export function loadBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name}: an integer from ${min} to ${max}`);
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name}: true or false`);
    return raw === 'true' || raw === '1';
  };

  const nodeEnv = (read('NODE_ENV') ?? 'development') as BotConfig['nodeEnv'];
  if (!['development', 'test', 'production'].includes(nodeEnv)) problems.push('NODE_ENV: development, test or production');
  const serverUrl = read('BOT_SERVER_URL') ?? 'http://127.0.0.1:3000';
  if (!/^https?:\/\/[^\s]+$/.test(serverUrl)) problems.push('BOT_SERVER_URL: an http(s) URL');
  const apiToken = read('BOT_API_TOKEN') ?? (nodeEnv === 'production' ? '' : DEVELOPMENT_BOT_API_TOKEN);
  if (!/^[A-Za-z0-9_.~-]{24,200}$/.test(apiToken)) problems.push(`BOT_API_TOKEN: ${nodeEnv === 'production' ? 'required in production; ' : ''}24-200 characters of letters, digits and _.~-`);
  const puppet = read('WECHATY_PUPPET') ?? 'wechaty-puppet-mock';
  const logLevel = (read('BOT_LOG_LEVEL') ?? read('LOG_LEVEL') ?? 'info') as BotConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) problems.push('BOT_LOG_LEVEL: debug, info, warn, error or silent');

  const config: BotConfig = {
    nodeEnv,
    serverUrl: serverUrl.replace(/\/+$/, ''),
    apiToken,
    puppet,
    puppetToken: read('WECHATY_PUPPET_SERVICE_TOKEN') ?? read('WECHATY_TOKEN') ?? null,
    name: read('BOT_NAME') ?? '邻里小助手',
    dataDir: path.resolve(read('BOT_DATA_DIR') ?? path.join(read('DATA_DIR') ?? path.join(REPOSITORY_ROOT, '.data'), 'bot')),
    minIntervalPerConversationMs: integer('BOT_MIN_INTERVAL_PER_GROUP_MS', 1000, 0, 600_000),
    maxMessagesPerMinute: integer('BOT_MAX_MESSAGES_PER_MINUTE', 40, 1, 1000),
    memberSyncIntervalMs: integer('BOT_MEMBER_SYNC_INTERVAL_MS', 5 * 60_000, 1000, 24 * 3_600_000),
    deliveryPollIntervalMs: integer('BOT_DELIVERY_POLL_INTERVAL_MS', 15_000, 100, 3_600_000),
    flushIntervalMs: integer('BOT_FLUSH_INTERVAL_MS', 10_000, 50, 3_600_000),
    contextTtlMs: integer('BOT_CONTEXT_TTL_MS', 60_000, 0, 3_600_000),
    requestTimeoutMs: integer('BOT_REQUEST_TIMEOUT_MS', 5000, 100, 120_000),
    demo: flag('BOT_DEMO', puppet === 'wechaty-puppet-mock'),
    standby: flag('BOT_STANDBY', false),
    sendBudgets: parseBudgets(read('BOT_SEND_BUDGETS'), problems),
    failedSendsAlert: integer('BOT_FAILED_SENDS_ALERT', 3, 1, 100),
    heartbeatIntervalMs: integer('BOT_HEARTBEAT_INTERVAL_MS', 60_000, 100, 3_600_000),
    ignoreNames: (read('BOT_IGNORE_NAMES') ?? '').split(',').map((name) => name.trim()).filter(Boolean),
    logLevel,
    miniProgramAppId: read('BOT_MINIPROGRAM_APPID') ?? null,
  };
  if (config.demo && puppet !== 'wechaty-puppet-mock') problems.push('BOT_DEMO: the demo needs WECHATY_PUPPET=wechaty-puppet-mock');
  if (problems.length > 0) throw new BotConfigError(problems);
  return config;
}
