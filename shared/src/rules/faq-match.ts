import { canonicalQuestion } from './text-normalize';

export interface FaqCandidate {
  id: string;
  /** The question and its variants, as staff wrote them. */
  questions: string[];
}

export interface FaqMatch {
  id: string;
  score: number;
  question: string;
}

/** A match below this is no answer: the bot stays silent rather than guess. */
export const FAQ_MATCH_THRESHOLD = 0.72;
/** When the two best entries are this close and neither is near certain, the question is ambiguous. */
const AMBIGUITY_MARGIN = 0.05;
const CERTAIN = 0.9;

function grams(text: string): Map<string, number> {
  const result = new Map<string, number>();
  const chars = [...text];
  if (chars.length === 1) result.set(chars[0], 1);
  for (let i = 0; i + 1 < chars.length; i += 1) {
    const gram = chars[i] + chars[i + 1];
    result.set(gram, (result.get(gram) ?? 0) + 1);
  }
  return result;
}

/** Dice coefficient over character bigrams of two canonical strings. */
function dice(a: string, b: string): number {
  const left = grams(a);
  const right = grams(b);
  let overlap = 0;
  let total = 0;
  for (const [gram, count] of left) {
    overlap += Math.min(count, right.get(gram) ?? 0);
    total += count;
  }
  for (const count of right.values()) total += count;
  return total === 0 ? 0 : (2 * overlap) / total;
}

/**
 * Similarity in [0, 1] of two canonical questions: bigram overlap, or containment of the shorter
 * in the longer when it makes up at least half of it ("能开发票" in "公司能开发票").
 */
export function canonicalSimilarity(a: string, b: string): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const [short, long] = [...a].length <= [...b].length ? [a, b] : [b, a];
  const ratio = [...short].length / [...long].length;
  const contained = [...short].length >= 2 && long.includes(short) && ratio >= 0.5 ? 0.5 + 0.5 * ratio : 0;
  return Math.max(dice(a, b), contained);
}

export function questionSimilarity(a: string, b: string): number {
  return canonicalSimilarity(canonicalQuestion(a), canonicalQuestion(b));
}

/**
 * The FAQ entry a message asks for, or null when none matches well enough or two entries match
 * about equally (never a guess).
 */
export function matchFaq(text: string, entries: readonly FaqCandidate[], threshold = FAQ_MATCH_THRESHOLD): FaqMatch | null {
  const asked = canonicalQuestion(text);
  if ([...asked].length < 2) return null;
  const best = entries
    .map((entry) => {
      let top = { score: 0, question: '' };
      for (const question of entry.questions) {
        const score = canonicalSimilarity(asked, canonicalQuestion(question));
        if (score > top.score) top = { score, question };
      }
      return { id: entry.id, ...top };
    })
    .sort((a, b) => b.score - a.score);
  const [first, second] = best;
  if (!first || first.score < threshold) return null;
  if (second && first.score < CERTAIN && first.score - second.score < AMBIGUITY_MARGIN) return null;
  return first;
}
