import { chinaParts } from './china-time';

/** A store's opening window on some weekdays, in China time; `close` may pass midnight (e.g. 07:00-02:00). */
export interface OpeningWindow {
  /** 1 = Monday ... 7 = Sunday */
  weekdays: number[];
  open: string;
  close: string;
}

const toMinutes = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/** Whether the store is open at `instant`, reading the windows in Asia/Shanghai time. */
export function isOpenAt(windows: OpeningWindow[], instant: Date): boolean {
  const { weekday, minutes } = chinaParts(instant);
  const previousWeekday = weekday === 1 ? 7 : weekday - 1;
  return windows.some((window) => {
    const open = toMinutes(window.open);
    const close = toMinutes(window.close);
    if (open === close) return window.weekdays.includes(weekday); // open all day
    if (open < close) return window.weekdays.includes(weekday) && minutes >= open && minutes < close;
    // Past midnight: open late on its own day, or early on the next day.
    return (window.weekdays.includes(weekday) && minutes >= open) || (window.weekdays.includes(previousWeekday) && minutes < close);
  });
}

const WEEKDAY_NAMES = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** Simplified Chinese summary for residents, e.g. `周一至周日 07:00-22:00`. */
export function describeOpeningHours(windows: OpeningWindow[]): string {
  return windows
    .map((window) => {
      const days = [...window.weekdays].sort((a, b) => a - b);
      const contiguous = days.every((day, index) => index === 0 || day === days[index - 1] + 1);
      const label =
        days.length === 7 ? '每天' : contiguous && days.length > 1 ? `${WEEKDAY_NAMES[days[0]]}至${WEEKDAY_NAMES[days[days.length - 1]]}` : days.map((day) => WEEKDAY_NAMES[day]).join('、');
      return `${label} ${window.open}-${window.close}`;
    })
    .join('；');
}
