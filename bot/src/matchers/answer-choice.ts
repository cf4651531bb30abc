import { matchFaq } from '@o2o/shared/rules/faq-match';
import { findViolations } from '@o2o/shared/rules/moderation';
import type { BotGroupContext } from '@o2o/shared/schemas/groups';
import { parseCommand } from './commands';
import { detectComplaint, detectIntent, isGreeting, looksLikeQuestion, type Intent } from './intents';

/** An unprompted message must match an FAQ entry at least this well (and read as a question unless near certain). */
export const UNPROMPTED_FAQ_SCORE = 0.85;

export type AnswerChoice = { kind: 'faq'; id: string; answer: string } | { kind: 'intent'; intent: Intent };

/**
 * What the answers plugin says to a group message, if anything: an FAQ entry or an answerable
 * intent. @-mentioned, the best FAQ match or intent answers; unprompted, only a strong FAQ match
 * or an intent in a message that reads as a question (silence is the default for chit-chat).
 */
export function chooseAnswer(text: string, options: { mentionSelf: boolean; faqs: BotGroupContext['faqs']; proactiveAnswers: boolean }): AnswerChoice | null {
  const faq = matchFaq(text, options.faqs);
  const entry = faq ? options.faqs.find((candidate) => candidate.id === faq.id) : undefined;
  const intent = detectIntent(text);
  if (options.mentionSelf) {
    if (entry) return { kind: 'faq', id: entry.id, answer: entry.answer };
    return intent ? { kind: 'intent', intent } : null;
  }
  if (!options.proactiveAnswers) return null;
  const question = looksLikeQuestion(text);
  if (entry && faq!.score >= UNPROMPTED_FAQ_SCORE && (question || faq!.score >= 0.95)) return { kind: 'faq', id: entry.id, answer: entry.answer };
  if (intent && question) return { kind: 'intent', intent };
  return null;
}

export type Behaviour = 'answer' | 'silence' | 'ticket' | 'moderation';

export interface RoutedMessage {
  behaviour: Behaviour;
  /** What answers: `faq:<id>`, `intent:<kind>`, `greeting`, `checkin`; the rule for moderation; the reason for a ticket. */
  detail: string;
  intent?: Intent;
}

/**
 * The way a resident's text message in a bound group goes through the plugins, stage by stage
 * (moderation, check-in, complaints, answers, hand-off), without sending anything. The evaluation
 * measures the bot with it; the plugins call the same matchers in the same order.
 */
export function routeGroupMessage(text: string, options: { mentionSelf: boolean; context: Pick<BotGroupContext, 'faqs' | 'settings'> }): RoutedMessage {
  const { settings, faqs } = options.context;
  const violations = findViolations({ kind: 'text', text, identicalRecently: 1, allowedHosts: settings.allowedLinkHosts }, settings.moderationStrictness);
  if (violations.length > 0) return { behaviour: 'moderation', detail: violations[0].rule };
  if (parseCommand(text)?.kind === 'checkin' && settings.checkinEnabled) return { behaviour: 'answer', detail: 'checkin' };
  if (detectComplaint(text)) return { behaviour: 'ticket', detail: 'complaint' };
  const choice = chooseAnswer(text, { mentionSelf: options.mentionSelf, faqs, proactiveAnswers: settings.proactiveAnswers });
  if (choice?.kind === 'faq') return { behaviour: 'answer', detail: `faq:${choice.id}` };
  if (choice?.kind === 'intent') return { behaviour: 'answer', detail: `intent:${choice.intent.kind}`, intent: choice.intent };
  if (options.mentionSelf) {
    const body = text.replace(/@\S+/g, '').trim();
    if (!body) return { behaviour: 'silence', detail: 'empty mention' };
    return isGreeting(body) ? { behaviour: 'answer', detail: 'greeting' } : { behaviour: 'ticket', detail: 'unanswered' };
  }
  return { behaviour: 'silence', detail: '' };
}
