import type { Types } from 'mongoose';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { addDays, dayRange, dayRangeInstants, daysBetween } from '@o2o/shared/rules/metrics';
import type { ReviewContent } from '@o2o/shared/schemas/content';
import { ContentCommentModel, ContentPostModel, ContentReactionModel, ContentShareModel, ContentVisitModel } from './content.model';

type Period = ReviewContent['current'];

const TOP_POSTS = 5;
const TOP_TEXT = 60;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The content figures of the China days `from`..`to`: posts, comments and likes per day, the
 * period's saves and shares, engagement of the period's posts (what they received in the period),
 * and list-page against detail-page visitors. Only visible content counts: a hidden post, a
 * hidden comment, and anything done on a hidden post are not engagement.
 */
export async function contentPeriod(from: string, to: string): Promise<Period> {
  const { start, end } = dayRangeInstants(from, to);
  const range = { $gte: start, $lt: end };
  const [posts, comments, reactions, shares] = await Promise.all([
    ContentPostModel.find({ status: 'visible', createdAt: range }, { text: 1, createdAt: 1 }).lean(),
    ContentCommentModel.find({ status: 'visible', createdAt: range }, { postId: 1, createdAt: 1 }).lean(),
    ContentReactionModel.find({ createdAt: range }, { kind: 1, postId: 1, createdAt: 1 }).lean(),
    ContentShareModel.find({ createdAt: range }, { postId: 1, createdAt: 1 }).lean(),
  ]);
  const touched = [...new Set([...comments, ...reactions, ...shares].map((row) => String(row.postId)))];
  const visiblePosts = new Set((await ContentPostModel.find({ _id: { $in: touched }, status: 'visible' }, { _id: 1 }).lean()).map((post) => String(post._id)));
  const onVisible = <T extends { postId: Types.ObjectId }>(rows: T[]) => rows.filter((row) => visiblePosts.has(String(row.postId)));
  const engagement = {
    comments: onVisible(comments),
    likes: onVisible(reactions.filter((reaction) => reaction.kind === 'like')),
    saves: onVisible(reactions.filter((reaction) => reaction.kind === 'save')),
    shares: onVisible(shares),
  };

  const days = dayRange(from, to);
  const perDay = (rows: { createdAt: Date }[]) => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(chinaDateKey(row.createdAt), (counts.get(chinaDateKey(row.createdAt)) ?? 0) + 1);
    return counts;
  };
  const [postDays, commentDays, likeDays] = [perDay(posts), perDay(engagement.comments), perDay(engagement.likes)];

  const byPost = (rows: { postId: Types.ObjectId }[]) => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(String(row.postId), (counts.get(String(row.postId)) ?? 0) + 1);
    return counts;
  };
  const received = { likes: byPost(engagement.likes), comments: byPost(engagement.comments), saves: byPost(engagement.saves), shares: byPost(engagement.shares) };
  const scored = posts.map((post) => {
    const key = String(post._id);
    const figures = { likes: received.likes.get(key) ?? 0, comments: received.comments.get(key) ?? 0, saves: received.saves.get(key) ?? 0, shares: received.shares.get(key) ?? 0 };
    return { postId: key, text: post.text.slice(0, TOP_TEXT), engagement: figures.likes + figures.comments + figures.saves + figures.shares, ...figures };
  });
  const topPosts = [...scored].sort((a, b) => b.engagement - a.engagement || (a.postId < b.postId ? -1 : 1)).slice(0, TOP_POSTS);

  const visitors = async (page: 'list' | 'detail') =>
    new Set((await ContentVisitModel.find({ page, day: { $in: days } }, { residentId: 1 }).lean()).map((visit) => String(visit.residentId))).size;
  const [listVisitors, detailVisitors] = await Promise.all([visitors('list'), visitors('detail')]);

  return {
    from,
    to,
    daily: days.map((day) => ({ day, posts: postDays.get(day) ?? 0, comments: commentDays.get(day) ?? 0, likes: likeDays.get(day) ?? 0 })),
    posts: posts.length,
    comments: engagement.comments.length,
    likes: engagement.likes.length,
    saves: engagement.saves.length,
    shares: engagement.shares.length,
    medianEngagement: median(scored.map((post) => post.engagement)),
    topPosts,
    listVisitors,
    detailVisitors,
    detailRate: listVisitors > 0 ? detailVisitors / listVisitors : null,
  };
}

/** The review's content section: the period and the one of the same length just before it. */
export async function reviewContent(from: string, to: string): Promise<ReviewContent> {
  const length = daysBetween(from, to) + 1;
  const previousTo = addDays(from, -1);
  const previousFrom = addDays(previousTo, -(length - 1));
  const [current, previous] = await Promise.all([contentPeriod(from, to), contentPeriod(previousFrom, previousTo)]);
  return { current, previous };
}
