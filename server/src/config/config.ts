import path from 'node:path';
import { z } from 'zod';
import { parseTemplateIds } from '@o2o/shared/rules/campaigns';
import { DEFAULT_ACTIVE_DEFINITION } from '@o2o/shared/rules/metrics';
import { parseExpiryPolicy } from '@o2o/shared/rules/points-expiry';
import { activeDefinitionOverrideSchema } from '@o2o/shared/schemas/metrics';

/** The repository root; the default data directory lives under it (git-ignored). */
export const REPOSITORY_ROOT = path.resolve(__dirname, '../../..');

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

export interface RateLimit {
  max: number;
  windowSeconds: number;
}

/** The stricter limits, per client IP (bind-code entry: per WeChat account the bot relays; the bot: by its token). */
export const RATE_LIMIT_DEFAULTS = {
  bot: { max: 6000, windowSeconds: 60 },
  login: { max: 30, windowSeconds: 600 },
  scan: { max: 30, windowSeconds: 60 },
  inviteAccept: { max: 10, windowSeconds: 3600 },
  bindEntry: { max: 10, windowSeconds: 60 },
} satisfies Record<string, RateLimit>;
export type RateLimitName = keyof typeof RATE_LIMIT_DEFAULTS;

const rateLimitSchema = z.object({ max: z.number().int().min(1), windowSeconds: z.number().int().min(1).max(86_400) }).partial().strict();
const rateLimitOverridesSchema = z
  .object(Object.fromEntries(Object.keys(RATE_LIMIT_DEFAULTS).map((name) => [name, rateLimitSchema.optional()])) as Record<RateLimitName, z.ZodOptional<typeof rateLimitSchema>>)
  .strict();

/**
 * Every environment variable the server reads. Nothing else in the code reads process.env.
 * The README's configuration table mirrors this schema.
 */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('o2o'),
  MONGODB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  DATA_DIR: z.string().min(1).default(path.join(REPOSITORY_ROOT, '.data')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: commaList.default([]),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb or 1mb').default('1mb'),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600),
  /** JSON overriding the stricter limits, e.g. `{"login":{"max":10,"windowSeconds":600}}`. */
  RATE_LIMITS: z
    .string()
    .default('{}')
    .transform((text, context) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
      const result = rateLimitOverridesSchema.safeParse(parsed);
      if (!result.success) {
        context.addIssue({ code: 'custom', message: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ') });
        return z.NEVER;
      }
      return Object.fromEntries(
        Object.entries(RATE_LIMIT_DEFAULTS).map(([name, limit]) => [name, { ...limit, ...result.data[name as RateLimitName] }]),
      ) as Record<RateLimitName, RateLimit>;
    }),
  /** How often each instance shares its rate-limit counts with the others. */
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  TRUST_PROXY: booleanFlag.default(false),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  WECHAT_APPID: z.string().regex(/^wx[0-9a-zA-Z_-]{6,30}$/, 'a mini-program AppID such as wx1234567890abcdef').optional(),
  WECHAT_SECRET: z.string().min(8).optional(),
  WECHAT_API_BASE_URL: z.url().default('https://api.weixin.qq.com'),
  WECHAT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** The page a mini-program code opens (getwxacodeunlimit's `page`). */
  MINIPROGRAM_LANDING_PAGE: z.string().regex(/^[a-z0-9_/-]+$/).default('pages/landing/index'),
  /** Accepts `dev:<name>` login codes instead of calling WeChat. Never in production. */
  DEV_LOGIN: booleanFlag.optional(),
  SCENE_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  SESSION_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24 * 30),
  /**
   * How long a verified caller (session and staff record) is reused without reading them again:
   * a sign-out here ends it at once; one on another instance, or a staff account stopped or
   * changed in the database, takes effect within this time. 0 reads both on every request.
   */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /**
   * Where the H5 build is served; fallback QR images and invite links encode
   * `<H5_BASE_URL>/#/<landing page>?scene=...`. Unset: the address the server listens on (lib/public-links.ts).
   */
  H5_BASE_URL: z.url().optional(),
  SEED_DEMO_DATA: booleanFlag.default(true),
  /** The mini-program's H5 build, served at /h5 when the folder exists. */
  H5_DIST_DIR: z.string().min(1).default(path.join(REPOSITORY_ROOT, 'miniprogram', 'dist', 'h5')),
  /** Run the scheduled jobs in this instance (each run takes a lease, so several instances are fine). */
  JOBS_ENABLED: booleanFlag.default(true),
  /** `end_of_next_year`, `days:<N>` or `never` (shared/src/rules/points-expiry.ts). */
  POINTS_EXPIRY_POLICY: z
    .string()
    .refine((value) => parseExpiryPolicy(value) !== null, 'end_of_next_year, days:<N> or never')
    .default('end_of_next_year'),
  /** JSON overriding fields of the active-resident definition (shared/src/rules/metrics.ts), e.g. `{"minEventsPerDay":2,"newResidentDays":14}`. */
  METRICS_ACTIVE_DEFINITION: z
    .string()
    .default('{}')
    .transform((text, context) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
      const result = activeDefinitionOverrideSchema.safeParse(parsed);
      if (!result.success) {
        context.addIssue({ code: 'custom', message: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ') });
        return z.NEVER;
      }
      return { ...DEFAULT_ACTIVE_DEFINITION, ...result.data };
    }),
  /** Half-life of a purchase's weight in the interest-prediction label, in days. */
  INTEREST_HALF_LIFE_DAYS: z.coerce.number().min(1).max(3650).default(30),
  /** How much the interest label's score leans on a product's popularity in the resident's store (0: none). */
  INTEREST_POPULARITY_WEIGHT: z.coerce.number().min(0).max(1000).optional(),
  /** WeChat subscribe-message sends in flight at once while a push is sent. */
  CAMPAIGN_SEND_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(5),
  /** A push delivery claimed this long ago without WeChat's answer counts as unknown and is never resent. */
  CAMPAIGN_STALE_SENDING_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** `activity_reminder:<id>,arrival_reminder:<id>,points_expiry:<id>`: the template ids the mini-program console issued. */
  SUBSCRIBE_TEMPLATE_IDS: z
    .string()
    .refine((value) => parseTemplateIds(value) !== null, 'key:templateId pairs separated by commas; keys activity_reminder, arrival_reminder, points_expiry')
    .optional(),
  INVITE_REWARD_POINTS: z.coerce.number().int().min(1).max(100_000).default(50),
  INVITE_QUALIFY_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  /** An order placed within this many hours after a resident opened a broadcast card, a push or a share is credited to it (last touch). */
  ORDER_CREDIT_WINDOW_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
  /** Days without an order, after the last one, before a resident is on their advisor's churn to-do list. */
  CHURN_LAPSE_DAYS: z.coerce.number().int().min(1).max(365).default(21),
  FRAUD_MAX_INVITEES_PER_DAY: z.coerce.number().int().min(1).default(10),
  FRAUD_MAX_INVITEES_PER_WINDOW: z.coerce.number().int().min(1).default(30),
  FRAUD_WINDOW_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  FRAUD_LOW_QUALITY_SHARE: z.coerce.number().min(0.05).max(1).default(0.6),
  FRAUD_LOW_QUALITY_MIN_INVITEES: z.coerce.number().int().min(1).default(5),
  FRAUD_JUDGE_AFTER_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  /** HMAC-SHA256 secret shared with the chain's O2O order system, which signs `POST /orders/webhook`. */
  ORDER_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** A webhook delivery whose X-Timestamp is further than this from the server's clock is refused as stale. */
  ORDER_WEBHOOK_MAX_SKEW_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Points a completed order earns per yuan paid (rounded down); 0 turns order points off. */
  ORDER_POINTS_PER_YUAN: z.coerce.number().min(0).max(1000).default(1),
  /** Largest image upload accepted by `POST /media/images`, in bytes (5 MB by default). */
  MEDIA_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Longest side of a stored image in pixels: larger uploads are scaled down, smaller ones kept. */
  MEDIA_MAX_IMAGE_SIDE: z.coerce.number().int().min(64).max(8192).default(1280),
  /** An S3-compatible bucket for uploaded images; unset: files under DATA_DIR/media. */
  MEDIA_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name: 3-63 lowercase letters, digits, . and -').optional(),
  MEDIA_S3_REGION: z.string().regex(/^[a-z0-9-]{2,40}$/, 'a region such as us-east-1 or ap-shanghai').default('us-east-1'),
  /** Another S3-compatible service's address (MinIO, Tencent COS, Aliyun OSS); unset: AWS S3. */
  MEDIA_S3_ENDPOINT: z.url().optional(),
  /** Unset: the AWS SDK's default credential chain (instance role, shared config). */
  MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** `bucket` in the path instead of the host name, as MinIO and most self-hosted services want. */
  MEDIA_S3_FORCE_PATH_STYLE: booleanFlag.default(false),
  /** Prefix of every object key the server writes in the bucket. */
  MEDIA_S3_KEY_PREFIX: z.string().regex(/^([A-Za-z0-9_-]+\/)*$/, 'empty or folder names each ending in /, e.g. media/').default('media/'),
  /** Bearer token the community-group bot presents on `/groups/bot/*`; the bot's BOT_API_TOKEN must equal it. */
  BOT_API_TOKEN: z.string().regex(/^[A-Za-z0-9_.~-]{24,200}$/, '24-200 characters of letters, digits and _.~-').optional(),
});

/** Development-only defaults; production must set its own secrets. */
const DEVELOPMENT_SCENE_SECRET = 'development-scene-secret-change-me';
const DEVELOPMENT_SESSION_SECRET = 'development-session-secret-change-me';
const DEVELOPMENT_ORDER_WEBHOOK_SECRET = 'development-order-webhook-secret-change-me';
/** Also the bot's development default (bot/src/config.ts). */
export const DEVELOPMENT_BOT_API_TOKEN = 'development-bot-api-token-change-me';

function resolveDerived(raw: z.infer<typeof environmentSchema>) {
  const wechatConfigured = Boolean(raw.WECHAT_APPID && raw.WECHAT_SECRET);
  return {
    ...raw,
    wechatConfigured,
    DEV_LOGIN: raw.DEV_LOGIN ?? (!wechatConfigured && raw.NODE_ENV !== 'production'),
    SCENE_SECRET: raw.SCENE_SECRET ?? DEVELOPMENT_SCENE_SECRET,
    SESSION_SECRET: raw.SESSION_SECRET ?? DEVELOPMENT_SESSION_SECRET,
    ORDER_WEBHOOK_SECRET: raw.ORDER_WEBHOOK_SECRET ?? DEVELOPMENT_ORDER_WEBHOOK_SECRET,
    BOT_API_TOKEN: raw.BOT_API_TOKEN ?? DEVELOPMENT_BOT_API_TOKEN,
  };
}

export type Config = ReturnType<typeof resolveDerived>;

function productionProblems(raw: z.infer<typeof environmentSchema>): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (raw.NODE_ENV !== 'production') return problems;
  if (raw.DEV_LOGIN) problems.push({ variable: 'DEV_LOGIN', message: 'dev login cannot be enabled when NODE_ENV=production' });
  if (!raw.WECHAT_APPID) problems.push({ variable: 'WECHAT_APPID', message: 'required when NODE_ENV=production' });
  if (!raw.WECHAT_SECRET) problems.push({ variable: 'WECHAT_SECRET', message: 'required when NODE_ENV=production' });
  if (!raw.SCENE_SECRET) problems.push({ variable: 'SCENE_SECRET', message: 'required when NODE_ENV=production' });
  if (!raw.SESSION_SECRET) problems.push({ variable: 'SESSION_SECRET', message: 'required when NODE_ENV=production' });
  if (!raw.ORDER_WEBHOOK_SECRET) problems.push({ variable: 'ORDER_WEBHOOK_SECRET', message: 'required when NODE_ENV=production' });
  if (!raw.BOT_API_TOKEN) problems.push({ variable: 'BOT_API_TOKEN', message: 'required when NODE_ENV=production' });
  return problems;
}

/** Addresses only this machine can reach; anything else (0.0.0.0, ::, a LAN or public address, a host name) is a network address. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

const DEVELOPMENT_SECRETS = {
  SCENE_SECRET: DEVELOPMENT_SCENE_SECRET,
  SESSION_SECRET: DEVELOPMENT_SESSION_SECRET,
  ORDER_WEBHOOK_SECRET: DEVELOPMENT_ORDER_WEBHOOK_SECRET,
  BOT_API_TOKEN: DEVELOPMENT_BOT_API_TOKEN,
} as const;

/**
 * Whatever NODE_ENV says, a server reachable from the network never runs with a public
 * development secret (anyone could sign order webhooks that mint points, forge scenes or act as
 * the bot) nor with dev login (anyone could sign in as an admin). Production refuses the
 * development values even on loopback.
 */
function exposureProblems(config: Config): { variable: string; message: string }[] {
  const exposed = !isLoopbackHost(config.HOST);
  if (!exposed && config.NODE_ENV !== 'production') return [];
  const where = exposed ? `HOST=${config.HOST} is reachable from the network` : 'NODE_ENV=production';
  const problems = Object.entries(DEVELOPMENT_SECRETS)
    .filter(([variable, value]) => config[variable as keyof typeof DEVELOPMENT_SECRETS] === value)
    .map(([variable]) => ({ variable, message: `${where}: set your own secret (the development default is public)` }));
  if (exposed && config.DEV_LOGIN) problems.push({ variable: 'DEV_LOGIN', message: `${where}: dev login lets anyone sign in as anyone; set DEV_LOGIN=false or listen on 127.0.0.1` });
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const problems = productionProblems(result.data);
  if (Boolean(result.data.WECHAT_APPID) !== Boolean(result.data.WECHAT_SECRET)) {
    problems.push({ variable: result.data.WECHAT_APPID ? 'WECHAT_SECRET' : 'WECHAT_APPID', message: 'WECHAT_APPID and WECHAT_SECRET are set together' });
  }
  if (Boolean(result.data.MEDIA_S3_ACCESS_KEY_ID) !== Boolean(result.data.MEDIA_S3_SECRET_ACCESS_KEY)) {
    problems.push({ variable: result.data.MEDIA_S3_ACCESS_KEY_ID ? 'MEDIA_S3_SECRET_ACCESS_KEY' : 'MEDIA_S3_ACCESS_KEY_ID', message: 'MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY are set together' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = resolveDerived(result.data);
  const exposure = exposureProblems(config);
  if (exposure.length > 0) throw new ConfigError(exposure);
  return config;
}
