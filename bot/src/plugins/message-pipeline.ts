import type { Room, Wechaty, WechatyPlugin } from 'wechaty';
import { toIncoming } from '../incoming';
import { runsRoom, selfIdOf, type BotRuntime, type Turn, type TurnSettled } from '../runtime';

/** The room's owner and admins count as staff too (they run the group), whether bound or not. */
export function roomManagers(room: Room): string[] {
  try {
    const payload = (room as unknown as { payload?: { ownerId?: string; adminIdList?: string[] } }).payload;
    return [payload?.ownerId, ...(payload?.adminIdList ?? [])].filter((id): id is string => Boolean(id));
  } catch {
    return [];
  }
}

/**
 * Receives every message, reduces it to a turn (kind, text, room context, staff or not) and runs
 * the feature plugins' handlers in stage order. Nothing thrown by a handler escapes.
 */
export function MessagePipelinePlugin(runtime: BotRuntime): WechatyPlugin {
  return (bot: Wechaty) => {
    const onMessage = async (message: Parameters<Parameters<Wechaty['on']>[1]>[0]) => {
      let settled: TurnSettled | null = null;
      try {
        const incoming = await toIncoming(message as never, { ignoreNames: runtime.config.ignoreNames });
        if (!incoming) return;
        settled = { messageId: incoming.id, talkerId: incoming.talkerId, roomId: incoming.roomId, text: incoming.text, handledBy: 'ignored' };
        if (incoming.fromBot) return;
        const context = incoming.roomId ? await runtime.directory.get(incoming.roomId) : null;
        // Another account runs this group (or this one stands by): it alone answers, counts and moderates.
        if (incoming.room && !runsRoom(runtime, selfIdOf(bot), context)) {
          settled.handledBy = 'other_account';
          return;
        }
        const isStaff = Boolean(
          incoming.room && (context?.staffWxids.includes(incoming.talkerId) || roomManagers(incoming.room).includes(incoming.talkerId)),
        );
        const turn: Turn = { ...incoming, context, isStaff };
        settled.handledBy = await runtime.pipeline.run(turn, runtime.log);
      } catch (error) {
        runtime.log.error('a message could not be handled', { err: error });
      } finally {
        if (settled) runtime.pipeline.settled(settled);
      }
    };
    bot.on('message', onMessage as never);
    return () => {
      bot.off('message', onMessage as never);
    };
  };
}
