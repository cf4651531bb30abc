import type Taro from '@tarojs/taro';
import { z } from 'zod';
import { pointBalanceSchema } from '@o2o/shared/schemas/points';
import { ApiError, CONTRACT_MISMATCH_TEXT, createApiClient, toRequestOptions, type HttpResponse, type TokenStore } from './api-client';
import { errorText } from './errors';

function memoryTokens(initial: string | null): TokenStore {
  let token = initial;
  return { get: () => token, set: (next) => (token = next) };
}

const expired: HttpResponse = { statusCode: 401, data: { error: { code: 'SESSION_EXPIRED', message: 'expired', details: null } } };

describe('toRequestOptions', () => {
  it('joins the base URL, path and query and sends the token as a bearer header', () => {
    const options = toRequestOptions('https://api.example.com/', { method: 'POST', path: '/auth/login', body: { code: 'dev:王' }, query: { limit: 5, before: undefined } }, 't1');
    expect(options).toMatchObject({
      url: 'https://api.example.com/auth/login?limit=5',
      method: 'POST',
      data: { code: 'dev:王' },
      header: { 'content-type': 'application/json', authorization: 'Bearer t1' },
    });
  });

  it('sends no authorization header before sign-in', () => {
    expect(toRequestOptions('http://127.0.0.1:3000', { method: 'GET', path: '/healthz' }).header).not.toHaveProperty('authorization');
  });
});

describe('the API client', () => {
  it('returns the JSON body of a successful response', async () => {
    const client = createApiClient({ baseUrl: () => 'http://api', tokens: memoryTokens('t1'), relogin: jest.fn(), transport: async () => ({ statusCode: 200, data: { available: 30 } }) });
    await expect(client.request({ method: 'GET', path: '/points/me' })).resolves.toEqual({ available: 30 });
  });

  it('turns the error body into an ApiError with its code', async () => {
    const client = createApiClient({
      baseUrl: () => 'http://api',
      tokens: memoryTokens('t1'),
      relogin: jest.fn(),
      transport: async () => ({ statusCode: 409, data: { error: { code: 'INSUFFICIENT_POINTS', message: '积分不足', details: null } } }),
    });
    const error = await client.request({ method: 'POST', path: '/rewards/x/redeem' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'http', status: 409, code: 'INSUFFICIENT_POINTS', message: '积分不足', retryable: false });
  });

  it('when the network fails, then a retryable network error is thrown', async () => {
    const client = createApiClient({ baseUrl: () => 'http://api', tokens: memoryTokens(null), relogin: jest.fn(), transport: async () => Promise.reject({ errMsg: 'request:fail timeout' }) });
    await expect(client.request({ method: 'GET', path: '/stores' })).rejects.toMatchObject({ kind: 'network', retryable: true, code: 'NETWORK_ERROR' });
  });
});

describe('token refresh', () => {
  it('when the session expired, then it logs in again once and repeats the request with the new token', async () => {
    const tokens = memoryTokens('old');
    const seen: string[] = [];
    const transport = jest.fn(async (options: Taro.request.Option): Promise<HttpResponse> => {
      const auth = (options.header as Record<string, string>).authorization ?? '';
      seen.push(auth);
      return auth === 'Bearer new' ? { statusCode: 200, data: { ok: true } } : expired;
    });
    const relogin = jest.fn(async () => tokens.set('new'));
    const client = createApiClient({ baseUrl: () => 'http://api', tokens, relogin, transport });
    await expect(client.request({ method: 'GET', path: '/tasks/me' })).resolves.toEqual({ ok: true });
    expect(relogin).toHaveBeenCalledTimes(1);
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
  });

  it('when several requests expire together, then they share a single re-login', async () => {
    const tokens = memoryTokens('old');
    let release: () => void = () => undefined;
    const relogin = jest.fn(() => new Promise<void>((resolve) => (release = () => { tokens.set('new'); resolve(); })));
    const transport = async (options: Taro.request.Option): Promise<HttpResponse> =>
      (options.header as Record<string, string>).authorization === 'Bearer new' ? { statusCode: 200, data: options.url } : expired;
    const client = createApiClient({ baseUrl: () => 'http://api', tokens, relogin, transport });
    const both = Promise.all([client.request({ method: 'GET', path: '/a' }), client.request({ method: 'GET', path: '/b' })]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    await expect(both).resolves.toEqual(['http://api/a', 'http://api/b']);
    expect(relogin).toHaveBeenCalledTimes(1);
  });

  it('when the session is still refused after re-login, then it gives up instead of looping', async () => {
    const tokens = memoryTokens('old');
    const relogin = jest.fn(async () => tokens.set('new'));
    const transport = jest.fn(async () => expired);
    const client = createApiClient({ baseUrl: () => 'http://api', tokens, relogin, transport });
    await expect(client.request({ method: 'GET', path: '/tasks/me' })).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(relogin).toHaveBeenCalledTimes(1);
    expect(transport).toHaveBeenCalledTimes(2);
  });

  it('never re-logs in for a public call or a login call', async () => {
    const relogin = jest.fn();
    const client = createApiClient({ baseUrl: () => 'http://api', tokens: memoryTokens('t'), relogin, transport: async () => expired });
    await expect(client.request({ method: 'POST', path: '/auth/wechat-login', auth: false })).rejects.toMatchObject({ status: 401 });
    expect(relogin).not.toHaveBeenCalled();
  });
});

describe('the contract: answers are parsed with the server schema', () => {
  const balance = pointBalanceSchema;
  const answering = (data: unknown) => createApiClient({ baseUrl: () => 'http://api', tokens: memoryTokens('t1'), relogin: jest.fn(), transport: async () => ({ statusCode: 200, data }) });
  const good = { available: 30, pending: 5, expiringSoon: [], expiringSoonTotal: 0 };

  it('returns what the schema vouches for, unknown keys dropped', async () => {
    const parsed = await answering({ ...good, debug: 'x' }).request({ method: 'GET', path: '/points/me', response: balance });
    expect(parsed).toEqual(balance.parse(good));
    expect(parsed).not.toHaveProperty('debug');
  });

  it('when the answer does not match, then the resident reads one Chinese sentence and the console names the paths', async () => {
    const console = jest.spyOn(globalThis.console, 'error').mockImplementation(() => undefined);
    try {
      const error = await answering({ ...good, available: '30' })
        .request({ method: 'GET', path: '/points/me', response: balance })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ kind: 'contract', status: 200, code: 'CONTRACT_MISMATCH', retryable: false });
      expect(errorText(error)).toBe(CONTRACT_MISMATCH_TEXT);
      expect((error as ApiError).details).toEqual([expect.objectContaining({ path: 'available' })]);
      expect(console).toHaveBeenCalledTimes(1);
      expect(console.mock.calls[0].join(' ')).toMatch(/contract mismatch: GET \/points\/me .*available:/);
    } finally {
      console.mockRestore();
    }
  });

  it('names nested paths and a wrong body as a whole', async () => {
    jest.spyOn(globalThis.console, 'error').mockImplementation(() => undefined);
    const nested = await answering([{ ...good }, { ...good, pending: null }]).request({ method: 'GET', path: '/x', response: z.array(balance) }).then(() => null, (caught: ApiError) => caught);
    expect(nested?.details).toEqual([expect.objectContaining({ path: '1.pending' })]);
    const whole = await answering('<html>').request({ method: 'GET', path: '/x', response: balance }).then(() => null, (caught: ApiError) => caught);
    expect(whole?.details).toEqual([expect.objectContaining({ path: '$' })]);
    jest.restoreAllMocks();
  });

  it('parses the answer of a request repeated after a re-login too', async () => {
    const tokens = memoryTokens('old');
    const transport = async (options: Taro.request.Option): Promise<HttpResponse> =>
      (options.header as Record<string, string>).authorization === 'Bearer new' ? { statusCode: 200, data: { available: 'lots' } } : expired;
    const client = createApiClient({ baseUrl: () => 'http://api', tokens, relogin: async () => tokens.set('new'), transport });
    jest.spyOn(globalThis.console, 'error').mockImplementation(() => undefined);
    await expect(client.request({ method: 'GET', path: '/points/me', response: balance })).rejects.toMatchObject({ code: 'CONTRACT_MISMATCH' });
    jest.restoreAllMocks();
  });
});

describe('uploads', () => {
  const imageSchema = z.object({ id: z.string(), path: z.string() });
  const upload = { path: '/media/images', filePath: 'blob:http://h5/1', field: 'file', response: imageSchema };

  it('sends the file with the bearer token and parses the JSON text the upload answers with', async () => {
    const uploadTransport = jest.fn(async () => ({ statusCode: 201, data: JSON.stringify({ id: 'abc', path: '/media/images/abc', extra: 1 }) }));
    const client = createApiClient({ baseUrl: () => 'http://api/', tokens: memoryTokens('t1'), relogin: jest.fn(), transport: jest.fn(), uploadTransport });
    await expect(client.upload(upload)).resolves.toEqual({ id: 'abc', path: '/media/images/abc' });
    expect(uploadTransport).toHaveBeenCalledWith(expect.objectContaining({ url: 'http://api/media/images', filePath: 'blob:http://h5/1', name: 'file', header: { authorization: 'Bearer t1' } }));
  });

  it('when the server refuses the file, then its Chinese message is what the page shows', async () => {
    const refusal = { statusCode: 415, data: JSON.stringify({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '只能上传 JPG、PNG、WebP 或 GIF 图片，这个文件不是', details: null } }) };
    const client = createApiClient({ baseUrl: () => 'http://api', tokens: memoryTokens('t1'), relogin: jest.fn(), transport: jest.fn(), uploadTransport: async () => refusal });
    const error = await client.upload(upload).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'http', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(errorText(error)).toBe('只能上传 JPG、PNG、WebP 或 GIF 图片，这个文件不是');
  });

  it('when the session expired, then it signs in again and uploads once more; when the network fails, a network error', async () => {
    const tokens = memoryTokens('old');
    const seen: string[] = [];
    const uploadTransport = jest.fn(async (options: { header: Record<string, string> }) => {
      seen.push(options.header.authorization ?? '');
      return options.header.authorization === 'Bearer new' ? { statusCode: 201, data: '{"id":"x","path":"/media/images/x"}' } : expired;
    });
    const client = createApiClient({ baseUrl: () => 'http://api', tokens, relogin: async () => tokens.set('new'), transport: jest.fn(), uploadTransport });
    await expect(client.upload(upload)).resolves.toEqual({ id: 'x', path: '/media/images/x' });
    expect(seen).toEqual(['Bearer old', 'Bearer new']);

    const offline = createApiClient({ baseUrl: () => 'http://api', tokens, relogin: jest.fn(), transport: jest.fn(), uploadTransport: async () => Promise.reject({ errMsg: 'uploadFile:fail timeout' }) });
    await expect(offline.upload(upload)).rejects.toMatchObject({ kind: 'network', code: 'NETWORK_ERROR' });
  });
});
