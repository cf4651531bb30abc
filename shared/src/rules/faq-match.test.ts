import { matchFaq, questionSimilarity } from './faq-match';
import { canonicalQuestion } from './text-normalize';

const FAQ = [
  { id: 'invoice', questions: ['可以开发票吗', '能开发票吗'] },
  { id: 'parking', questions: ['门口可以停车吗', '有停车位吗'] },
  { id: 'pets', questions: ['可以带宠物进店吗'] },
  { id: 'return', questions: ['买的东西可以退换吗', '怎么退货'] },
];

describe('canonical questions', () => {
  it('folds full-width characters, punctuation, spacing, mentions, fillers and trailing particles', () => {
    expect(canonicalQuestion('@邻里小助手\u2005请问一下，能开发票吗？？')).toBe('能开发票');
    expect(canonicalQuestion('能 开 发 票 吗 ？！')).toBe('能开发票');
    expect(canonicalQuestion('ＫＦＣ 可以开发票不')).toBe('kfc能开发票');
    expect(canonicalQuestion('你好，想问下你们家有没有停车位呀~')).toBe('有停车位');
  });

  it('folds synonyms', () => {
    expect(canonicalQuestion('可不可以开发票')).toBe(canonicalQuestion('能开发票吗'));
    expect(canonicalQuestion('什么时候关门')).toBe(canonicalQuestion('几点关门'));
  });
});

describe('matching residents\' questions to FAQ entries', () => {
  it.each([
    ['请问一下，能开发票吗？', 'invoice'],
    ['可以开发票吗', 'invoice'],
    ['你们家能不能开 发票呢？？', 'invoice'],
    ['想问下可以开发票不', 'invoice'],
    ['有没有停车位啊', 'parking'],
    ['门口能停车吗？', 'parking'],
    ['可以带宠物进店吗？', 'pets'],
    ['怎么退货呀', 'return'],
  ])('“%s” matches %s', (text, id) => {
    expect(matchFaq(text, FAQ)?.id).toBe(id);
  });

  it.each(['今天天气真好', '发票的事情我昨天问过了，谢谢大家', '哈哈', '停', '我家猫丢了怎么办', ''])('“%s” matches nothing', (text) => {
    expect(matchFaq(text, FAQ)).toBeNull();
  });

  it('refuses to choose between two entries that match equally well', () => {
    const twins = [{ id: 'a', questions: ['周末营业吗'] }, { id: 'b', questions: ['周末营业吗'] }];
    expect(matchFaq('周末营业嘛', twins)?.score).toBe(1);
    const close = [{ id: 'a', questions: ['周末几点开门'] }, { id: 'b', questions: ['周末几点关门'] }];
    expect(matchFaq('周末几点门', close)).toBeNull();
  });

  it('scores similarity symmetrically between 0 and 1', () => {
    expect(questionSimilarity('能开发票吗', '可以开发票吗？')).toBe(1);
    expect(questionSimilarity('停车', '发票')).toBe(0);
  });
});
