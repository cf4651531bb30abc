import { chinaParts } from './china-time';
import type { OpeningWindow } from './opening-hours';

/**
 * The time a resident's question is about ("周末", "明天早上七点前", "周六下午"), read against the
 * moment it was asked in China time, so the bot answers about that day instead of today.
 */
export interface TimeAsked {
  /** The China-time weekdays asked about (1 = Monday … 7 = Sunday); one for a day, two for 周末. */
  weekdays: number[];
  /** Days from today for a single day (0 today, 1 tomorrow…); null for 周末 or a weekday name. */
  dayOffset: number | null;
  /** Minutes after midnight of a time of day, with whether they asked before it (七点前). */
  minutes: number | null;
  before: boolean;
  /** How to say the day back: 今天, 明天, 周末, 周六… */
  label: string;
  /** True when nothing but today was implied. */
  today: boolean;
}

const WEEKDAY_NAMES = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const NUMERALS: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 十一: 11, 十二: 12 };
const WEEKDAY_CHARS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 末: 6 };

function hourValue(raw: string): number | null {
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  if (raw in NUMERALS) return NUMERALS[raw];
  return null;
}

/** Parses the day and time of day a question asks about; `now` is when it was asked. */
export function timeAsked(text: string, now: Date): TimeAsked {
  const body = text.normalize('NFKC');
  const today = chinaParts(now).weekday;
  const shift = (offset: number) => ((today - 1 + offset) % 7) + 1;
  let weekdays = [today];
  let dayOffset: number | null = 0;
  let label = '今天';
  if (/大后天/.test(body)) [weekdays, dayOffset, label] = [[shift(3)], 3, '大后天'];
  else if (/后天/.test(body)) [weekdays, dayOffset, label] = [[shift(2)], 2, '后天'];
  else if (/明天|明早|明晚|明儿/.test(body)) [weekdays, dayOffset, label] = [[shift(1)], 1, '明天'];
  else if (/周末|礼拜六日|星期六日|双休/.test(body)) [weekdays, dayOffset, label] = [[6, 7], null, '周末'];
  else {
    const named = /(?:周|星期|礼拜)([一二三四五六日天])/.exec(body);
    if (named) {
      const weekday = WEEKDAY_CHARS[named[1]];
      [weekdays, dayOffset, label] = [[weekday], weekday === today ? 0 : null, WEEKDAY_NAMES[weekday]];
    }
  }
  let minutes: number | null = null;
  const clock = /(早上|早晨|上午|中午|下午|傍晚|晚上|凌晨|明早|明晚)?\s*(\d{1,2}|十[一二]?|[一二两三四五六七八九十])\s*(?:点|:|：|时)\s*(半|\d{1,2}|一刻)?/.exec(body);
  if (clock) {
    const hour = hourValue(clock[2]);
    if (hour !== null && hour <= 24) {
      const period = clock[1] ?? '';
      const afternoon = /下午|傍晚|晚上|明晚/.test(period) && hour < 12;
      const extra = clock[3] === '半' ? 30 : clock[3] === '一刻' ? 15 : clock[3] ? Math.min(59, Number(clock[3])) : 0;
      minutes = (afternoon ? hour + 12 : hour) * 60 + extra;
    }
  }
  const before = minutes !== null && /(点|时|半)[之以]?前/.test(body);
  return { weekdays, dayOffset, minutes, before, label, today: dayOffset === 0 && minutes === null };
}

const toMinutes = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/** The store's opening windows on a weekday, as `HH:mm-HH:mm` text and minutes. */
export function windowsOn(windows: OpeningWindow[], weekday: number): { open: string; close: string; openMinutes: number; closeMinutes: number }[] {
  return windows
    .filter((window) => window.weekdays.includes(weekday))
    .map((window) => ({ open: window.open, close: window.close, openMinutes: toMinutes(window.open), closeMinutes: toMinutes(window.close) }));
}

export function weekdayName(weekday: number): string {
  return WEEKDAY_NAMES[weekday] ?? '';
}
