/**
 * Text normalisation for matching residents' Chinese questions: full-width forms, punctuation,
 * spacing, @-mentions, filler words and common synonyms are folded away so that
 * "请问一下，营业时间是几点呢？" and "营业时间 几点" compare equal.
 */

/** Sentence-final particles that carry tone, not meaning, when they end a clause. */
const TRAILING_PARTICLES = ['吗', '呢', '啊', '呀', '吧', '哦', '噢', '嘛', '啦', '呐', '哇', '咧', '捏', '不', '没', '么'];

/** Politeness and filler phrases, removed anywhere (longest first). */
const FILLER_PHRASES = [
  '想请问一下', '想问一下', '请问一下', '问一下', '请教一下', '打听一下', '咨询一下', '麻烦问下', '麻烦问一下',
  '想请问', '想问下', '想问', '请问', '请教', '问下', '咨询', '打听',
  '大家好', '你好', '您好', '哈喽', '在吗', '在不在',
  '麻烦', '谢谢', '感谢', '多谢', '老板', '店长', '小助手', '亲们', '亲',
  '你们家', '你们店', '你们', '咱们家', '咱们', '咱家', '这边', '那个', '就是', '一下',
];

/** Different words for the same thing, folded to one (longest first within the list). */
const SYNONYMS: [RegExp, string][] = [
  [/可不可以|能不能|可以|能否|能够|是否能/g, '能'],
  [/什么时候|啥时候|什么时间|啥时间|几点钟|几时/g, '几点'],
  [/如何|咋样|咋|怎样/g, '怎么'],
  [/有没有|有木有|是否有|有无/g, '有'],
  [/是不是|是否/g, '是'],
  [/啥/g, '什么'],
  [/多少钱|什么价|价钱|价格|几块钱/g, '多少钱'],
  [/营业时间|开门时间|营业时段/g, '营业时间'],
  [/关门|打烊|下班/g, '关门'],
  [/送货|配送|外送|送上门|送到家/g, '配送'],
  [/运费|配送费|送货费/g, '配送费'],
  [/地址|位置|在哪儿|在哪里|在哪/g, '地址'],
  [/优惠|特惠|特价|促销|打折/g, '优惠'],
];

const MENTION = /@[^\s\u2005\u00a0@]{1,40}[\s\u2005\u00a0]?/g;
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
const SEPARATOR = /[\p{P}\p{S}]+/u;
const SPACES = /[\p{Z}\s]+/gu;

/** NFKC (full-width letters, digits and punctuation to half-width), lower case, no zero-width characters. */
export function foldWidth(text: string): string {
  return text.normalize('NFKC').replace(ZERO_WIDTH, '').toLowerCase();
}

/** Removes `@name ` mentions (WeChat ends a mention with U+2005 or a space). */
export function stripMentions(text: string): string {
  return text.replace(MENTION, ' ');
}

/** Letters and digits only: punctuation, symbols and every kind of space removed. */
export function lettersOnly(text: string): string {
  return foldWidth(text).replace(/[^\p{L}\p{N}]/gu, '');
}

function stripTrailingParticles(clause: string): string {
  let result = clause;
  for (let changed = true; changed && result.length > 1; ) {
    changed = false;
    for (const particle of TRAILING_PARTICLES) {
      if (result.length > particle.length + 1 && result.endsWith(particle)) {
        result = result.slice(0, -particle.length);
        changed = true;
      }
    }
  }
  return result;
}

/**
 * The canonical form of a question: mentions, punctuation, spacing, fillers and trailing
 * particles removed, synonyms folded. Two phrasings of one question should give one string.
 */
export function canonicalQuestion(text: string): string {
  // Spaces carry no meaning in Chinese (and residents type them anywhere); punctuation ends a clause.
  const clauses = foldWidth(stripMentions(text)).replace(SPACES, '').split(SEPARATOR).filter(Boolean);
  let joined = clauses.map((clause) => {
    let result = clause;
    for (const filler of FILLER_PHRASES) result = result.split(filler).join('');
    return stripTrailingParticles(result);
  }).join('');
  for (const [pattern, replacement] of SYNONYMS) joined = joined.replace(pattern, replacement);
  return joined;
}
