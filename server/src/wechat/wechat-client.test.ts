import pino from 'pino';
import { startFakeWechatServer, type FakeWechatServer } from '../testing/fake-wechat-server';
import { WechatClient, WechatError, type WechatClientOptions } from './wechat-client';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let fake: FakeWechatServer;
let logLines: string[];

function createClient(overrides: Partial<WechatClientOptions> = {}): WechatClient {
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  return new WechatClient({ baseUrl: fake.url, appId: fake.appId, appSecret: fake.appSecret, timeoutMs: 5000, logger, ...overrides });
}

/** Awaits the rejection and checks it is the expected WechatError, with nothing secret in what callers see. */
async function expectWechatError(promise: Promise<unknown>, code: string, status: number, secret = fake.appSecret): Promise<WechatError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(WechatError);
  const wechatError = error as WechatError;
  expect({ code: wechatError.code, status: wechatError.status }).toEqual({ code, status });
  expect(`${wechatError.message} ${JSON.stringify(wechatError.details)}`).not.toContain(secret);
  return wechatError;
}

function requestsTo(path: string): number {
  return fake.requests.filter((request) => request.path === path).length;
}

beforeEach(async () => {
  fake = await startFakeWechatServer();
  logLines = [];
});

afterEach(async () => {
  await fake.close();
  expect(logLines.join('\n')).not.toContain(fake.appSecret);
});

describe('code2Session', () => {
  it('when the login code is valid, then it returns the openid, the unionid and the session key', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1', unionid: 'unionid-1' });
    const session = await createClient().code2Session('code-1');
    expect(session).toEqual({ openid: 'openid-1', unionid: 'unionid-1', sessionKey: expect.any(String) });
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: '/sns/jscode2session',
      query: { appid: fake.appId, secret: fake.appSecret, js_code: 'code-1', grant_type: 'authorization_code' },
    });
    expect(logLines.join('\n')).not.toContain(session.sessionKey);
  });

  it('when WeChat gives no unionid, then the session has none', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1' });
    const session = await createClient().code2Session('code-1');
    expect(session).not.toHaveProperty('unionid');
    expect(session.openid).toBe('openid-1');
  });

  it('when the login code is unknown, then it fails with WECHAT_INVALID_CODE 400', async () => {
    const error = await expectWechatError(createClient().code2Session('nope'), 'WECHAT_INVALID_CODE', 400);
    expect(error.message).toBe('登录码无效，请重新打开小程序登录');
    expect(error.details).toMatchObject({ errcode: 40029 });
  });

  it('when the code was already used, then the second login fails with WECHAT_CODE_USED 400', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1' });
    const client = createClient();
    await client.code2Session('code-1');
    const error = await expectWechatError(client.code2Session('code-1'), 'WECHAT_CODE_USED', 400);
    expect(error.message).toBe('登录码已使用，请重新打开小程序登录');
  });

  it('when WeChat rate-limits logins, then it fails with WECHAT_RATE_LIMITED 429', async () => {
    fake.failNext('/sns/jscode2session', 45011);
    await expectWechatError(createClient().code2Session('code-1'), 'WECHAT_RATE_LIMITED', 429);
  });

  it('when WeChat flags the user as high-risk, then it fails with WECHAT_HIGH_RISK_USER 403', async () => {
    fake.failNext('/sns/jscode2session', 40226);
    await expectWechatError(createClient().code2Session('code-1'), 'WECHAT_HIGH_RISK_USER', 403);
  });

  it('when WeChat is busy once, then it retries once and succeeds', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1' });
    fake.failNext('/sns/jscode2session', -1);
    const session = await createClient().code2Session('code-1');
    expect(session.openid).toBe('openid-1');
    expect(requestsTo('/sns/jscode2session')).toBe(2);
  });

  it('when WeChat is busy twice, then it gives up with WECHAT_BUSY 503 after one retry', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1' });
    fake.failNext('/sns/jscode2session', -1, 2);
    await expectWechatError(createClient().code2Session('code-1'), 'WECHAT_BUSY', 503);
    expect(requestsTo('/sns/jscode2session')).toBe(2);
  });

  it('when WeChat answers slower than the timeout, then it fails with WECHAT_UNAVAILABLE 502 soon after the timeout', async () => {
    fake.addLoginCode('code-1', { openid: 'openid-1' });
    fake.delayNext('/sns/jscode2session', 3000);
    const started = Date.now();
    const error = await expectWechatError(createClient({ timeoutMs: 150 }).code2Session('code-1'), 'WECHAT_UNAVAILABLE', 502);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.message).toBe('微信服务暂时无法访问，请稍后再试');
    expect(error.details).toEqual({ path: '/sns/jscode2session', reason: 'WeChat did not answer within 150 ms' });
  });

  it('when WeChat cannot be reached, then it fails with WECHAT_UNAVAILABLE 502 naming the path', async () => {
    const client = createClient();
    await fake.close();
    fake = await startFakeWechatServer();
    const error = await expectWechatError(client.code2Session('code-1'), 'WECHAT_UNAVAILABLE', 502);
    expect(JSON.stringify(error.details)).toContain('/sns/jscode2session');
  });

  it('when the AppSecret is wrong, then it fails with WECHAT_CREDENTIALS_REJECTED and never shows the secret', async () => {
    const client = createClient({ appSecret: 'wrong-secret-value' });
    const error = await expectWechatError(client.code2Session('code-1'), 'WECHAT_CREDENTIALS_REJECTED', 502, 'wrong-secret-value');
    expect(error.details).toMatchObject({ errcode: 40125 });
    expect(logLines.join('\n')).not.toContain('wrong-secret-value');
  });

  it('when WeChat answers an errcode this client does not know, then it fails with WECHAT_ERROR 502 carrying the errcode', async () => {
    fake.failNext('/sns/jscode2session', 40999);
    const error = await expectWechatError(createClient().code2Session('code-1'), 'WECHAT_ERROR', 502);
    expect(error.details).toMatchObject({ errcode: 40999 });
  });
});

describe('access token', () => {
  it('when the token is asked for many times, then WeChat is asked once', async () => {
    const client = createClient();
    const first = await client.getAccessToken();
    for (let i = 0; i < 5; i += 1) expect(await client.getAccessToken()).toBe(first);
    expect(fake.tokenRequests).toBe(1);
    expect(fake.requests[0]?.query).toMatchObject({ grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
  });

  it('when the token is within 5 minutes of expiring, then a new one is fetched', async () => {
    let clock = 1_000_000;
    const client = createClient({ now: () => clock });
    const first = await client.getAccessToken();
    clock += (7200 - 5 * 60) * 1000 - 1;
    expect(await client.getAccessToken()).toBe(first);
    clock += 1;
    expect(await client.getAccessToken()).not.toBe(first);
    expect(fake.tokenRequests).toBe(2);
  });

  it('when 20 codes are drawn at once with no token yet, then exactly one token request is made', async () => {
    const client = createClient();
    const images = await Promise.all(Array.from({ length: 20 }, (_, i) => client.getUnlimitedQrCode({ scene: `s${i}` })));
    expect(images).toHaveLength(20);
    expect(fake.tokenRequests).toBe(1);
    expect(requestsTo('/wxa/getwxacodeunlimit')).toBe(20);
  });

  it('when a token is invalidated after another caller replaced it, then the fresh token stays cached', async () => {
    const client = createClient();
    const first = await client.getAccessToken();
    client.invalidateAccessToken(first);
    const second = await client.getAccessToken();
    client.invalidateAccessToken(first);
    expect(await client.getAccessToken()).toBe(second);
    expect(fake.tokenRequests).toBe(2);
  });

  it('when WeChat expired the tokens, then the token is refreshed once and the call retried', async () => {
    const client = createClient();
    await client.getUnlimitedQrCode({ scene: 'a' });
    fake.expireAccessTokens();
    const images = await Promise.all(Array.from({ length: 5 }, () => client.getUnlimitedQrCode({ scene: 'b' })));
    expect(images.every((image) => image.subarray(0, 8).equals(PNG_SIGNATURE))).toBe(true);
    expect(fake.tokenRequests).toBe(2);
    expect(requestsTo('/wxa/getwxacodeunlimit')).toBe(1 + 5 * 2);
  });

  it('when WeChat says the token expired (42001), then the token is refreshed and the call retried', async () => {
    const client = createClient();
    fake.failNext('/wxa/getwxacodeunlimit', 42001);
    await client.getUnlimitedQrCode({ scene: 'a' });
    expect(fake.tokenRequests).toBe(2);
  });

  it('when WeChat keeps rejecting the token, then it gives up after one refresh', async () => {
    const client = createClient();
    fake.failNext('/wxa/getwxacodeunlimit', 40001, 2);
    const error = await expectWechatError(client.getUnlimitedQrCode({ scene: 'a' }), 'WECHAT_ERROR', 502);
    expect(error.details).toMatchObject({ errcode: 40001 });
    expect(fake.tokenRequests).toBe(2);
    expect(requestsTo('/wxa/getwxacodeunlimit')).toBe(2);
  });

  it('when the AppSecret is wrong, then the token fails with WECHAT_CREDENTIALS_REJECTED and never shows the secret', async () => {
    const client = createClient({ appSecret: 'wrong-secret-value' });
    await expectWechatError(client.getAccessToken(), 'WECHAT_CREDENTIALS_REJECTED', 502, 'wrong-secret-value');
    expect(logLines.join('\n')).not.toContain('wrong-secret-value');
  });

  it('when the token request fails, then the next caller tries again', async () => {
    const client = createClient();
    fake.failNext('/cgi-bin/token', 40164);
    await expectWechatError(client.getAccessToken(), 'WECHAT_ERROR', 502);
    expect(await client.getAccessToken()).toEqual(expect.any(String));
    expect(fake.tokenRequests).toBe(2);
  });
});

describe('getUnlimitedQrCode', () => {
  it('when the scene and page are valid, then it returns PNG bytes and sends WeChat the snake_case body', async () => {
    const image = await createClient().getUnlimitedQrCode({
      scene: 'c.abcdefgh.0123456789',
      page: 'pages/landing/index',
      checkPath: true,
      envVersion: 'trial',
      width: 430,
    });
    expect(image.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const request = fake.requests.find((entry) => entry.path === '/wxa/getwxacodeunlimit');
    expect(request?.method).toBe('POST');
    expect(request?.query.access_token).toEqual(expect.any(String));
    expect(request?.body).toEqual({ scene: 'c.abcdefgh.0123456789', page: 'pages/landing/index', check_path: true, env_version: 'trial', width: 430 });
  });

  it('when the scene is longer than 32 characters, then it fails with WECHAT_INVALID_SCENE 400', async () => {
    await expectWechatError(createClient().getUnlimitedQrCode({ scene: 'x'.repeat(33) }), 'WECHAT_INVALID_SCENE', 400);
  });

  it('when the page is not published and the path is checked, then it fails with WECHAT_INVALID_PAGE 400', async () => {
    await expectWechatError(
      createClient().getUnlimitedQrCode({ scene: 'a', page: 'pages/missing/index', checkPath: true }),
      'WECHAT_INVALID_PAGE',
      400,
    );
  });

  it('when the daily quota is used up, then it fails with WECHAT_QUOTA_EXCEEDED 429', async () => {
    fake.failNext('/wxa/getwxacodeunlimit', 45009);
    await expectWechatError(createClient().getUnlimitedQrCode({ scene: 'a' }), 'WECHAT_QUOTA_EXCEEDED', 429);
  });
});

describe('getPhoneNumber', () => {
  it('when the phone code is valid, then it returns the phone number', async () => {
    fake.phoneCodes.set('phone-code-1', { phoneNumber: '+86 13800138000', purePhoneNumber: '13800138000', countryCode: '86' });
    const phone = await createClient().getPhoneNumber('phone-code-1');
    expect(phone).toEqual({ phoneNumber: '+86 13800138000', purePhoneNumber: '13800138000', countryCode: '86' });
    expect(fake.requests.find((entry) => entry.path === '/wxa/business/getuserphonenumber')?.body).toEqual({ code: 'phone-code-1' });
  });

  it('when the phone code is unknown, then it fails with WECHAT_INVALID_CODE 400', async () => {
    await expectWechatError(createClient().getPhoneNumber('nope'), 'WECHAT_INVALID_CODE', 400);
  });

  it('when the token was invalid, then it refreshes the token and retries once', async () => {
    fake.phoneCodes.set('phone-code-1', { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' });
    fake.failNext('/wxa/business/getuserphonenumber', 40001);
    const phone = await createClient().getPhoneNumber('phone-code-1');
    expect(phone.purePhoneNumber).toBe('13800138000');
    expect(fake.tokenRequests).toBe(2);
  });
});

describe('sendSubscribeMessage', () => {
  const message = {
    openid: 'openid-1',
    templateId: 'template-1',
    page: 'pages/index/index',
    data: { thing1: { value: '积分到账' }, number2: { value: '100' } },
    miniprogramState: 'trial' as const,
  };

  it('when the user is subscribed, then WeChat receives the message', async () => {
    await createClient().sendSubscribeMessage(message);
    expect(fake.subscribeMessages).toEqual([
      { touser: 'openid-1', template_id: 'template-1', page: 'pages/index/index', data: message.data, miniprogram_state: 'trial' },
    ]);
  });

  it('when the user refused the subscription, then it fails with WECHAT_SUBSCRIPTION_REFUSED 409', async () => {
    fake.failNext('/cgi-bin/message/subscribe/send', 43101);
    await expectWechatError(createClient().sendSubscribeMessage(message), 'WECHAT_SUBSCRIPTION_REFUSED', 409);
    expect(fake.subscribeMessages).toEqual([]);
  });

  it('when the daily quota is used up, then it fails with WECHAT_QUOTA_EXCEEDED 429', async () => {
    fake.failNext('/cgi-bin/message/subscribe/send', 45009);
    await expectWechatError(createClient().sendSubscribeMessage(message), 'WECHAT_QUOTA_EXCEEDED', 429);
  });

  it('when the openid is empty, then it fails with WECHAT_INVALID_OPENID 400', async () => {
    await expectWechatError(createClient().sendSubscribeMessage({ ...message, openid: '' }), 'WECHAT_INVALID_OPENID', 400);
  });

  it('when the token was invalid, then it refreshes the token and sends once', async () => {
    fake.failNext('/cgi-bin/message/subscribe/send', 40001);
    await createClient().sendSubscribeMessage(message);
    expect(fake.subscribeMessages).toHaveLength(1);
    expect(fake.tokenRequests).toBe(2);
  });

  it('when WeChat is busy, then the message is not retried, so it cannot arrive twice', async () => {
    fake.failNext('/cgi-bin/message/subscribe/send', -1);
    await expectWechatError(createClient().sendSubscribeMessage(message), 'WECHAT_BUSY', 503);
    expect(requestsTo('/cgi-bin/message/subscribe/send')).toBe(1);
  });
});
