import { toRequestOptions } from './request-options';

describe('toRequestOptions (typed by @tarojs/taro)', () => {
  it('joins the base URL and path and sends the token as a bearer header', () => {
    const options = toRequestOptions('https://api.example.com/', { method: 'POST', path: '/auth/login', body: { code: 'dev:王' }, token: 't1' });
    expect(options).toMatchObject({
      url: 'https://api.example.com/auth/login',
      method: 'POST',
      data: { code: 'dev:王' },
      header: { 'content-type': 'application/json', authorization: 'Bearer t1' },
    });
  });

  it('sends no authorization header before sign-in', () => {
    expect(toRequestOptions('http://127.0.0.1:3000', { method: 'GET', path: '/healthz' }).header).not.toHaveProperty('authorization');
  });
});
