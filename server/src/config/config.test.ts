import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('when nothing is set, then it uses the embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: 'development', HOST: '127.0.0.1', PORT: 3000, MONGODB_DB_NAME: 'o2o' });
    expect(config.MONGODB_URI).toBeUndefined();
    expect(config.CORS_ORIGINS).toEqual([]);
  });

  it('when values are given, then they are parsed into their types', () => {
    const config = loadConfig({ PORT: '8080', CORS_ORIGINS: 'https://a.example, https://b.example', TRUST_PROXY: 'true' });
    expect(config.PORT).toBe(8080);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.TRUST_PROXY).toBe(true);
  });

  it('when a value is bad, then the error names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x' })).toThrow(/MONGODB_URI: must start with mongodb/);
  });

  it('when several values are bad, then each is named', () => {
    try {
      loadConfig({ NODE_ENV: 'staging', LOG_LEVEL: 'loud', BODY_LIMIT: 'huge' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((problem) => problem.variable).sort()).toEqual(['BODY_LIMIT', 'LOG_LEVEL', 'NODE_ENV']);
    }
  });

  it('when a variable is an empty string, then it counts as unset', () => {
    expect(loadConfig({ MONGODB_URI: '' }).MONGODB_URI).toBeUndefined();
  });
});

describe('loadConfig: the active-resident definition', () => {
  it('overrides only the fields given and names a bad one', () => {
    const config = loadConfig({ METRICS_ACTIVE_DEFINITION: '{"minEventsPerDay":2,"newResidentDays":14}' });
    expect(config.METRICS_ACTIVE_DEFINITION).toMatchObject({ minEventsPerDay: 2, newResidentDays: 14, weeklyActiveDays: 1, countOrders: true });
    expect(loadConfig({}).METRICS_ACTIVE_DEFINITION.minEventsPerDay).toBe(1);
    expect(() => loadConfig({ METRICS_ACTIVE_DEFINITION: '{"weeklyActiveDays":9}' })).toThrow(/METRICS_ACTIVE_DEFINITION: weeklyActiveDays/);
    expect(() => loadConfig({ METRICS_ACTIVE_DEFINITION: '{"activeDays":2}' })).toThrow(/METRICS_ACTIVE_DEFINITION/);
    expect(() => loadConfig({ METRICS_ACTIVE_DEFINITION: 'two' })).toThrow(/METRICS_ACTIVE_DEFINITION: must be a JSON object/);
    // A misspelt event type would silently count nothing: it stops the process instead.
    expect(() => loadConfig({ METRICS_ACTIVE_DEFINITION: '{"eventTypes":["group_chekin"]}' })).toThrow(/METRICS_ACTIVE_DEFINITION: eventTypes\.0/);
    expect(loadConfig({ METRICS_ACTIVE_DEFINITION: '{"eventTypes":["group_checkin","store_visited"]}' }).METRICS_ACTIVE_DEFINITION.eventTypes).toEqual(['group_checkin', 'store_visited']);
  });
});

describe('loadConfig: WeChat and dev login', () => {
  it('turns dev login on by default when WeChat credentials are missing outside production', () => {
    expect(loadConfig({}).DEV_LOGIN).toBe(true);
    expect(loadConfig({ WECHAT_APPID: 'wx1234567890abcdef', WECHAT_SECRET: 'a-real-secret' }).DEV_LOGIN).toBe(false);
  });

  it('refuses dev login in production, naming the variable', () => {
    const production = { NODE_ENV: 'production', WECHAT_APPID: 'wx1234567890abcdef', WECHAT_SECRET: 'secret-secret', SCENE_SECRET: 'x'.repeat(16), SESSION_SECRET: 'y'.repeat(16), ORDER_WEBHOOK_SECRET: 'z'.repeat(16), BOT_API_TOKEN: 'b'.repeat(24) };
    expect(loadConfig(production).DEV_LOGIN).toBe(false);
    expect(() => loadConfig({ ...production, DEV_LOGIN: 'true' })).toThrow(/DEV_LOGIN: dev login cannot be enabled when NODE_ENV=production/);
  });

  it('requires WeChat credentials and secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/WECHAT_APPID[\s\S]*WECHAT_SECRET[\s\S]*SCENE_SECRET[\s\S]*SESSION_SECRET/);
  });

  it('wants the AppID and the secret together', () => {
    expect(() => loadConfig({ WECHAT_APPID: 'wx1234567890abcdef' })).toThrow(/WECHAT_SECRET/);
  });

  it('stores images locally with a 5 MB limit unless told otherwise; S3 keys come in pairs and a bucket name is checked', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ MEDIA_MAX_UPLOAD_BYTES: 5 * 1024 * 1024, MEDIA_MAX_IMAGE_SIDE: 1280 });
    expect(defaults.MEDIA_S3_BUCKET).toBeUndefined();
    expect(loadConfig({ MEDIA_S3_BUCKET: 'shop-images', MEDIA_S3_FORCE_PATH_STYLE: 'true' })).toMatchObject({ MEDIA_S3_BUCKET: 'shop-images', MEDIA_S3_FORCE_PATH_STYLE: true, MEDIA_S3_KEY_PREFIX: 'media/' });
    expect(() => loadConfig({ MEDIA_S3_BUCKET: 'Shop_Images' })).toThrow(/MEDIA_S3_BUCKET: a bucket name/);
    expect(() => loadConfig({ MEDIA_S3_ACCESS_KEY_ID: 'AKIA123' })).toThrow(/MEDIA_S3_SECRET_ACCESS_KEY: .*set together/);
  });
});
