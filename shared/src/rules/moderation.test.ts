import { findViolations, ladderStep, muteEnd, repeatKey, type ModerationInput } from './moderation';

const text = (value: string, extra: Partial<ModerationInput> = {}): ModerationInput => ({ kind: 'text', text: value, identicalRecently: 1, ...extra });
const rules = (input: ModerationInput, strictness: 'lenient' | 'standard' | 'strict' = 'standard') => findViolations(input, strictness).map((violation) => violation.rule);

describe('the spam rules', () => {
  it('flags outside links in text and link cards, except hosts the store allows', () => {
    expect(rules(text('看这个 https://spam.example.com/x'))).toEqual(['link']);
    expect(rules(text('上 www.cheap-deals.top 领券'))).toEqual(['link']);
    expect(rules(text('淘宝搜 abc.shop 有惊喜'))).toEqual(['link']);
    expect(rules({ kind: 'url', text: '优惠', url: 'https://mock.url', identicalRecently: 1 })).toEqual(['link']);
    expect(rules(text('店里的小程序 https://mall.linli.cn/p/1', { allowedHosts: ['linli.cn'] }))).toEqual([]);
  });

  it('flags mini-program cards (not when lenient) and images holding a QR code', () => {
    expect(rules({ kind: 'mini_program', text: '拼团', identicalRecently: 1 })).toEqual(['mini_program']);
    expect(rules({ kind: 'mini_program', text: '拼团', identicalRecently: 1 }, 'lenient')).toEqual([]);
    expect(rules({ kind: 'image', text: '', qrCodeFound: true, identicalRecently: 0 })).toEqual(['qr_image']);
    expect(rules({ kind: 'image', text: '', qrCodeFound: false, identicalRecently: 0 })).toEqual([]);
  });

  it('flags repeats at the strictness threshold: 4 lenient, 3 standard, 2 strict', () => {
    expect(rules(text('进群领福利', { identicalRecently: 2 }))).toEqual([]);
    expect(rules(text('进群领福利', { identicalRecently: 3 }))).toEqual(['repeated']);
    expect(rules(text('进群领福利', { identicalRecently: 3 }), 'lenient')).toEqual([]);
    expect(rules(text('进群领福利', { identicalRecently: 2 }), 'strict')).toEqual(['repeated']);
    expect(repeatKey('text', '进群 领福利！')).toBe(repeatKey('text', '进群领福利'));
  });

  it('flags contact details with promotional words, not a phone number or an ordinary message', () => {
    expect(rules(text('专业代购 低价正品，加我微信 abc123456'))).toEqual(['contact_promo']);
    expect(rules(text('兼职日结 联系 13812345678'))).toEqual(['contact_promo']);
    expect(rules(text('快递放门口了，有事打我 13812345678'))).toEqual([]);
    expect(rules(text('今天的草莓很新鲜，推荐大家买'))).toEqual([]);
  });

  it('flags text obfuscated with symbols, which reads as an ad only once the symbols are gone', () => {
    expect(rules(text('代～购～低～价，加 微 信 a b c 1 2 3 4 5'))).toEqual(['obfuscated']);
    expect(rules(text('w w w . d e a l s . t o p 天天有券'))).toEqual(['obfuscated']);
    expect(rules(text('早上好，今天也要开心哦～'))).toEqual([]);
  });

  it('does nothing when strictness is off', () => {
    expect(findViolations(text('代购 加我微信 abc123456 https://x.cn', { identicalRecently: 9 }), 'off')).toEqual([]);
  });
});

describe('escalation', () => {
  it('follows the seed by default: a warning, mutes of 1, 7 and 15 days, then removal', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => ladderStep(n))).toEqual([
      { penalty: 'warn', muteDays: null },
      { penalty: 'mute', muteDays: 1 },
      { penalty: 'mute', muteDays: 7 },
      { penalty: 'mute', muteDays: 15 },
      { penalty: 'remove', muteDays: null },
      { penalty: 'remove', muteDays: null },
    ]);
  });

  it('takes a store\'s own ladder: two warnings and one 3-day mute, or straight to removal', () => {
    expect([1, 2, 3, 4].map((n) => ladderStep(n, { warnings: 2, muteDays: [3] }).penalty)).toEqual(['warn', 'warn', 'mute', 'remove']);
    expect(ladderStep(3, { warnings: 2, muteDays: [3] }).muteDays).toBe(3);
    expect(ladderStep(1, { warnings: 0, muteDays: [] }).penalty).toBe('remove');
  });

  it('ends a mute whole days after it starts', () => {
    expect(muteEnd(new Date('2026-03-01T10:00:00Z'), 7).toISOString()).toBe('2026-03-08T10:00:00.000Z');
  });
});

describe('matchers on long adversarial input', () => {
  // Each of these took seconds at 40,000 characters when a quantified pattern was retried from
  // every position of a long run; linear matchers take milliseconds even at 100,000.
  const LONG = 100_000;
  const adversarial: Record<string, string> = {
    'hyphenated run': 'a-'.repeat(LONG / 2),
    'letters w': 'w'.repeat(LONG),
    'www. repeated': 'www.'.repeat(LONG / 4),
    'dotted letters': 'a.'.repeat(LONG / 2),
    'wx repeated': 'wx '.repeat(LONG / 3),
    'http repeated': 'http'.repeat(LONG / 4),
    'wedged symbols': '加.'.repeat(LONG / 2),
    'mixed': 'a-1.'.repeat(LONG / 4),
    'mentions': '@'.repeat(LONG),
  };
  for (const [name, text] of Object.entries(adversarial)) {
    it(`finishes ${name} (${text.length} characters) in well under a second at every strictness`, () => {
      for (const strictness of ['lenient', 'standard', 'strict'] as const) {
        const started = performance.now();
        findViolations({ kind: 'text', text, identicalRecently: 1 }, strictness);
        expect(performance.now() - started).toBeLessThan(1000);
      }
    });
  }

  it('still finds a bare domain, a www link and a disguised one after a long run', () => {
    const padding = 'a-'.repeat(5000);
    expect(findViolations({ kind: 'text', text: `${padding} 看看 shop.example.com/deal?id=1`, identicalRecently: 1 }, 'standard')).toEqual([{ rule: 'link', detail: 'example.com/deal?id=1' }]);
    expect(findViolations({ kind: 'text', text: `${'w'.repeat(3000)} 去 www.abc.cn`, identicalRecently: 1 }, 'standard')[0]).toEqual({ rule: 'link', detail: 'www.abc.cn' });
    expect(findViolations({ kind: 'text', text: '加 w w w . d a i g o u . c o m 代 购', identicalRecently: 1 }, 'standard').map((violation) => violation.rule)).toEqual(['obfuscated']);
    expect(findViolations({ kind: 'text', text: 'abc.community 是个词，不是链接', identicalRecently: 1 }, 'standard')).toEqual([]);
  });
});
