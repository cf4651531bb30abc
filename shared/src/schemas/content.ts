import { z } from 'zod';
import { objectIdSchema } from './common';
import { mediaImageIdSchema, mediaImagePathSchema } from './media';
import { externalIdSchema } from './orders';
import { idempotencyKeySchema } from './points';

/**
 * Neighbourhood content (邻里圈): residents' posts and 晒单 (a post tagged with one of the author's
 * completed orders), comments with one level of replies, likes, saves and shares, reports, and the
 * staff's moderation of them. The second seed judges content quality by likes, comments, saves
 * and shares, and content quantity by list-page visitors against detail-page visitors.
 *
 * This file is the contract shared by the server (`server/src/components/content/`), the resident
 * pages and the staff pages.
 */

export const POST_TEXT_MAX = 1000;
export const POST_IMAGES_MAX = 9;
export const COMMENT_TEXT_MAX = 300;

export const POST_KINDS = ['post', 'show_order'] as const;
export const postKindSchema = z.enum(POST_KINDS);
export type PostKind = z.infer<typeof postKindSchema>;

/**
 * `visible`: in the feed. `hidden`: taken down by the moderation rules (at posting) or by staff;
 * the author still sees it, with the reason, nobody else does.
 */
export const CONTENT_STATUSES = ['visible', 'hidden'] as const;
export const contentStatusSchema = z.enum(CONTENT_STATUSES);
export type ContentStatus = z.infer<typeof contentStatusSchema>;

export const FEED_SORTS = ['newest', 'engaged'] as const;

export const REPORT_REASONS = ['ad', 'fraud', 'offensive', 'false_info', 'other'] as const;
export const reportReasonSchema = z.enum(REPORT_REASONS);
export const REPORT_REASON_LABELS: Record<(typeof REPORT_REASONS)[number], string> = {
  ad: '广告或推销',
  fraud: '诈骗或虚假链接',
  offensive: '辱骂或不友善',
  false_info: '不实信息',
  other: '其他',
};

export const contentAuthorSchema = z.object({
  /** The resident's id; null when staff answered as the store. */
  residentId: objectIdSchema.nullable(),
  /** What the feed shows: the resident's nickname (masked like invitees' names), or the store's name for staff. */
  name: z.string(),
  avatarUrl: z.string().nullable(),
  /** True when staff wrote it as the store (shown with a 门店 badge). */
  asStore: z.boolean(),
});
export type ContentAuthor = z.infer<typeof contentAuthorSchema>;

export const postImageSchema = z.object({
  id: mediaImageIdSchema,
  path: mediaImagePathSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

/** For a 晒单: the order it shows, as the author may reveal it (no amounts). */
export const shownOrderSchema = z.object({
  /** The order system's order id (orders are keyed by it, not by an ObjectId). */
  orderId: externalIdSchema,
  completedAt: z.string(),
  /** Product names of the order, at most 5. */
  items: z.array(z.string()).max(5),
});

export const postCountsSchema = z.object({
  likes: z.number().int(),
  comments: z.number().int(),
  saves: z.number().int(),
  shares: z.number().int(),
});

export const postSchema = z.object({
  id: objectIdSchema,
  storeId: objectIdSchema,
  kind: postKindSchema,
  author: contentAuthorSchema,
  text: z.string(),
  images: z.array(postImageSchema).max(POST_IMAGES_MAX),
  order: shownOrderSchema.nullable(),
  status: contentStatusSchema,
  /** Why it is hidden, in Chinese (the rule's label or the staff's reason); null when visible. */
  hiddenReason: z.string().nullable(),
  pinned: z.boolean(),
  counts: postCountsSchema,
  /** The caller's own reactions (false for staff). */
  liked: z.boolean(),
  saved: z.boolean(),
  /** Whether the caller wrote it. */
  mine: z.boolean(),
  createdAt: z.string(),
});
export type Post = z.infer<typeof postSchema>;

export const commentSchema = z.object({
  id: objectIdSchema,
  postId: objectIdSchema,
  author: contentAuthorSchema,
  text: z.string(),
  /** One level of replies: a reply to a reply hangs under the same top-level comment. */
  parentId: objectIdSchema.nullable(),
  /** The name of whom it answers, for "回复 王**：…"; null for a top-level comment. */
  replyToName: z.string().nullable(),
  status: contentStatusSchema,
  hiddenReason: z.string().nullable(),
  mine: z.boolean(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof commentSchema>;

// ---- resident requests -----------------------------------------------------------------------

/** GET /content/feed: the caller's store for residents; staff pass `storeId`. Records a list-page visit for residents. */
export const feedQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  sort: z.enum(FEED_SORTS).default('newest'),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
/** Pinned posts come first on the first page of either sort. */
export const feedSchema = z.object({ posts: z.array(postSchema), nextCursor: z.string().nullable() });
export type Feed = z.infer<typeof feedSchema>;

/** POST /content/posts. Images are uploaded first (POST /media/images, residents may too); a retry with the same key answers the same post. */
export const createPostSchema = z.object({
  text: z.string().trim().min(1, '请写点内容').max(POST_TEXT_MAX, `内容不能超过 ${POST_TEXT_MAX} 字`),
  imageIds: z.array(mediaImageIdSchema).max(POST_IMAGES_MAX, `最多 ${POST_IMAGES_MAX} 张图片`).default([]),
  /** Makes it a 晒单: must be one of the author's own completed orders. */
  orderId: externalIdSchema.optional(),
  idempotencyKey: idempotencyKeySchema,
});
export type CreatePost = z.infer<typeof createPostSchema>;

/** GET /content/posts/:postId: the post and its comments (oldest first, replies under their parent). Records a detail-page visit for residents. */
export const postDetailSchema = z.object({ post: postSchema, comments: z.array(commentSchema) });
export type PostDetail = z.infer<typeof postDetailSchema>;

/** POST /content/posts/:postId/comments (residents, and staff answering as the store). */
export const createCommentSchema = z.object({
  text: z.string().trim().min(1, '请写点内容').max(COMMENT_TEXT_MAX, `评论不能超过 ${COMMENT_TEXT_MAX} 字`),
  replyTo: objectIdSchema.optional(),
  idempotencyKey: idempotencyKeySchema,
});
export type CreateComment = z.infer<typeof createCommentSchema>;

/** PUT/DELETE /content/posts/:postId/like and /save answer the caller's state and the new count; repeating either changes nothing. */
export const reactionStateSchema = z.object({ active: z.boolean(), count: z.number().int() });
export type ReactionState = z.infer<typeof reactionStateSchema>;

/** POST /content/posts/:postId/shares: a share card carrying the sharer (`tu`, the resident-share touch), counted once per key. */
export const createShareSchema = z.object({ idempotencyKey: idempotencyKeySchema });
export const shareCardSchema = z.object({
  title: z.string(),
  /** Mini-program path of the post with the sharer's touch, e.g. `/pages/post/index?id=…&tu=…`. */
  path: z.string(),
  imageUrl: z.string().nullable(),
  shares: z.number().int(),
});
export type ShareCard = z.infer<typeof shareCardSchema>;

/** POST /content/posts/:postId/reports and /content/comments/:commentId/reports: once per resident and item. */
export const createReportSchema = z.object({ reason: reportReasonSchema, note: z.string().trim().max(200).optional() });
export const reportResultSchema = z.object({ reported: z.literal(true), reports: z.number().int() });

/** GET /content/show-orders: the caller's completed orders a 晒单 may link (newest first, at most 20). */
export const showableOrdersSchema = z.object({ orders: z.array(shownOrderSchema) });

// ---- staff ----------------------------------------------------------------------------------

/** GET /content/moderation: what needs a look in the staff's stores. */
export const moderationQueueQuerySchema = z.object({
  storeId: objectIdSchema.optional(),
  /** `reported`: visible items with open reports; `hidden`: hidden items (by rules or staff), to restore a wrong one. */
  status: z.enum(['reported', 'hidden']).default('reported'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const moderationItemSchema = z.object({
  kind: z.enum(['post', 'comment']),
  id: objectIdSchema,
  postId: objectIdSchema,
  storeId: objectIdSchema,
  author: contentAuthorSchema,
  text: z.string(),
  images: z.array(postImageSchema),
  status: contentStatusSchema,
  hiddenReason: z.string().nullable(),
  /** How it was hidden: `rule` (at posting, with the rule), `staff`, or null when visible. */
  hiddenBy: z.enum(['rule', 'staff']).nullable(),
  /** For a post: whether it is pinned now (false for a comment). */
  pinned: z.boolean(),
  reports: z.array(z.object({ reason: reportReasonSchema, label: z.string(), count: z.number().int() })),
  /** The author's content strikes so far and the penalty now in force ('warn' | 'mute' | 'remove' ladder, as in the groups). */
  authorStrikes: z.number().int(),
  authorPenalty: z.string().nullable(),
  createdAt: z.string(),
});
export const moderationQueueSchema = z.object({ items: z.array(moderationItemSchema) });
export type ModerationItem = z.infer<typeof moderationItemSchema>;

/** POST /content/posts/:postId/pin. */
export const pinPostSchema = z.object({ pinned: z.boolean() });
/** POST /content/posts/:postId/visibility and /content/comments/:commentId/visibility: hide (with a reason) or restore; reports are closed either way. */
export const setVisibilitySchema = z.object({
  hidden: z.boolean(),
  reason: z.string().trim().min(2, '请写明原因').max(100).optional(),
}).refine((value) => !value.hidden || !!value.reason, { message: '隐藏时请写明原因', path: ['reason'] });

// ---- the biweekly review's content section ----------------------------------------------------

export const contentPeriodSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Per China day of the period, oldest first. Only visible items count; hidden ones are not engagement. */
  daily: z.array(z.object({ day: z.string(), posts: z.number().int(), comments: z.number().int(), likes: z.number().int() })),
  posts: z.number().int(),
  comments: z.number().int(),
  likes: z.number().int(),
  saves: z.number().int(),
  shares: z.number().int(),
  /** Engagement of a post = likes + comments + saves + shares received in the period, over the period's posts. */
  medianEngagement: z.number().nullable(),
  topPosts: z.array(z.object({ postId: objectIdSchema, text: z.string(), engagement: z.number().int(), likes: z.number().int(), comments: z.number().int(), saves: z.number().int(), shares: z.number().int() })).max(5),
  /** Content quantity: distinct residents who opened the feed, and who opened at least one post. */
  listVisitors: z.number().int(),
  detailVisitors: z.number().int(),
  /** detailVisitors / listVisitors; null without list visitors. */
  detailRate: z.number().nullable(),
});
export const reviewContentSchema = z.object({ current: contentPeriodSchema, previous: contentPeriodSchema });
export type ReviewContent = z.infer<typeof reviewContentSchema>;
