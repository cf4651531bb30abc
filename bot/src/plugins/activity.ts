import { chinaDateKey } from '@o2o/shared/rules/china-time';
import type { Wechaty, WechatyPlugin } from 'wechaty';
import { STAGES, eventId, type BotRuntime } from '../runtime';

/**
 * Counts messages per member per room per China-time day and reports the counts through the
 * outbox (never the text), for the group metrics: messages per member per day.
 */
export function ActivityPlugin(runtime: BotRuntime): WechatyPlugin {
  return (_bot: Wechaty) => {
    const counts = new Map<string, Map<string, number>>();
    const report = () => {
      for (const [key, members] of counts) {
        const [roomId, day] = key.split('|');
        runtime.outbox.add({
          id: eventId('activity'),
          kind: 'activity',
          at: new Date(runtime.clock.now()).toISOString(),
          roomId,
          day,
          counts: [...members].map(([wxid, messages]) => ({ wxid, messages })),
        });
      }
      counts.clear();
    };
    const remove = runtime.pipeline.add(STAGES.activity, 'activity', async (turn) => {
      if (!turn.roomId || turn.kind === 'recalled' || turn.kind === 'system') return 'continue';
      const key = `${turn.roomId}|${chinaDateKey(turn.at)}`;
      const members = counts.get(key) ?? new Map<string, number>();
      members.set(turn.talkerId, (members.get(turn.talkerId) ?? 0) + 1);
      counts.set(key, members);
      return 'continue';
    });
    const timer = setInterval(() => {
      report();
      void runtime.outbox.flush();
    }, runtime.config.flushIntervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      remove();
      report();
    };
  };
}
