import type { Config } from '../../config/config';
import { AppError } from '../../lib/app-error';
import type { Logger } from '../../lib/logger';
import type { WechatClient } from '../../wechat/wechat-client';
import { WechatSessionKeyModel } from './session.model';

export interface WechatIdentity {
  openid: string;
  unionid?: string;
}

export type IdentityResolver = (code: string) => Promise<WechatIdentity>;

const DEV_CODE = /^dev:([^\s]{1,40})$/;

/**
 * Turns a wx.login code into a WeChat identity: through code2Session when WeChat is configured,
 * or, with dev login on (never in production), from a `dev:<name>` code.
 */
export function createIdentityResolver(config: Config, wechat: WechatClient | null, logger: Logger): IdentityResolver {
  if (config.DEV_LOGIN) {
    logger.warn('DEV LOGIN IS ON: any `dev:<name>` code signs in as that name without WeChat. Never use this in production.');
  }
  return async (code) => {
    const dev = DEV_CODE.exec(code);
    if (dev && config.DEV_LOGIN) {
      logger.warn({ name: dev[1] }, 'dev login used');
      return { openid: `dev:${dev[1]}` };
    }
    if (!wechat) {
      // With dev login on, a code that is not `dev:<name>` can never work here: the caller's mistake.
      if (config.DEV_LOGIN) throw new AppError('LOGIN_CODE_INVALID', '登录码无效，请重新打开小程序登录', 400, { hint: 'WeChat is not configured; development sign-in takes dev:<name> codes' });
      throw new AppError('WECHAT_NOT_CONFIGURED', '微信登录暂未开通，请稍后再试', 503, { hint: 'set WECHAT_APPID and WECHAT_SECRET' });
    }
    const session = await wechat.code2Session(code);
    // session_key stays on the server.
    await WechatSessionKeyModel.updateOne(
      { _id: session.openid },
      { $set: { sessionKey: session.sessionKey, updatedAt: new Date() } },
      { upsert: true },
    );
    return { openid: session.openid, ...(session.unionid ? { unionid: session.unionid } : {}) };
  };
}
