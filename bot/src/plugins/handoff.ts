import type { Wechaty, WechatyPlugin } from 'wechaty';
import type { BotTicketRequest } from '@o2o/shared/schemas/tickets';
import { detectComplaint, isGreeting } from '../matchers/intents';
import { STAGES, replyLater, type BotRuntime, type Turn } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';
import { complaintReply, greetingReply, handoffFailedReply, handoffReply, styled } from '../talkers/replies';

/**
 * Real hand-off to staff. A complaint (坏了, 投诉, 少送, 我要退款…) from a resident, @-mentioned or
 * not, and an @-mention no other plugin answered become a ticket on the server, which tells the
 * store's bound staff privately and lists it in the workbench; staff answers come back as
 * deliveries. The bot says "已提醒店员" only after the server confirmed the ticket and a notice;
 * a greeting gets a greeting, not a ticket.
 */
export function HandoffPlugin(runtime: BotRuntime): WechatyPlugin {
  const open = async (turn: Turn, reason: BotTicketRequest['reason']): Promise<void> => {
    const { settings, store } = turn.context!;
    try {
      const result = await runtime.api.openTicket({
        roomId: turn.room!.id,
        wxid: turn.talkerId,
        name: turn.talkerName,
        messageId: turn.id,
        text: turn.text.slice(0, 2000),
        reason,
        at: turn.at.toISOString(),
      });
      void runtime.pollDeliveries();
      const text = reason === 'complaint' ? complaintReply(result.notified) : handoffReply(result.notified);
      replyLater(runtime, turn, styled(text, settings.replyStyle));
    } catch (error) {
      if (!(error instanceof ServerUnavailableError)) runtime.log.warn('a ticket could not be opened', { err: error });
      replyLater(runtime, turn, handoffFailedReply(store?.contactPhone ?? null));
    }
  };

  const eligible = (turn: Turn): boolean => Boolean(turn.room && turn.kind === 'text' && turn.context?.bound && turn.context.store && !turn.isStaff);

  return (_bot: Wechaty) => {
    const removeComplaints = runtime.pipeline.add(STAGES.complaints, 'complaints', async (turn) => {
      if (!eligible(turn) || !detectComplaint(turn.text)) return 'continue';
      await open(turn, 'complaint');
      return 'handled';
    });
    const removeHandoff = runtime.pipeline.add(STAGES.handoff, 'handoff', async (turn) => {
      if (!eligible(turn) || !turn.mentionSelf) return 'continue';
      const body = turn.text.replace(/@\S+/g, '').trim();
      if (!body) return 'continue';
      if (isGreeting(body)) {
        replyLater(runtime, turn, styled(greetingReply(), turn.context!.settings.replyStyle));
        return 'handled';
      }
      await open(turn, 'unanswered');
      return 'handled';
    });
    return () => {
      removeComplaints();
      removeHandoff();
    };
  };
}
