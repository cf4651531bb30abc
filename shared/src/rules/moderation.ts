import { foldWidth, lettersOnly, stripMentions } from './text-normalize';

/**
 * Group moderation, modelled on the spam rules of the second seed's community convention: repeated
 * ads, deceptive links, marketing disguised as experience (contact details with promotional words)
 * and symbols used to dodge review, with escalating penalties.
 */
export const MODERATION_RULES = ['link', 'mini_program', 'qr_image', 'repeated', 'contact_promo', 'obfuscated', 'muted_speech'] as const;
export type ModerationRule = (typeof MODERATION_RULES)[number];

export const MODERATION_STRICTNESS = ['off', 'lenient', 'standard', 'strict'] as const;
export type ModerationStrictness = (typeof MODERATION_STRICTNESS)[number];

/**
 * The seed's ladder: warnings, then mutes of growing length (1, 7, 15 days by default), then
 * removal (or, without the rights, staff asked to remove). A puppet cannot mute, so a mute means:
 * the member's messages until it ends are strikes too, and the member is told when it ends.
 */
export const PENALTY_LADDER = ['warn', 'mute', 'remove'] as const;
export type Penalty = (typeof PENALTY_LADDER)[number];

/** How many warnings, then the mutes in days; past the last mute, removal. A store setting. */
export interface ModerationLadder {
  warnings: number;
  muteDays: number[];
}

export const DEFAULT_MODERATION_LADDER: ModerationLadder = { warnings: 1, muteDays: [1, 7, 15] };

export interface LadderStep {
  penalty: Penalty;
  /** For a mute: its length in days; otherwise null. */
  muteDays: number | null;
}

export const RULE_LABELS: Record<ModerationRule, string> = {
  link: '发送外部链接',
  mini_program: '发送外部小程序',
  qr_image: '发送二维码图片',
  repeated: '重复刷屏',
  contact_promo: '留联系方式做推广',
  obfuscated: '用符号规避审核的广告',
  muted_speech: '在禁言期间发言',
};

export type MessageKind = 'text' | 'url' | 'mini_program' | 'image' | 'other';

export interface ModerationInput {
  kind: MessageKind;
  text: string;
  /** For url cards: the link; for images: whether a QR code was decoded in it. */
  url?: string;
  qrCodeFound?: boolean;
  /** How many identical messages (this one included) the member sent within the repeat window. */
  identicalRecently: number;
  /** Hosts the store itself links to (its mini-program, its site); never counted as outside links. */
  allowedHosts?: readonly string[];
}

export interface Violation {
  rule: ModerationRule;
  detail: string;
}

/*
 * Every matcher here runs in time linear in the message: a regular expression whose quantified
 * part could be retried from each position of a long run ("a-a-a-…", "wwww…") is replaced by
 * one pass over maximal runs, checked in code. `moderation.test.ts` times them on long
 * adversarial input.
 */
const SCHEME_URL = /https?:\/\/[^\s]+/i;
const WWW_URL = /www\.[a-z0-9-]+\.[a-z]{2,}[^\s]*/i;
/** Maximal dotted runs such as `shop.example.com`; the lookbehind lets a run start only where it begins. */
const DOTTED_RUN = /(?<![a-z0-9-])[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;
const BARE_DOMAIN_TLDS = new Set(['com', 'cn', 'net', 'top', 'xyz', 'vip', 'cc', 'io', 'me', 'club', 'shop', 'ink', 'link', 'site', 'online']);

/** `name.tld` (a listed TLD, the name at least 2 characters) inside a dotted run, with a path right after it. */
function bareDomain(text: string): string | null {
  for (const match of text.matchAll(DOTTED_RUN)) {
    const labels = match[0].split('.');
    let offset = 0;
    for (let index = 0; index < labels.length - 1; index += 1) {
      if (labels[index].length >= 2 && BARE_DOMAIN_TLDS.has(labels[index + 1].toLowerCase())) {
        const end = match.index + offset + labels[index].length + 1 + labels[index + 1].length;
        const path = text[end] === '/' ? /^\S*/.exec(text.slice(end))![0] : '';
        return text.slice(match.index + offset, end) + path;
      }
      offset += labels[index].length + 1;
    }
  }
  return null;
}

function findUrl(text: string): string | null {
  return SCHEME_URL.exec(text)?.[0] ?? WWW_URL.exec(text)?.[0] ?? bareDomain(text);
}

const HIDDEN_URL_TLDS = ['com', 'cn', 'net', 'top', 'xyz', 'vip'];
const HIDDEN_SCHEME = /https?[a-z0-9]{4,}/i;

/** On text reduced to letters and digits: `www` + at least 2 characters + a TLD, or `http(s)` + 4 more. */
function hiddenUrlIn(bare: string): string | null {
  for (const { 0: run } of bare.matchAll(/[a-z0-9]+/gi)) {
    const lower = run.toLowerCase();
    const start = lower.indexOf('www');
    if (start < 0) continue;
    const end = Math.max(...HIDDEN_URL_TLDS.map((tld) => {
      const at = lower.lastIndexOf(tld);
      return at >= start + 5 ? at + tld.length : -1;
    }));
    if (end > 0) return run.slice(start, end);
  }
  return HIDDEN_SCHEME.exec(bare)?.[0] ?? null;
}
const PHONE_PATTERN = /(?<!\d)1[3-9]\d{9}(?!\d)/;
const WECHAT_ID_PATTERN = /(微信|威信|薇信|维信|vx|v信|wx|wechat|加v|加微|➕v|加我|q{2}|扣扣|企鹅)[:：号]?\s*[a-z0-9_-]{5,}/i;
const CONTACT_HINT = /(微信|威信|薇信|维信|vx|v信|加v|加微|加我|私聊|私信我|扣扣|qq|联系电话|电话)/i;
const PROMO_WORDS = [
  '代购', '低价', '兼职', '刷单', '日结', '赚钱', '躺赚', '副业', '加盟', '招代理', '代理', '推广', '免费领', '免费送', '返利', '返现',
  '优惠券', '秒杀', '批发', '贷款', '办卡', '微商', '引流', '招聘', '宝妈', '私聊', '私信', '进群', '福利群', '淘宝客', '拼团', '砍价',
  '亲测有效', '亲身经历', '强烈推荐', '用了都说好',
];

/** Repeat threshold per strictness: the identical message count that counts as spam. */
const REPEAT_LIMIT: Record<ModerationStrictness, number> = { off: Infinity, lenient: 4, standard: 3, strict: 2 };

function hostOf(url: string): string | null {
  const match = /^(?:https?:\/\/)?([^/\s?#:]+)/i.exec(url.trim());
  return match ? match[1].toLowerCase() : null;
}

function isAllowed(url: string, allowedHosts: readonly string[]): boolean {
  const host = hostOf(url);
  return Boolean(host && allowedHosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`)));
}

function promoWords(text: string): string[] {
  return PROMO_WORDS.filter((word) => text.includes(word));
}

function contactDetail(text: string): string | null {
  return PHONE_PATTERN.exec(text)?.[0] ?? WECHAT_ID_PATTERN.exec(text)?.[0] ?? null;
}

/** Contact details together with promotional words (strict: a contact hint and any promotional word). */
function contactPromo(text: string, strictness: ModerationStrictness): string | null {
  const promos = promoWords(text);
  const contact = contactDetail(text);
  if (contact && promos.length > 0) return `${contact} + ${promos.slice(0, 3).join('、')}`;
  if (strictness === 'strict' && promos.length > 0 && CONTACT_HINT.test(text)) return `${CONTACT_HINT.exec(text)![0]} + ${promos.slice(0, 3).join('、')}`;
  if (strictness !== 'lenient' && contact && CONTACT_HINT.test(text) && promos.length === 0 && /(加我|私聊|私信我)/.test(text)) return contact;
  return null;
}

/** Symbols or spaces wedged between characters: "加.微.信", "代 购", "w w w . x x . c o m". */
function symbolsBetweenCharacters(text: string): number {
  return (text.match(/[\p{L}\p{N}][^\p{L}\p{N}\n]{1,3}(?=[\p{L}\p{N}])/gu) ?? []).length;
}

/**
 * The rules a message breaks at the given strictness. Pure: the caller counts repeats and decodes
 * images. Staff are exempt before this is asked.
 */
export function findViolations(input: ModerationInput, strictness: ModerationStrictness): Violation[] {
  if (strictness === 'off') return [];
  const allowed = input.allowedHosts ?? [];
  const text = foldWidth(stripMentions(input.text ?? ''));
  const violations: Violation[] = [];

  if (input.kind === 'url' && input.url && !isAllowed(input.url, allowed)) violations.push({ rule: 'link', detail: input.url });
  if (input.kind === 'mini_program' && strictness !== 'lenient') violations.push({ rule: 'mini_program', detail: input.text || '小程序卡片' });
  if (input.kind === 'image' && input.qrCodeFound) violations.push({ rule: 'qr_image', detail: input.url ?? '二维码' });

  if (input.kind === 'text' && text) {
    const url = findUrl(text);
    if (url && !isAllowed(url, allowed)) violations.push({ rule: 'link', detail: url });
    const promo = contactPromo(text, strictness);
    if (promo) violations.push({ rule: 'contact_promo', detail: promo });
    if (!url && !promo) {
      // The same checks on the text with every symbol and space removed: what survives only there was disguised.
      const bare = lettersOnly(text);
      const hiddenUrl = hiddenUrlIn(bare);
      const hiddenPromo = contactPromo(bare, strictness) ?? (strictness === 'strict' && promoWords(bare).length >= 2 ? promoWords(bare).join('、') : null);
      const wedged = symbolsBetweenCharacters(text);
      if ((hiddenUrl || hiddenPromo) && wedged >= (strictness === 'strict' ? 1 : 2)) {
        violations.push({ rule: 'obfuscated', detail: hiddenUrl ?? hiddenPromo! });
      }
    }
  }
  if (input.identicalRecently >= REPEAT_LIMIT[strictness] && (input.kind === 'text' ? text.length > 0 : true)) {
    violations.push({ rule: 'repeated', detail: `${input.identicalRecently} 次相同消息` });
  }
  return violations;
}

/** The step of a member's n-th standing strike (1-based): the warnings, each mute in turn, then removal. */
export function ladderStep(level: number, ladder: ModerationLadder = DEFAULT_MODERATION_LADDER): LadderStep {
  const n = Math.max(level, 1);
  if (n <= ladder.warnings) return { penalty: 'warn', muteDays: null };
  const mute = ladder.muteDays[n - ladder.warnings - 1];
  return mute === undefined ? { penalty: 'remove', muteDays: null } : { penalty: 'mute', muteDays: mute };
}

const DAY_MS = 24 * 60 * 60_000;

/** When a mute that starts at `from` ends. */
export function muteEnd(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

/** A key for "the same message": width, case, spacing and punctuation folded. */
export function repeatKey(kind: MessageKind, text: string): string {
  return `${kind}:${lettersOnly(text).slice(0, 200)}`;
}
