import { DEFAULT_FAQS } from '@o2o/shared/rules/default-faqs';
import { matchProducts } from '@o2o/shared/rules/product-match';
import { DEFAULT_GROUP_SETTINGS, type BotGroupContext } from '@o2o/shared/schemas/groups';
import { routeGroupMessage, type Behaviour } from '../matchers/answer-choice';
import { EVALUATION_CATALOGUE, EVALUATION_MESSAGES } from './group-messages';

export const BEHAVIOURS: Behaviour[] = ['answer', 'silence', 'ticket', 'moderation'];

export interface ClassFigures {
  behaviour: Behaviour;
  expected: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
}

export interface Evaluation {
  messages: number;
  classes: ClassFigures[];
  /** Messages whose outcome differed from the expectation (an answer with the wrong content included). */
  misses: { text: string; expected: string; got: string }[];
}

/** A fresh store's context: the default FAQ and one entry of its own, standard moderation, answering unprompted. */
export const EVALUATION_CONTEXT: Pick<BotGroupContext, 'faqs' | 'settings'> = {
  settings: DEFAULT_GROUP_SETTINGS,
  faqs: [
    { id: 'store-parking', questions: ['能停车吗', '有停车位吗', '停车方便吗'], answer: '门口有 6 个临时车位，停车 30 分钟内免费。' },
    ...DEFAULT_FAQS.map((faq) => ({ id: `default:${faq.key}`, questions: faq.questions, answer: faq.answer })),
  ],
};

/** What the bot did with one message, written like an expectation: `answer:product:五常大米`, `silence`… */
export function outcomeOf(text: string, mentionSelf: boolean): { behaviour: Behaviour; label: string; products: string[] } {
  const routed = routeGroupMessage(text, { mentionSelf, context: EVALUATION_CONTEXT });
  if (routed.behaviour !== 'answer') return { behaviour: routed.behaviour, label: routed.behaviour, products: [] };
  if (routed.intent?.kind === 'product') {
    const products = matchProducts(routed.intent.keyword, EVALUATION_CATALOGUE).map((product) => product.name);
    return { behaviour: 'answer', label: `answer:product:${products.join('|') || '-'}`, products };
  }
  return { behaviour: 'answer', label: `answer:${routed.detail}`, products: [] };
}

/** An answer counts as right only with the right content (the right FAQ entry, intent, or product). */
function answeredRight(expected: string, outcome: ReturnType<typeof outcomeOf>): boolean {
  if (!expected.startsWith('answer:product:')) return outcome.label === expected;
  if (!outcome.label.startsWith('answer:product:')) return false;
  const wanted = expected.slice('answer:product:'.length);
  return wanted === '-' ? outcome.products.length === 0 : outcome.products.length > 0 && outcome.products.every((name) => name.includes(wanted));
}

/**
 * Precision and recall per behaviour over the evaluation set. A wrong answer is a false answer
 * (precision) and a missed answer (recall) at once: residents are misled either way.
 */
export function evaluateBot(messages = EVALUATION_MESSAGES): Evaluation {
  const counts = new Map(BEHAVIOURS.map((behaviour) => [behaviour, { expected: 0, predicted: 0, correct: 0 }]));
  const misses: Evaluation['misses'] = [];
  for (const [raw, expected] of messages) {
    const mentionSelf = raw.startsWith('@');
    const text = mentionSelf ? `@邻里小助手 ${raw.slice(1)}` : raw;
    const outcome = outcomeOf(text, mentionSelf);
    const expectedBehaviour = expected.split(':')[0] as Behaviour;
    counts.get(expectedBehaviour)!.expected += 1;
    counts.get(outcome.behaviour)!.predicted += 1;
    const right = expectedBehaviour === 'answer' ? outcome.behaviour === 'answer' && answeredRight(expected, outcome) : outcome.behaviour === expectedBehaviour;
    if (right) counts.get(expectedBehaviour)!.correct += 1;
    else misses.push({ text: raw, expected, got: outcome.label });
  }
  return {
    messages: messages.length,
    classes: BEHAVIOURS.map((behaviour) => {
      const { expected, predicted, correct } = counts.get(behaviour)!;
      return { behaviour, expected, predicted, correct, precision: predicted === 0 ? 1 : correct / predicted, recall: expected === 0 ? 1 : correct / expected };
    }),
    misses,
  };
}

function main(): void {
  const result = evaluateBot();
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  console.log(`Bot evaluation: ${result.messages} group messages (bot/src/evaluation/group-messages.ts)\n`);
  console.log('behaviour    expected  predicted  correct  precision  recall');
  for (const row of result.classes) {
    console.log(`${row.behaviour.padEnd(12)} ${String(row.expected).padStart(8)}  ${String(row.predicted).padStart(9)}  ${String(row.correct).padStart(7)}  ${percent(row.precision).padStart(9)}  ${percent(row.recall).padStart(6)}`);
  }
  console.log(`\nMisses (${result.misses.length}):`);
  for (const miss of result.misses) console.log(`  “${miss.text}”: expected ${miss.expected}, got ${miss.got}`);
}

if (require.main === module) main();
