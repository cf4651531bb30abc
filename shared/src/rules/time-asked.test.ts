import { timeAsked } from './time-asked';

// 2026-06-03 is a Wednesday; 10:00 in Shanghai.
const wednesday = new Date('2026-06-03T02:00:00Z');

describe('the time a question is about', () => {
  it('reads 周末, 明天 and weekday names against the day it was asked', () => {
    expect(timeAsked('周末有活动吗', wednesday)).toMatchObject({ weekdays: [6, 7], label: '周末', today: false });
    expect(timeAsked('明天几点开门', wednesday)).toMatchObject({ weekdays: [4], dayOffset: 1, label: '明天' });
    expect(timeAsked('后天呢', wednesday)).toMatchObject({ weekdays: [5], dayOffset: 2 });
    expect(timeAsked('周日开门吗', wednesday)).toMatchObject({ weekdays: [7], label: '周日' });
    expect(timeAsked('几点关门', wednesday)).toMatchObject({ weekdays: [3], today: true });
  });

  it('reads a time of day in Chinese numerals or digits, afternoon included, and whether it is asked before it', () => {
    expect(timeAsked('明天早上七点前能送到吗', wednesday)).toMatchObject({ weekdays: [4], minutes: 7 * 60, before: true });
    expect(timeAsked('下午3点半能送吗', wednesday)).toMatchObject({ minutes: 15 * 60 + 30, before: false });
    expect(timeAsked('晚上十点还开着吗', wednesday)).toMatchObject({ minutes: 22 * 60 });
  });
});
