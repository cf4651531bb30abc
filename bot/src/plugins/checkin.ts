import type { Wechaty, WechatyPlugin } from 'wechaty';
import { parseCommand } from '../matchers/commands';
import { STAGES, eventId, replyLater, type BotRuntime } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';
import { CHECKIN_QUEUED, checkinReply } from '../talkers/replies';

/**
 * 签到 in a group: the server records the task event once per resident per China-time day and says
 * how many points it earned, or why none. With the server away the check-in waits in the outbox
 * (it keeps the time it was said, so it counts for that day).
 */
export function CheckinPlugin(runtime: BotRuntime): WechatyPlugin {
  return (_bot: Wechaty) =>
    runtime.pipeline.add(STAGES.checkin, 'checkin', async (turn) => {
      if (!turn.room || turn.kind !== 'text' || parseCommand(turn.text)?.kind !== 'checkin') return 'continue';
      if (!turn.context?.settings.checkinEnabled) return 'handled';
      const request = { roomId: turn.room.id, wxid: turn.talkerId, name: turn.talkerName, at: turn.at.toISOString() };
      try {
        const text = checkinReply(await runtime.api.checkin(request));
        if (text) replyLater(runtime, turn, text);
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) throw error;
        runtime.outbox.add({ id: eventId('checkin'), kind: 'checkin', at: new Date(runtime.clock.now()).toISOString(), checkin: request });
        replyLater(runtime, turn, CHECKIN_QUEUED);
      }
      return 'handled';
    });
}
