import type { ReviewContent } from '@o2o/shared/schemas/content';
import type { ColumnPoint } from '../components/charts';

/** Whether neither period saw any content: no posts, comments, reactions, shares or visitors. */
export function contentIsEmpty(content: ReviewContent): boolean {
  return [content.current, content.previous].every((period) => period.posts + period.comments + period.likes + period.saves + period.shares + period.listVisitors === 0);
}

export type DailySeries = 'posts' | 'comments' | 'likes';
export const DAILY_SERIES_TEXT: Record<DailySeries, string> = { posts: '发帖', comments: '评论', likes: '点赞' };
const DAILY_UNIT: Record<DailySeries, string> = { posts: '条', comments: '条', likes: '个' };

/** One series of the period's days as chart columns, labelled by the day of the month. */
export function dailyPoints(content: ReviewContent, series: DailySeries): { points: ColumnPoint[]; unit: string } {
  return {
    unit: DAILY_UNIT[series],
    // The day of the month only: 14 labels of "11/17" overlap on a 375 px screen; the caption names the months.
    points: content.current.daily.map((day) => ({ label: String(Number(day.day.slice(8, 10))), value: day[series] })),
  };
}

type CountKey = 'posts' | 'comments' | 'likes' | 'saves' | 'shares' | 'listVisitors' | 'detailVisitors';

export interface FigureRow {
  key: string;
  label: string;
  current: string;
  previous: string;
  /** +3 / -2 / 持平 against the previous period (rates in percentage points, 个点); — when either side is missing. */
  change: string;
}

const count = (value: number) => String(value);
const rate = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const median = (value: number | null) => (value === null ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(1));

function change(current: number | null, previous: number | null, asRate = false): string {
  if (current === null || previous === null) return '—';
  const difference = asRate ? Math.round((current - previous) * 1000) / 10 : Math.round((current - previous) * 10) / 10;
  if (difference === 0) return '持平';
  const text = asRate ? `${Math.abs(difference).toFixed(1)}个点` : String(Math.abs(difference));
  return `${difference > 0 ? '+' : '-'}${text}`;
}

/** The section's figures, each with the previous period beside it and the change. */
export function figureRows(content: ReviewContent): FigureRow[] {
  const { current, previous } = content;
  const counts: [CountKey, string][] = [
    ['posts', '发帖'],
    ['comments', '评论'],
    ['likes', '点赞'],
    ['saves', '收藏'],
    ['shares', '转发'],
    ['listVisitors', '列表页访客'],
    ['detailVisitors', '详情页访客'],
  ];
  return [
    ...counts.map(([key, label]) => ({ key, label, current: count(current[key]), previous: count(previous[key]), change: change(current[key], previous[key]) })),
    { key: 'detailRate', label: '进详情比例', current: rate(current.detailRate), previous: rate(previous.detailRate), change: change(current.detailRate, previous.detailRate, true) },
    { key: 'medianEngagement', label: '每帖互动中位数', current: median(current.medianEngagement), previous: median(previous.medianEngagement), change: change(current.medianEngagement, previous.medianEngagement) },
  ];
}

/** A top post's engagement in words: 互动 12（赞 6 · 评 3 · 藏 2 · 转 1）. */
export function engagementText(post: ReviewContent['current']['topPosts'][number]): string {
  return `互动 ${post.engagement}（赞 ${post.likes} · 评 ${post.comments} · 藏 ${post.saves} · 转 ${post.shares}）`;
}
