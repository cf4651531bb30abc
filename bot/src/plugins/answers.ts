import type { Wechaty, WechatyPlugin } from 'wechaty';
import { matchFaq } from '@o2o/shared/rules/faq-match';
import { detectIntent, looksLikeQuestion, type Intent } from '../matchers/intents';
import { STAGES, replyLater, sayToContact, type BotRuntime, type Turn } from '../runtime';
import {
  addressReply,
  deliveryReply,
  hoursReply,
  offersReply,
  orderStatusReply,
  pointsBalanceReply,
  pointsHowReply,
  privateDataPointer,
  productReply,
  styled,
} from '../talkers/replies';

/** An unprompted message must match an FAQ entry at least this well (and read as a question unless near certain). */
const UNPROMPTED_FAQ_SCORE = 0.85;
const WINDOW_MS = 60_000;

/**
 * Answers in a group: store hours and open now, address, delivery range and fee, today's offers,
 * whether a product is sold, how to earn and use points, and the store's FAQ. Personal data
 * (points, latest order) goes by private message. It answers when @-mentioned, or unprompted
 * when the message clearly asks something it can answer; otherwise it stays silent (a direct @
 * it cannot answer goes on to the hand-off plugin, which opens a ticket for staff). Replies are limited per group per minute.
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

  const answerIntent = async (turn: Turn, intent: Intent): Promise<string | null> => {
    const context = turn.context!;
    const store = context.store!;
    switch (intent.kind) {
      case 'hours':
        return hoursReply(store, new Date(runtime.clock.now()));
      case 'address':
        return addressReply(store);
      case 'delivery':
        return deliveryReply(store);
      case 'offers':
        return offersReply(context);
      case 'points_how':
        return pointsHowReply(context);
      case 'product': {
        const result = await runtime.api.searchProducts(context.roomId, intent.keyword).catch(() => null);
        return productReply(intent.keyword, result);
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
      const question = looksLikeQuestion(turn.text);
      const faq = matchFaq(turn.text, faqs);
      const intent = detectIntent(turn.text);
      let text: string | null = null;
      if (turn.mentionSelf) {
        if (faq) text = faqs.find((entry) => entry.id === faq.id)?.answer ?? null;
        else if (intent) text = await answerIntent(turn, intent);
      } else if (settings.proactiveAnswers) {
        if (faq && faq.score >= UNPROMPTED_FAQ_SCORE && (question || faq.score >= 0.95)) text = faqs.find((entry) => entry.id === faq.id)?.answer ?? null;
        else if (intent && question) text = await answerIntent(turn, intent);
      }
      if (!text) return 'continue';
      if (!allow(turn.room.id, settings.replyLimitPerMinute)) {
        runtime.log.info('reply limit reached; not answering', { roomId: turn.room.id });
        return 'handled';
      }
      replyLater(runtime, turn, styled(text, settings.replyStyle));
      return 'handled';
    });
}
