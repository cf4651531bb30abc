import type { Wechaty, WechatyPlugin } from 'wechaty';
import { askedUnit } from '@o2o/shared/rules/product-match';
import { timeAsked } from '@o2o/shared/rules/time-asked';
import { chooseAnswer } from '../matchers/answer-choice';
import type { Intent } from '../matchers/intents';
import { STAGES, eventId, reply, sayToContact, type BotRuntime, type Turn } from '../runtime';
import {
  addressReply,
  deliveryReply,
  deliveryTimeReply,
  hoursReply,
  offersReply,
  orderStatusReply,
  pointsBalanceReply,
  pointsHowReply,
  privateDataPointer,
  productReply,
  styled,
} from '../talkers/replies';

const WINDOW_MS = 60_000;

/**
 * Answers in a group: store hours and open now, address, delivery range and fee, today's offers,
 * whether a product is sold, how to earn and use points, and the store's FAQ. Personal data
 * (points, latest order) goes by private message. It answers when @-mentioned, or unprompted
 * when the message clearly asks something it can answer; otherwise it stays silent (a direct @
 * it cannot answer goes on to the hand-off plugin, which opens a ticket for staff). Replies are limited per group per minute.
 * Each answer to a resident is reported to the server (`question_answered`) for the group stats.
 */
export function AnswersPlugin(runtime: BotRuntime): WechatyPlugin {
  const replies = new Map<string, number[]>();

  const allow = (roomId: string, limit: number): boolean => {
    const now = runtime.clock.now();
    const recent = (replies.get(roomId) ?? []).filter((at) => at > now - WINDOW_MS);
    if (recent.length >= limit) {
      replies.set(roomId, recent);
      return false;
    }
    recent.push(now);
    replies.set(roomId, recent);
    return true;
  };

  /**
   * Tells the server, through the outbox, that a resident's question was answered (once the answer
   * was said, so a dropped reply is not counted): the group stats' 小助手答复. Staff asking the bot
   * are not residents' questions. The server keys it by the message, so redelivery counts once.
   */
  const reportAnswered = (turn: Turn, faqId: string | null): void => {
    if (turn.isStaff || !turn.room) return;
    runtime.outbox.add({
      id: eventId('answer'),
      kind: 'question_answered',
      at: new Date(runtime.clock.now()).toISOString(),
      roomId: turn.room.id,
      messageId: turn.id,
      faqId,
      askedAt: turn.at.toISOString(),
    });
    void runtime.outbox.flush();
  };

  const answerIntent = async (turn: Turn, intent: Intent): Promise<string | null> => {
    const context = turn.context!;
    const store = context.store!;
    const now = new Date(runtime.clock.now());
    switch (intent.kind) {
      case 'hours':
        return hoursReply(store, now, timeAsked(turn.text, now));
      case 'delivery_time':
        return deliveryTimeReply(store, timeAsked(turn.text, now));
      case 'address':
        return addressReply(store);
      case 'delivery':
        return deliveryReply(store);
      case 'offers':
        return offersReply(context, timeAsked(turn.text, now));
      case 'points_how':
        return pointsHowReply(context);
      case 'product': {
        const result = await runtime.api.searchProducts(context.roomId, intent.keyword).catch(() => null);
        return productReply(intent.keyword, result, askedUnit(turn.text), context.settings.miniProgramEntry);
      }
      case 'my_points':
      case 'my_order': {
        // Personal data never goes to the group: send it privately, say so in the group.
        const summary = await runtime.api.identitySummary(turn.talkerId).catch(() => null);
        if (!summary) return '系统有点忙，请稍后私聊我查询。';
        if (summary.bound && summary.kind === 'resident') {
          const text = intent.kind === 'my_points' ? pointsBalanceReply(summary) : orderStatusReply(summary);
          sayToContact(runtime, turn.talker, text).catch((error: unknown) => runtime.log.warn('private reply not sent', { err: error }));
        }
        return privateDataPointer(summary.bound && summary.kind === 'resident');
      }
      default:
        return null;
    }
  };

  return (_bot: Wechaty) =>
    runtime.pipeline.add(STAGES.answers, 'answers', async (turn) => {
      if (!turn.room || turn.kind !== 'text' || !turn.context?.store) return 'continue';
      const { settings, faqs } = turn.context;
      const choice = chooseAnswer(turn.text, { mentionSelf: turn.mentionSelf, faqs, proactiveAnswers: settings.proactiveAnswers });
      const text = choice?.kind === 'faq' ? choice.answer : choice ? await answerIntent(turn, choice.intent) : null;
      if (!text) return 'continue';
      if (!allow(turn.room.id, settings.replyLimitPerMinute)) {
        runtime.log.info('reply limit reached; not answering', { roomId: turn.room.id });
        return 'handled';
      }
      const faqId = choice?.kind === 'faq' ? choice.id : null;
      reply(runtime, turn, styled(text, settings.replyStyle))
        .then(() => reportAnswered(turn, faqId))
        .catch((error: unknown) => runtime.log.warn('reply not sent', { err: error }));
      return 'handled';
    });
}
