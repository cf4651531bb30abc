/**
 * The signature of the chain's O2O order webhook.
 *
 *   X-Timestamp: unix seconds when the sender signed
 *   X-Signature: hex HMAC-SHA256(secret, `${X-Timestamp}.${raw body bytes}`)
 *
 * The timestamp is inside the signed text, so a captured delivery cannot be replayed with a fresh
 * timestamp, and a stale one is refused. This module is pure: the caller supplies the HMAC (node's
 * crypto on the server, anything else on a sender), so it stays free of I/O like the rest of shared.
 */
export const ORDER_SIGNATURE_HEADER = 'x-signature';
export const ORDER_TIMESTAMP_HEADER = 'x-timestamp';

const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/i;

export type OrderSignatureFailure = 'WEBHOOK_SIGNATURE_MISSING' | 'WEBHOOK_STALE' | 'WEBHOOK_BAD_SIGNATURE';

export type OrderSignatureVerdict =
  | { ok: true; timestamp: number }
  | { ok: false; code: OrderSignatureFailure; message: string };

/** The text in front of the raw body in the signed input: `${timestamp}.`. */
export function signedPrefix(timestamp: string): string {
  return `${timestamp}.`;
}

/** The whole signed input when the body is text (senders and tests). */
export function signedText(timestamp: string, rawBody: string): string {
  return `${signedPrefix(timestamp)}${rawBody}`;
}

/**
 * Compares two strings in time that depends only on their length (a signature's length is no
 * secret), so an attacker cannot find the right signature a character at a time.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

export interface OrderSignatureInput {
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  nowSeconds: number;
  maxSkewSeconds: number;
  /** Hex HMAC-SHA256 of `signedPrefix(timestamp)` followed by the raw body bytes. */
  expectedSignature: (timestamp: string) => string;
  /** A constant-time comparison of two hex strings; `constantTimeEqual` unless given. */
  equal?: (expected: string, given: string) => boolean;
}

/**
 * Checks a delivery's headers: both present, the timestamp within `maxSkewSeconds` of now (either
 * way), and the signature right. The HMAC is computed only for a fresh, well-formed delivery.
 */
export function verifyOrderSignature(input: OrderSignatureInput): OrderSignatureVerdict {
  const signature = input.signature?.trim();
  const timestamp = input.timestamp?.trim();
  if (!signature || !timestamp) {
    return { ok: false, code: 'WEBHOOK_SIGNATURE_MISSING', message: '订单推送缺少签名（需要 X-Signature 和 X-Timestamp）' };
  }
  if (!TIMESTAMP_PATTERN.test(timestamp)) {
    return { ok: false, code: 'WEBHOOK_BAD_SIGNATURE', message: '订单推送的时间戳格式有误（X-Timestamp 应为 Unix 秒）' };
  }
  const seconds = Number(timestamp);
  if (Math.abs(input.nowSeconds - seconds) > input.maxSkewSeconds) {
    return { ok: false, code: 'WEBHOOK_STALE', message: `订单推送的时间戳与服务器时间相差超过 ${input.maxSkewSeconds} 秒` };
  }
  if (!SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, code: 'WEBHOOK_BAD_SIGNATURE', message: '订单推送的签名格式有误（X-Signature 应为十六进制 HMAC-SHA256）' };
  }
  const equal = input.equal ?? constantTimeEqual;
  if (!equal(input.expectedSignature(timestamp).toLowerCase(), signature.toLowerCase())) {
    return { ok: false, code: 'WEBHOOK_BAD_SIGNATURE', message: '订单推送的签名与内容不符' };
  }
  return { ok: true, timestamp: seconds };
}
