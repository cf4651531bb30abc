import type { Wechaty, WechatyPlugin } from 'wechaty';
import { STAGES, type BotRuntime } from '../runtime';

/**
 * In a room that is not bound to a store, or where staff paused the bot, nothing past binding and
 * staff commands happens. Recalled messages and system notices stop here too.
 */
export function GatePlugin(runtime: BotRuntime): WechatyPlugin {
  return (_bot: Wechaty) =>
    runtime.pipeline.add(STAGES.gate, 'gate', async (turn) => {
      if (turn.kind === 'recalled' || turn.kind === 'system') return 'handled';
      if (!turn.room) return 'continue';
      if (!turn.context?.bound) return 'handled';
      return turn.context.settings.paused ? 'handled' : 'continue';
    });
}
