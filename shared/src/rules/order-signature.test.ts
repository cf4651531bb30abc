import { createHmac } from 'node:crypto';
import { constantTimeEqual, signedPrefix, signedText, verifyOrderSignature } from './order-signature';

const secret = 'test-order-webhook-secret';
const body = '{"eventId":"e-1","status":"paid","note":"门店"}';
const now = 1_750_000_000;
const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');

function verify(headers: { signature?: string | null; timestamp?: string | null }, rawBody = body, nowSeconds = now) {
  return verifyOrderSignature({
    signature: headers.signature,
    timestamp: headers.timestamp,
    nowSeconds,
    maxSkewSeconds: 300,
    expectedSignature: (timestamp) => createHmac('sha256', secret).update(signedPrefix(timestamp)).update(Buffer.from(rawBody, 'utf8')).digest('hex'),
  });
}

describe('order webhook signature', () => {
  it('accepts a body signed as `${timestamp}.${body}` with the shared secret, in upper or lower case hex', () => {
    const signature = hmac(signedText(String(now), body));
    expect(verify({ signature, timestamp: String(now) })).toEqual({ ok: true, timestamp: now });
    expect(verify({ signature: signature.toUpperCase(), timestamp: String(now) }).ok).toBe(true);
  });

  it('refuses a signature over another body, another timestamp or with another secret', () => {
    const signature = hmac(signedText(String(now), body));
    expect(verify({ signature, timestamp: String(now) }, body.replace('paid', 'completed'))).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' });
    expect(verify({ signature, timestamp: String(now - 1) })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' });
    const foreign = createHmac('sha256', 'another-secret').update(signedText(String(now), body)).digest('hex');
    expect(verify({ signature: foreign, timestamp: String(now) })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' });
    expect(verify({ signature: 'not-hex', timestamp: String(now) })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' });
  });

  it('refuses a timestamp more than the allowed skew away in either direction, and accepts one exactly at it', () => {
    for (const timestamp of [now - 301, now + 301]) {
      const signature = hmac(signedText(String(timestamp), body));
      expect(verify({ signature, timestamp: String(timestamp) })).toMatchObject({ ok: false, code: 'WEBHOOK_STALE' });
    }
    const edge = now - 300;
    expect(verify({ signature: hmac(signedText(String(edge), body)), timestamp: String(edge) }).ok).toBe(true);
  });

  it('names missing headers and malformed timestamps', () => {
    expect(verify({ signature: null, timestamp: String(now) })).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_MISSING' });
    expect(verify({ signature: hmac(body), timestamp: ' ' })).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_MISSING' });
    expect(verify({ signature: hmac(body), timestamp: '2025-06-15T10:00:00Z' })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' });
  });

  it('compares strings fully regardless of where they differ', () => {
    expect(constantTimeEqual('abcd', 'abcd')).toBe(true);
    expect(constantTimeEqual('abcd', 'abce')).toBe(false);
    expect(constantTimeEqual('xbcd', 'abcd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
