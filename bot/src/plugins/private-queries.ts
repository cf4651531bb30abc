import type { Wechaty, WechatyPlugin } from 'wechaty';
import { detectPrivateQuery } from '../matchers/intents';
import { parseCommand } from '../matchers/commands';
import { STAGES, replyLater, type BotRuntime } from '../runtime';
import { BIND_HINT, orderStatusReply, pointsBalanceReply } from '../talkers/replies';

/** Private messages: a bound resident's points balance and latest order; everyone else gets how to bind. */
export function PrivateQueriesPlugin(runtime: BotRuntime): WechatyPlugin {
  return (_bot: Wechaty) =>
    runtime.pipeline.add(STAGES.privateQueries, 'private-queries', async (turn) => {
      if (turn.room || turn.kind !== 'text') return 'continue';
      const query = detectPrivateQuery(turn.text);
      if (parseCommand(turn.text)?.kind === 'checkin') {
        replyLater(runtime, turn, '签到请在门店群里发“签到”哦。');
        return 'handled';
      }
      if (!query) {
        replyLater(runtime, turn, `你好！私聊我可以发“积分”查积分、发“订单”查最近订单。首次使用请先绑定：${BIND_HINT}。`);
        return 'handled';
      }
      const summary = await runtime.api.identitySummary(turn.talkerId).catch(() => null);
      if (!summary) {
        replyLater(runtime, turn, '系统有点忙，请稍后再试。');
        return 'handled';
      }
      replyLater(runtime, turn, query === 'points' ? pointsBalanceReply(summary) : orderStatusReply(summary));
      return 'handled';
    });
}
