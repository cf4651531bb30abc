import { createDecipheriv } from 'node:crypto';
import { z } from 'zod';

const watermarkSchema = z.object({ appid: z.string(), timestamp: z.number() });
/** `wx.getGroupEnterInfo` names the group `opengid`; the older `wx.getShareInfo`, `openGId`. */
const groupInfoSchema = z.union([
  z.object({ opengid: z.string().min(1).max(128), watermark: watermarkSchema.optional() }),
  z.object({ openGId: z.string().min(1).max(128), watermark: watermarkSchema.optional() }),
]);

/**
 * Decrypts data a mini-program API returned encrypted with the user's session_key (WeChat's
 * "开放数据校验与解密": AES-128-CBC, PKCS#7 padding, key and iv base64). Returns null when it
 * does not decrypt to JSON, e.g. a stale session key or altered data.
 */
export function decryptWechatData(sessionKey: string, encryptedData: string, iv: string): unknown {
  try {
    const key = Buffer.from(sessionKey, 'base64');
    const vector = Buffer.from(iv, 'base64');
    if (key.length !== 16 || vector.length !== 16) return null;
    const decipher = createDecipheriv('aes-128-cbc', key, vector);
    const plain = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * The group (`opengid`) from `wx.getGroupEnterInfo`'s encrypted data, or null when it does not
 * decrypt or was issued for another mini-program (its watermark's appid; checked when we know ours).
 */
export function decryptGroupInfo(sessionKey: string, encryptedData: string, iv: string, appId: string | undefined): string | null {
  const parsed = groupInfoSchema.safeParse(decryptWechatData(sessionKey, encryptedData, iv));
  if (!parsed.success) return null;
  if (appId && parsed.data.watermark && parsed.data.watermark.appid !== appId) return null;
  return 'opengid' in parsed.data ? parsed.data.opengid : parsed.data.openGId;
}
