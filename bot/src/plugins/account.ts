import type { Wechaty, WechatyPlugin } from 'wechaty';
import type { BotAccountStatus } from '@o2o/shared/schemas/groups';
import { eventId, isLoggedIn, selfIdOf, type BotRuntime } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';

/**
 * The account's safety. On login and then every heartbeat interval the account tells the server it
 * is up, whether it stands by, and which rooms it is in (the server answers which groups it runs).
 * A logout, or failed sends and puppet errors in a row (WeChat restricting the account), is
 * reported through the durable outbox as `account_status`; the server moves the account's groups
 * to a standby and alerts staff. A restricted account stops sending at once (more attempts only
 * make the restriction worse); the supervisor starts it afresh later.
 */
export function AccountPlugin(runtime: BotRuntime): WechatyPlugin {
  return (bot: Wechaty) => {
    let accountId: string | undefined;
    let accountName = '';
    let failuresInRow = 0;
    let reported: BotAccountStatus | null = null;

    const beat = async (): Promise<void> => {
      accountId = selfIdOf(bot) ?? accountId;
      if (!accountId || !isLoggedIn(bot)) return;
      accountName = bot.currentUser.name() || runtime.config.name;
      const rooms = await bot.Room.findAll().catch(() => []);
      try {
        const result = await runtime.api.heartbeat({ accountId, name: accountName, standby: runtime.config.standby, roomIds: rooms.map((room) => room.id), at: new Date(runtime.clock.now()).toISOString() });
        runtime.account.assignedRoomIds = new Set(result.assignedRoomIds);
        reported = null;
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) runtime.log.warn('the heartbeat was refused', { err: error });
      }
    };

    const report = (status: Exclude<BotAccountStatus, 'healthy'>, reason: string) => {
      if (!accountId || reported === status) return;
      reported = status;
      runtime.account.down = true;
      // Nothing more goes out from this account: what is queued stays due on the server for the standby.
      runtime.queue.stop();
      runtime.log.warn('the account is down; reported to the server', { status, reason });
      runtime.outbox.add({ id: eventId('account'), kind: 'account_status', at: new Date(runtime.clock.now()).toISOString(), accountId, name: accountName || runtime.config.name, status, reason: reason.slice(0, 300) });
      void runtime.outbox.flush();
      runtime.account.listeners.forEach((listener) => listener(status));
    };

    const failure = (what: string) => {
      if (runtime.account.down) return;
      failuresInRow += 1;
      if (failuresInRow >= runtime.config.failedSendsAlert) {
        report('restricted', `连续 ${failuresInRow} 次发送失败或账号异常（${what}）`);
      }
    };

    const offResult = runtime.queue.onResult((result) => {
      if (result.ok) failuresInRow = 0;
      else failure(`发送失败：${(result.error as Error)?.message ?? '未知错误'}`.slice(0, 120));
    });
    const onLogin = () => {
      accountId = selfIdOf(bot);
      runtime.account.down = false;
      failuresInRow = 0;
      void beat();
    };
    const onLogout = () => report('logged_out', '微信账号已退出登录');
    const onError = (error: Error) => {
      if (!isLoggedIn(bot)) failure(`微信连接错误：${error?.message ?? ''}`.slice(0, 120));
    };
    bot.on('login', onLogin);
    bot.on('logout', onLogout);
    bot.on('error', onError);
    runtime.account.heartbeat = beat;
    const timer = setInterval(() => void beat(), runtime.config.heartbeatIntervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      offResult();
      bot.off('login', onLogin);
      bot.off('logout', onLogout);
      bot.off('error', onError);
    };
  };
}
