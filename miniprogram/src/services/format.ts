/** Dates for residents, in China time: 11月22日 16:49. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(Date.parse(iso) + 8 * 3_600_000);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getUTCMonth() + 1}月${date.getUTCDate()}日 ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(Date.parse(iso) + 8 * 3_600_000);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getUTCFullYear()}年${date.getUTCMonth() + 1}月${date.getUTCDate()}日`;
}

/** `11月22日` of a China-time `YYYY-MM-DD` day key, or of an instant. */
export function formatMonthDay(value: string | null | undefined): string {
  if (!value) return '';
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(Date.parse(value) + 8 * 3_600_000).toISOString().slice(0, 10);
  const [, month, date] = day.split('-').map(Number);
  return Number.isNaN(month) ? '' : `${month}月${date}日`;
}

export function yuan(cents: number): string {
  return `¥${(cents / 100).toFixed(cents % 100 === 0 ? 0 : 2)}`;
}

export function percentText(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(1)}%`;
}

/** 早上好 / 中午好 / 下午好 / 晚上好 by China-time hour. */
export function greeting(now: Date = new Date()): string {
  const hour = new Date(now.getTime() + 8 * 3_600_000).getUTCHours();
  if (hour < 5) return '夜深了';
  if (hour < 11) return '早上好';
  if (hour < 13) return '中午好';
  if (hour < 18) return '下午好';
  return '晚上好';
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

/** 周一 … 周日 of a `YYYY-MM-DD` day key. */
export function weekdayText(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? '' : `周${WEEKDAYS[date.getUTCDay()]}`;
}
