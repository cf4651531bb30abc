import type { Wechaty, WechatyPlugin } from 'wechaty';
import { parseCommand } from '../matchers/commands';
import { STAGES, replyLater, type BotRuntime } from '../runtime';
import { ServerRejectedError } from '../server-client/bot-api';

const BIND_CODE_PATTERN = /^\d{12}$/;

/**
 * `绑定 123456789012`: in a group, a staff member's group code binds the group to their store; privately
 * (or in a group), a resident's or staff member's identity code binds their WeChat identity.
 */
export function BindingPlugin(runtime: BotRuntime): WechatyPlugin {
  return (_bot: Wechaty) =>
    runtime.pipeline.add(STAGES.binding, 'binding', async (turn) => {
      if (turn.kind !== 'text') return 'continue';
      const command = parseCommand(turn.text);
      if (command?.kind !== 'bind') return 'continue';
      if (!BIND_CODE_PATTERN.test(command.code)) {
        replyLater(runtime, turn, '绑定码无效：绑定码是 12 位数字，请在小程序“我的”页面复制后重新发送。');
        return 'handled';
      }
      try {
        const result = await runtime.api.bind({ code: command.code, wxid: turn.talkerId, name: turn.talkerName, roomId: turn.roomId, topic: turn.room ? turn.topic : null });
        if (turn.roomId) runtime.directory.invalidate(turn.roomId);
        replyLater(runtime, turn, result.message);
        if (result.kind === 'group' && turn.room) void runtime.reconcileRoom(turn.room);
      } catch (error) {
        replyLater(runtime, turn, error instanceof ServerRejectedError ? error.message : '系统有点忙，请稍后再发一次绑定码。');
      }
      return 'handled';
    });
}
