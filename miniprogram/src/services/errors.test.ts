import { z } from 'zod';
import { ApiError } from './api-client';
import { errorText, hasChinese, NETWORK_ERROR_TEXT } from './errors';

describe('what a resident reads when something fails', () => {
  it("shows the server's Chinese message as it is", () => {
    expect(errorText(new ApiError('http', 409, 'INSUFFICIENT_POINTS', '积分不足，还差 20 积分'))).toBe('积分不足，还差 20 积分');
  });

  it('never shows an English message: a Chinese detail, else a Chinese sentence for the status', () => {
    const validation = new ApiError('http', 400, 'VALIDATION_FAILED', 'Invalid body', [{ path: 'body.phone', message: 'Invalid string' }, { path: 'body.phone', message: '请填写 11 位手机号' }]);
    expect(errorText(validation)).toBe('请填写 11 位手机号');
    for (const status of [400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 418]) {
      const text = errorText(new ApiError('http', status, 'X', 'Only residents can do this'));
      expect(hasChinese(text)).toBe(true);
      expect(text).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it('says the network is slow without the network layer\'s English', () => {
    expect(errorText(new ApiError('network', 0, 'NETWORK_ERROR', 'request:fail timeout'))).toBe(NETWORK_ERROR_TEXT);
  });

  it('turns runtime errors and client-side validation into Chinese too', () => {
    expect(errorText(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe('出错了，请稍后重试');
    const parsed = z.object({ phone: z.string().regex(/^1\d{10}$/, '请填写 11 位手机号') }).safeParse({ phone: '12' });
    expect(errorText(parsed.error)).toBe('请填写 11 位手机号');
    expect(errorText(z.object({ phone: z.string() }).safeParse({}).error)).toBe('填写的内容有误，请检查后再试');
    expect(errorText('二维码加载失败')).toBe('二维码加载失败');
  });
});
