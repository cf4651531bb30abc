import { evaluateBot } from './evaluate-bot';
import { EVALUATION_MESSAGES } from './group-messages';

describe('the bot on the evaluation set of realistic group messages', () => {
  const result = evaluateBot();
  const figures = (behaviour: string) => result.classes.find((row) => row.behaviour === behaviour)!;

  it('holds at least 150 messages, each class represented, colloquial, typo\'d and mixed-script ones included', () => {
    expect(EVALUATION_MESSAGES.length).toBeGreaterThanOrEqual(150);
    for (const behaviour of ['answer', 'silence', 'ticket', 'moderation']) expect(figures(behaviour).expected).toBeGreaterThan(5);
    expect(EVALUATION_MESSAGES.some(([text]) => /[A-Za-z]/.test(text) && /\p{Script=Han}/u.test(text))).toBe(true);
  });

  it('keeps answer precision at least 0.9 and recall at least 0.8', () => {
    expect(figures('answer').precision).toBeGreaterThanOrEqual(0.9);
    expect(figures('answer').recall).toBeGreaterThanOrEqual(0.8);
  });

  it('keeps silence the default for chit-chat and hands complaints to staff', () => {
    expect(figures('silence').recall).toBeGreaterThanOrEqual(0.95);
    expect(figures('ticket').precision).toBeGreaterThanOrEqual(0.9);
    expect(figures('ticket').recall).toBeGreaterThanOrEqual(0.8);
    expect(figures('moderation').recall).toBeGreaterThanOrEqual(0.9);
  });

  it('counts a wrong answer as a miss, not a hit', () => {
    const wrong = evaluateBot([['有大米卖吗', 'answer:product:西红柿']]);
    expect(wrong.classes.find((row) => row.behaviour === 'answer')).toMatchObject({ expected: 1, predicted: 1, correct: 0 });
  });
});
