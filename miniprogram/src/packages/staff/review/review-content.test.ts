import type { ReviewContent } from '@o2o/shared/schemas/content';
import { reviewContentSchema } from '@o2o/shared/schemas/content';
import { dailyPoints, engagementText, figureRows } from './review-content';

const period = (from: string, to: string, figures: Partial<ReviewContent['current']>): ReviewContent['current'] => ({
  from, to, daily: [], posts: 0, comments: 0, likes: 0, saves: 0, shares: 0, medianEngagement: null, topPosts: [], listVisitors: 0, detailVisitors: 0, detailRate: null, ...figures,
});

const content: ReviewContent = reviewContentSchema.parse({
  current: period('2026-03-02', '2026-03-15', {
    daily: [{ day: '2026-03-02', posts: 2, comments: 5, likes: 9 }, { day: '2026-03-03', posts: 0, comments: 1, likes: 4 }],
    posts: 2, comments: 6, likes: 13, saves: 3, shares: 1, medianEngagement: 11.5, listVisitors: 40, detailVisitors: 10, detailRate: 0.25,
  }),
  previous: period('2026-02-16', '2026-03-01', { posts: 2, comments: 9, likes: 4, saves: 3, shares: 0, medianEngagement: 4, listVisitors: 20, detailVisitors: 7, detailRate: 0.35 }),
});

describe('the review content section', () => {
  it('charts one series per day, labelled by the day of the month', () => {
    expect(dailyPoints(content, 'comments')).toEqual({ unit: '条', points: [{ label: '2', value: 5 }, { label: '3', value: 1 }] });
    expect(dailyPoints(content, 'likes').points.map((point) => point.value)).toEqual([9, 4]);
  });

  it('puts each figure beside the previous period with the change, rates in percentage points', () => {
    const rows = new Map(figureRows(content).map((row) => [row.key, row]));
    expect(rows.get('posts')).toMatchObject({ label: '发帖', current: '2', previous: '2', change: '持平' });
    expect(rows.get('comments')).toMatchObject({ current: '6', previous: '9', change: '-3' });
    expect(rows.get('likes')).toMatchObject({ current: '13', previous: '4', change: '+9' });
    expect(rows.get('detailRate')).toMatchObject({ label: '进详情比例', current: '25.0%', previous: '35.0%', change: '-10.0个点' });
    expect(rows.get('medianEngagement')).toMatchObject({ current: '11.5', previous: '4', change: '+7.5' });
    expect([...rows.keys()]).toEqual(['posts', 'comments', 'likes', 'saves', 'shares', 'listVisitors', 'detailVisitors', 'detailRate', 'medianEngagement']);
  });

  it('shows — when a period has no rate or median', () => {
    const empty = { current: period('2026-03-02', '2026-03-15', {}), previous: period('2026-02-16', '2026-03-01', { detailRate: 0.5 }) };
    const rows = new Map(figureRows(empty).map((row) => [row.key, row]));
    expect(rows.get('detailRate')).toMatchObject({ current: '—', previous: '50.0%', change: '—' });
    expect(rows.get('medianEngagement')).toMatchObject({ current: '—', previous: '—', change: '—' });
  });

  it('writes a top post\'s engagement out by kind', () => {
    expect(engagementText({ postId: 'a'.repeat(24), text: '新到的草莓', engagement: 12, likes: 6, comments: 3, saves: 2, shares: 1 })).toBe('互动 12（赞 6 · 评 3 · 藏 2 · 转 1）');
  });
});
