/** China has one time zone and no daylight saving: UTC+8 all year. */
export const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Calendar parts of an instant in Asia/Shanghai. `weekday` is 1 (Monday) to 7 (Sunday). */
export function chinaParts(instant: Date): { year: number; month: number; day: number; weekday: number; minutes: number } {
  const shifted = new Date(instant.getTime() + CHINA_OFFSET_MS);
  const weekday = shifted.getUTCDay() === 0 ? 7 : shifted.getUTCDay();
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    weekday,
    minutes: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

/** `YYYY-MM-DD` of the instant in China time: the key of a daily period. */
export function chinaDateKey(instant: Date): string {
  const { year, month, day } = chinaParts(instant);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `YYYY-MM` of the instant in China time. */
export function chinaMonthKey(instant: Date): string {
  return chinaDateKey(instant).slice(0, 7);
}

/** The instant a China-time calendar day (`YYYY-MM-DD`) starts. */
export function chinaDayStart(dateKey: string): Date {
  const [year, month, day] = dateKey.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day) - CHINA_OFFSET_MS);
}

/** `12月3日 14:05` in China time, for messages people read. */
export function chinaTimeText(instant: Date): string {
  const china = new Date(instant.getTime() + CHINA_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${china.getUTCMonth() + 1}月${china.getUTCDate()}日 ${pad(china.getUTCHours())}:${pad(china.getUTCMinutes())}`;
}
