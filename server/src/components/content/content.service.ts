import type { Types } from 'mongoose';
import { chinaTimeText } from '@o2o/shared/rules/china-time';
import { DEFAULT_MODERATION_LADDER, findViolations, ladderStep, muteEnd, RULE_LABELS, type ModerationLadder, type ModerationRule } from '@o2o/shared/rules/moderation';
import { withTouch } from '@o2o/shared/rules/order-credit';
import {
  REPORT_REASON_LABELS,
  type Comment,
  type ContentAuthor,
  type CreateComment,
  type CreatePost,
  type Feed,
  type ModerationItem,
  type Post,
  type PostDetail,
  type ReactionState,
  type ShareCard,
} from '@o2o/shared/schemas/content';
import type { TaskEventType } from '@o2o/shared/schemas/tasks';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import { insertOnce, isDuplicateKey, takeNumberedSlot } from '../../db/unique-insert';
import type { Principal, StaffPrincipal } from '../auth/auth.guard';
import type { MediaService } from '../media/media.service';
import { assertStoreAccess, storeIdsInScope } from '../staff/staff-scope';
import type { TaskService } from '../tasks/tasks.service';
import {
  ContentCommentModel,
  ContentPostModel,
  ContentReactionModel,
  ContentReportModel,
  ContentShareModel,
  ContentStrikeModel,
  type ContentCommentRecord,
  type ContentPostRecord,
} from './content.model';
import { ContentRepository, type Viewer } from './content.repository';
import { decodesQrCode } from './qr-decode';
import { findByIds, findEach } from '../../db/find-by-ids';

export type ReactionKind = 'like' | 'save';
type ItemKind = 'post' | 'comment';

const REACTION_EVENTS: Record<ReactionKind, TaskEventType> = { like: 'post_liked', save: 'post_saved' };
/** The mini-program page of one post (the content-ui pages); a share card's path adds the sharer's touch. */
export const POST_PAGE = '/pages/post/index';
const MAX_STRIKE_ATTEMPTS = 50;
const PINNED_ON_FIRST_PAGE = 5;
/** Group moderation's middle setting: contact details with promotional words, links and disguised links are caught. */
const STRICTNESS = 'standard' as const;

export interface ContentServiceOptions {
  tasks: TaskService;
  media: MediaService;
  logger: Logger;
  ladder?: ModerationLadder;
  repository?: ContentRepository;
}

export function maskName(nickname: string | null | undefined): string {
  if (!nickname) return '新邻居';
  return `${[...nickname][0]}**`;
}

/** Who is asking: a resident (with their store) or staff; anyone else is refused. */
export function viewerOf(principal: Principal): Viewer {
  if (principal.staff) return { kind: 'staff', staff: principal.staff };
  if (principal.residentId) return { kind: 'resident', residentId: principal.residentId };
  throw AppError.forbidden('请先登录');
}

function authorView(author: ContentPostRecord['author']): ContentAuthor {
  return { residentId: author.residentId ? String(author.residentId) : null, name: author.name, avatarUrl: null, asStore: Boolean(author.asStore) };
}

function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(cursor: string): { e?: number; c: string; i: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { e?: unknown; c?: unknown; i?: unknown };
    if (typeof value.c !== 'string' || typeof value.i !== 'string' || Number.isNaN(Date.parse(value.c)) || !/^[0-9a-f]{24}$/.test(value.i)) throw new Error('shape');
    if (value.e !== undefined && typeof value.e !== 'number') throw new Error('shape');
    return value as { e?: number; c: string; i: string };
  } catch {
    throw AppError.badRequest('翻页参数无效，请刷新后重试');
  }
}

/**
 * Neighbourhood posts, 晒单, comments and reactions. Every write is a unique insert keyed so that
 * a retry (or the same request sent twice at once) is the same document; the side effects after
 * it (a strike, a task event, the post's recounted figures) are idempotent and re-run on a retry,
 * so a crash between them is repaired by the next attempt.
 */
export class ContentService {
  readonly repository: ContentRepository;
  private readonly tasks: TaskService;
  private readonly media: MediaService;
  private readonly logger: Logger;
  private readonly ladder: ModerationLadder;

  constructor(options: ContentServiceOptions) {
    this.tasks = options.tasks;
    this.media = options.media;
    this.logger = options.logger;
    this.ladder = options.ladder ?? DEFAULT_MODERATION_LADDER;
    this.repository = options.repository ?? new ContentRepository();
  }

  // ---- posts ----------------------------------------------------------------------------------

  async createPost(residentId: Types.ObjectId, input: CreatePost, now = new Date()): Promise<Post> {
    const resident = await this.repository.resident(residentId);
    if (!resident.storeId) throw new AppError('STORE_REQUIRED', '请先选择你的门店，再来邻里圈发帖', 409);
    const idempotencyKey = `${residentId}:${input.idempotencyKey}`;
    const existing = await ContentPostModel.findOne({ idempotencyKey }).lean<ContentPostRecord>();
    if (existing) return this.finishPost(existing, residentId);
    await this.assertMayWrite(residentId, now);

    const images = await this.media.describeImages(input.imageIds);
    const order = input.orderId ? await this.repository.showableOrder(residentId, input.orderId) : null;
    const rule = await this.violationOf(input.text, images.map((image) => image.id));
    const record = {
      storeId: resident.storeId,
      kind: order ? ('show_order' as const) : ('post' as const),
      author: { residentId, staffId: null, name: maskName(resident.nickname), asStore: false },
      text: input.text,
      images: images.map((image) => ({ id: image.id, path: image.path, width: image.width, height: image.height })),
      order,
      status: rule ? ('hidden' as const) : ('visible' as const),
      hiddenBy: rule ? ('rule' as const) : null,
      hiddenReason: rule ? RULE_LABELS[rule] : null,
      hiddenRule: rule,
      hiddenAt: rule ? now : null,
      pinned: false,
      idempotencyKey,
      createdAt: now,
    };
    let post: ContentPostRecord;
    try {
      post = (await ContentPostModel.create(record)).toObject() as ContentPostRecord;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      post = (await ContentPostModel.findOne({ idempotencyKey }).lean<ContentPostRecord>())!;
    }
    return this.finishPost(post, residentId);
  }

  /** The work after a post is stored, safe to repeat: its strike when a rule hid it, else its activity events. */
  private async finishPost(post: ContentPostRecord, residentId: Types.ObjectId): Promise<Post> {
    if (!post.author.residentId?.equals(residentId)) throw AppError.conflict('这个请求编号已用于另一条内容');
    if (post.hiddenBy === 'rule' && post.hiddenRule) await this.takeStrike(residentId, `post:${post._id}`, post.hiddenRule, post.hiddenAt ?? post.createdAt);
    if (post.status === 'visible') await this.recordPostEvents(post);
    return (await this.repository.postViews([post], { kind: 'resident', residentId }))[0];
  }

  private async recordPostEvents(post: ContentPostRecord): Promise<void> {
    const residentId = post.author.residentId;
    if (!residentId) return;
    await this.record(residentId, 'post_published', `content:post:${post._id}`, post.createdAt, { postId: String(post._id) });
    if (post.kind === 'show_order' && post.order) {
      await this.record(residentId, 'order_shown', `content:order-shown:${post.order.orderId}`, post.createdAt, { postId: String(post._id), orderId: post.order.orderId });
    }
  }

  async feed(viewer: Viewer, query: { storeId?: string; sort: 'newest' | 'engaged'; cursor?: string; limit: number }, now = new Date()): Promise<Feed> {
    const storeId = await this.feedStore(viewer, query.storeId);
    if (viewer.kind === 'resident') await this.repository.recordVisit(viewer.residentId, storeId, 'list', now);
    const visible = this.repository.visibilityFilter(viewer);
    const base = { storeId, ...visible };
    const pinned = query.cursor
      ? []
      : await ContentPostModel.find({ ...base, pinned: true }).sort({ pinnedAt: -1, _id: -1 }).limit(PINNED_ON_FIRST_PAGE).lean<ContentPostRecord[]>();
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const filter: Record<string, unknown> = { ...base, pinned: { $ne: true } };
    let sort: Record<string, 1 | -1>;
    if (query.sort === 'engaged') {
      sort = { engagement: -1, createdAt: -1, _id: -1 };
      if (after) {
        const c = new Date(after.c);
        const i = toObjectId(after.i);
        const e = after.e ?? 0;
        filter.$and = [{ $or: [{ engagement: { $lt: e } }, { engagement: e, createdAt: { $lt: c } }, { engagement: e, createdAt: c, _id: { $lt: i } }] }];
      }
    } else {
      sort = { createdAt: -1, _id: -1 };
      if (after) {
        const c = new Date(after.c);
        filter.$and = [{ $or: [{ createdAt: { $lt: c } }, { createdAt: c, _id: { $lt: toObjectId(after.i) } }] }];
      }
    }
    const page = await ContentPostModel.find(filter).sort(sort).limit(query.limit + 1).lean<ContentPostRecord[]>();
    const more = page.length > query.limit;
    const shown = page.slice(0, query.limit);
    const last = shown[shown.length - 1];
    const nextCursor = more && last ? encodeCursor({ ...(query.sort === 'engaged' ? { e: last.engagement ?? 0 } : {}), c: last.createdAt.toISOString(), i: String(last._id) }) : null;
    return { posts: await this.repository.postViews([...pinned, ...shown], viewer), nextCursor };
  }

  async detail(viewer: Viewer, postId: Types.ObjectId, now = new Date()): Promise<PostDetail> {
    const post = await this.readablePost(viewer, postId);
    if (viewer.kind === 'resident') await this.repository.recordVisit(viewer.residentId, post.storeId, 'detail', now);
    const comments = await ContentCommentModel.find({ postId, ...this.repository.visibilityFilter(viewer) }).sort({ createdAt: 1, _id: 1 }).lean<ContentCommentRecord[]>();
    const replies = new Map<string, ContentCommentRecord[]>();
    for (const comment of comments) {
      if (!comment.parentId) continue;
      const key = String(comment.parentId);
      replies.set(key, [...(replies.get(key) ?? []), comment]);
    }
    const ordered = comments.filter((comment) => !comment.parentId).flatMap((top) => [top, ...(replies.get(String(top._id)) ?? [])]);
    return {
      post: (await this.repository.postViews([post], viewer))[0],
      comments: ordered.map((comment) => this.commentView(comment, viewer)),
    };
  }

  async showableOrders(residentId: Types.ObjectId) {
    return { orders: await this.repository.showableOrders(residentId) };
  }

  // ---- comments -------------------------------------------------------------------------------

  async createComment(viewer: Viewer, postId: Types.ObjectId, input: CreateComment, now = new Date()): Promise<Comment> {
    const post = await this.readablePost(viewer, postId);
    const writerId = viewer.kind === 'staff' ? viewer.staff.id : viewer.residentId;
    const idempotencyKey = `${writerId}:${input.idempotencyKey}`;
    const existing = await ContentCommentModel.findOne({ idempotencyKey }).lean<ContentCommentRecord>();
    if (existing) return this.finishComment(existing, viewer);
    if (viewer.kind === 'resident' && post.status !== 'visible') throw new AppError('POST_HIDDEN', '这条内容已被隐藏，暂时不能评论', 409);
    if (viewer.kind === 'resident') await this.assertMayWrite(viewer.residentId, now);

    let parentId: Types.ObjectId | null = null;
    let replyToName: string | null = null;
    if (input.replyTo) {
      const target = await ContentCommentModel.findOne({ _id: toObjectId(input.replyTo), postId, ...this.repository.visibilityFilter(viewer) }).lean<ContentCommentRecord>();
      if (!target) throw AppError.notFound('要回复的评论');
      parentId = target.parentId ?? target._id;
      replyToName = target.author.name;
    }
    const author =
      viewer.kind === 'staff'
        ? { residentId: null, staffId: viewer.staff.id, name: await this.repository.storeName(post.storeId), asStore: true }
        : { residentId: viewer.residentId, staffId: null, name: maskName((await this.repository.resident(viewer.residentId)).nickname), asStore: false };
    // Staff answer as the store and are not moderated (as in the groups, staff are exempt).
    const rule = viewer.kind === 'resident' ? await this.violationOf(input.text, []) : null;
    let comment: ContentCommentRecord;
    try {
      comment = (
        await ContentCommentModel.create({
          postId,
          storeId: post.storeId,
          author,
          text: input.text,
          parentId,
          replyToName,
          status: rule ? ('hidden' as const) : ('visible' as const),
          hiddenBy: rule ? ('rule' as const) : null,
          hiddenReason: rule ? RULE_LABELS[rule] : null,
          hiddenRule: rule,
          hiddenAt: rule ? now : null,
          idempotencyKey,
          createdAt: now,
        })
      ).toObject() as ContentCommentRecord;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      comment = (await ContentCommentModel.findOne({ idempotencyKey }).lean<ContentCommentRecord>())!;
    }
    return this.finishComment(comment, viewer);
  }

  private async finishComment(comment: ContentCommentRecord, viewer: Viewer): Promise<Comment> {
    const writerId = viewer.kind === 'staff' ? viewer.staff.id : viewer.residentId;
    const wrote = comment.author.residentId?.equals(writerId) || comment.author.staffId?.equals(writerId);
    if (!wrote) throw AppError.conflict('这个请求编号已用于另一条内容');
    const residentId = comment.author.residentId;
    if (residentId && comment.hiddenBy === 'rule' && comment.hiddenRule) await this.takeStrike(residentId, `comment:${comment._id}`, comment.hiddenRule, comment.hiddenAt ?? comment.createdAt);
    if (residentId && comment.status === 'visible') await this.record(residentId, 'comment_posted', `content:comment:${comment._id}`, comment.createdAt, { postId: String(comment.postId) });
    await this.repository.recount(comment.postId);
    return this.commentView(comment, viewer);
  }

  private commentView(comment: ContentCommentRecord, viewer: Viewer): Comment {
    const mine = viewer.kind === 'resident' ? Boolean(comment.author.residentId?.equals(viewer.residentId)) : Boolean(comment.author.staffId?.equals(viewer.staff.id));
    return {
      id: String(comment._id),
      postId: String(comment.postId),
      author: authorView(comment.author),
      text: comment.text,
      parentId: comment.parentId ? String(comment.parentId) : null,
      replyToName: comment.replyToName ?? null,
      status: comment.status,
      hiddenReason: comment.hiddenReason ?? null,
      mine,
      createdAt: comment.createdAt.toISOString(),
    };
  }

  // ---- likes, saves, shares -------------------------------------------------------------------

  async react(residentId: Types.ObjectId, postId: Types.ObjectId, kind: ReactionKind, active: boolean, now = new Date()): Promise<ReactionState> {
    const post = await this.readablePost({ kind: 'resident', residentId }, postId);
    if (post.status !== 'visible') throw new AppError('POST_HIDDEN', '这条内容已被隐藏，暂时不能点赞或收藏', 409);
    const id = `${kind}:${postId}:${residentId}`;
    if (active) {
      await insertOnce(ContentReactionModel, { _id: id, kind, postId, storeId: post.storeId, residentId, createdAt: now });
      // Keyed by post and resident: liking again after an unlike is the same event, counted once.
      await this.record(residentId, REACTION_EVENTS[kind], `content:${kind}:${postId}:${residentId}`, now, { postId: String(postId) });
    } else {
      await ContentReactionModel.deleteOne({ _id: id });
    }
    const counts = await this.repository.recount(postId);
    return { active, count: kind === 'like' ? counts.likes : counts.saves };
  }

  async share(residentId: Types.ObjectId, postId: Types.ObjectId, idempotencyKey: string, now = new Date()): Promise<ShareCard> {
    const post = await this.readablePost({ kind: 'resident', residentId }, postId);
    if (post.status !== 'visible') throw new AppError('POST_HIDDEN', '这条内容已被隐藏，不能分享', 409);
    await insertOnce(ContentShareModel, { _id: `${residentId}:${idempotencyKey}`, postId, storeId: post.storeId, residentId, createdAt: now });
    await this.record(residentId, 'post_shared', `content:share:${postId}:${residentId}`, now, { postId: String(postId) });
    const counts = await this.repository.recount(postId);
    const title = post.text.length > 30 ? `${post.text.slice(0, 30)}…` : post.text;
    return {
      title: title || '来看看邻居的分享',
      path: withTouch(`${POST_PAGE}?id=${postId}`, { kind: 'share', sharerId: String(residentId) }),
      imageUrl: post.images[0]?.path ?? null,
      shares: counts.shares,
    };
  }

  // ---- reports and moderation -----------------------------------------------------------------

  async report(residentId: Types.ObjectId, itemKind: ItemKind, itemId: Types.ObjectId, input: { reason: keyof typeof REPORT_REASON_LABELS; note?: string }, now = new Date()) {
    const viewer: Viewer = { kind: 'resident', residentId };
    const item = await this.readableItem(viewer, itemKind, itemId);
    if (item.author.residentId?.equals(residentId)) throw AppError.badRequest('不能举报自己发的内容');
    await insertOnce(ContentReportModel, {
      _id: `${itemKind}:${itemId}:${residentId}`,
      itemKind,
      itemId,
      postId: item.postId,
      storeId: item.storeId,
      residentId,
      reason: input.reason,
      note: input.note ?? null,
      createdAt: now,
    });
    return { reported: true as const, reports: await ContentReportModel.countDocuments({ itemKind, itemId, closedAt: null }) };
  }

  async moderationQueue(staff: StaffPrincipal, query: { storeId?: string; status: 'reported' | 'hidden'; limit: number }): Promise<{ items: ModerationItem[] }> {
    const scope = await this.staffStores(staff, query.storeId);
    // One store (a manager's) as an equality, which the embedded database pushes down to an index.
    const storeFilter = scope === 'all' ? {} : scope.length === 1 ? { storeId: scope[0] } : { storeId: { $in: scope } };
    let posts: ContentPostRecord[];
    let comments: ContentCommentRecord[];
    if (query.status === 'hidden') {
      [posts, comments] = await Promise.all([
        ContentPostModel.find({ ...storeFilter, status: 'hidden' }).sort({ createdAt: -1 }).limit(query.limit).lean<ContentPostRecord[]>(),
        ContentCommentModel.find({ ...storeFilter, status: 'hidden' }).sort({ createdAt: -1 }).limit(query.limit).lean<ContentCommentRecord[]>(),
      ]);
    } else {
      const open = await ContentReportModel.find({ ...storeFilter, closedAt: null }, { itemKind: 1, itemId: 1 }).lean();
      const ids = (kind: ItemKind) => [...new Set(open.filter((report) => report.itemKind === kind).map((report) => String(report.itemId)))].map((id) => toObjectId(id));
      const [reportedPosts, reportedComments] = await Promise.all([findByIds<ContentPostRecord>(ContentPostModel, ids('post')), findByIds<ContentCommentRecord>(ContentCommentModel, ids('comment'))]);
      posts = reportedPosts.filter((post) => post.status === 'visible');
      comments = reportedComments.filter((comment) => comment.status === 'visible');
    }
    const entries = [
      ...posts.map((post) => ({ kind: 'post' as const, record: post, postId: post._id, images: post.images as { id: string; path: string; width: number; height: number }[] })),
      ...comments.map((comment) => ({ kind: 'comment' as const, record: comment, postId: comment.postId, images: [] as { id: string; path: string; width: number; height: number }[] })),
    ]
      .sort((a, b) => b.record.createdAt.getTime() - a.record.createdAt.getTime())
      .slice(0, query.limit);
    const reports = (await findEach<{ itemKind: ItemKind; itemId: Types.ObjectId; reason: string; closedAt: Date | null }>(ContentReportModel, 'itemId', entries.map((entry) => entry.record._id), { itemKind: 1, itemId: 1, reason: 1, closedAt: 1 })).filter((report) => !report.closedAt);
    const strikes = new Map<string, number>();
    for (const residentId of new Set(entries.flatMap((entry) => (entry.record.author.residentId ? [String(entry.record.author.residentId)] : [])))) {
      strikes.set(residentId, await ContentStrikeModel.countDocuments({ residentId: toObjectId(residentId) }));
    }
    return {
      items: entries.map(({ kind, record, postId, images }) => {
        const byReason = new Map<string, number>();
        for (const report of reports) if (report.itemKind === kind && report.itemId.equals(record._id)) byReason.set(report.reason, (byReason.get(report.reason) ?? 0) + 1);
        const authorStrikes = record.author.residentId ? (strikes.get(String(record.author.residentId)) ?? 0) : 0;
        return {
          kind,
          id: String(record._id),
          postId: String(postId),
          storeId: String(record.storeId),
          author: authorView(record.author),
          text: record.text,
          images: images.map((image) => ({ id: image.id, path: image.path, width: image.width, height: image.height })),
          status: record.status,
          hiddenReason: record.hiddenReason ?? null,
          hiddenBy: (record.hiddenBy as 'rule' | 'staff' | null) ?? null,
          pinned: kind === 'post' && Boolean((record as ContentPostRecord).pinned),
          reports: [...byReason].map(([reason, count]) => ({ reason: reason as keyof typeof REPORT_REASON_LABELS, label: REPORT_REASON_LABELS[reason as keyof typeof REPORT_REASON_LABELS], count })),
          authorStrikes,
          authorPenalty: authorStrikes > 0 ? ladderStep(authorStrikes, this.ladder).penalty : null,
          createdAt: record.createdAt.toISOString(),
        };
      }),
    };
  }

  async pin(staff: StaffPrincipal, postId: Types.ObjectId, pinned: boolean, now = new Date()): Promise<Post> {
    const post = await this.readablePost({ kind: 'staff', staff }, postId);
    await ContentPostModel.updateOne({ _id: post._id }, { $set: { pinned, pinnedAt: pinned ? now : null } });
    const updated = (await ContentPostModel.findById(post._id).lean<ContentPostRecord>())!;
    return (await this.repository.postViews([updated], { kind: 'staff', staff }))[0];
  }

  async setPostVisibility(staff: StaffPrincipal, postId: Types.ObjectId, input: { hidden: boolean; reason?: string }): Promise<Post> {
    return (await this.setVisibility(staff, 'post', postId, input)) as Post;
  }

  async setCommentVisibility(staff: StaffPrincipal, commentId: Types.ObjectId, input: { hidden: boolean; reason?: string }): Promise<Comment> {
    return (await this.setVisibility(staff, 'comment', commentId, input)) as Comment;
  }

  /** Staff hide (with a reason) or restore a post or comment; its open reports are closed either way. */
  private async setVisibility(staff: StaffPrincipal, itemKind: ItemKind, itemId: Types.ObjectId, input: { hidden: boolean; reason?: string }, now = new Date()): Promise<Post | Comment> {
    const viewer: Viewer = { kind: 'staff', staff };
    const item = await this.readableItem(viewer, itemKind, itemId);
    const change = input.hidden
      ? { status: 'hidden', hiddenBy: 'staff', hiddenReason: input.reason!, hiddenRule: null, hiddenAt: now }
      : { status: 'visible', hiddenBy: null, hiddenReason: null, hiddenRule: null, hiddenAt: null };
    const model = itemKind === 'post' ? ContentPostModel : ContentCommentModel;
    await (model as typeof ContentPostModel).updateOne({ _id: itemId }, { $set: change });
    await ContentReportModel.updateMany({ itemKind, itemId, closedAt: null }, { $set: { closedAt: now, closedBy: staff.id } });
    await this.repository.recount(item.postId);
    if (itemKind === 'post') {
      const post = (await ContentPostModel.findById(itemId).lean<ContentPostRecord>())!;
      // Restored (a rule was wrong): it now counts as published, once.
      if (post.status === 'visible') await this.recordPostEvents(post);
      return (await this.repository.postViews([post], viewer))[0];
    }
    const comment = (await ContentCommentModel.findById(itemId).lean<ContentCommentRecord>())!;
    if (comment.status === 'visible' && comment.author.residentId) await this.record(comment.author.residentId, 'comment_posted', `content:comment:${comment._id}`, comment.createdAt, { postId: String(comment.postId) });
    return this.commentView(comment, viewer);
  }

  /** A resident's content strikes and the ladder's step now in force. */
  async standing(residentId: Types.ObjectId): Promise<{ strikes: number; penalty: string | null }> {
    const strikes = await ContentStrikeModel.countDocuments({ residentId });
    return { strikes, penalty: strikes > 0 ? ladderStep(strikes, this.ladder).penalty : null };
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async feedStore(viewer: Viewer, requested?: string): Promise<Types.ObjectId> {
    if (viewer.kind === 'staff') {
      const storeId = requested ? toObjectId(requested) : viewer.staff.storeId;
      if (!storeId) throw AppError.badRequest('请选择要查看的门店');
      await assertStoreAccess(viewer.staff, storeId);
      return storeId;
    }
    const resident = await this.repository.resident(viewer.residentId);
    if (!resident.storeId) throw new AppError('STORE_REQUIRED', '请先选择你的门店，再来看邻里圈', 409);
    if (requested && !resident.storeId.equals(toObjectId(requested))) throw AppError.forbidden('只能查看你所在门店的邻里圈');
    return resident.storeId;
  }

  private async staffStores(staff: StaffPrincipal, requested?: string): Promise<Types.ObjectId[] | 'all'> {
    if (requested) {
      const storeId = toObjectId(requested);
      await assertStoreAccess(staff, storeId);
      return [storeId];
    }
    return storeIdsInScope(staff);
  }

  /** A post the viewer may see: hidden ones only by their author and staff of its store. */
  private async readablePost(viewer: Viewer, postId: Types.ObjectId): Promise<ContentPostRecord> {
    const post = await ContentPostModel.findById(postId).lean<ContentPostRecord>();
    if (!post) throw AppError.notFound('内容');
    if (viewer.kind === 'staff') {
      await assertStoreAccess(viewer.staff, post.storeId);
      return post;
    }
    if (post.status !== 'visible' && !post.author.residentId?.equals(viewer.residentId)) throw AppError.notFound('内容');
    return post;
  }

  private async readableItem(viewer: Viewer, itemKind: ItemKind, itemId: Types.ObjectId): Promise<{ postId: Types.ObjectId; storeId: Types.ObjectId; author: ContentPostRecord['author'] }> {
    if (itemKind === 'post') {
      const post = await this.readablePost(viewer, itemId);
      return { postId: post._id, storeId: post.storeId, author: post.author };
    }
    const comment = await ContentCommentModel.findById(itemId).lean<ContentCommentRecord>();
    if (!comment) throw AppError.notFound('评论');
    await this.readablePost(viewer, comment.postId);
    if (viewer.kind === 'resident' && comment.status !== 'visible' && !comment.author.residentId?.equals(viewer.residentId)) throw AppError.notFound('评论');
    return { postId: comment.postId, storeId: comment.storeId, author: comment.author };
  }

  /** The first rule the text (or a QR code in one of the images) breaks, as the group moderation judges it. */
  private async violationOf(text: string, imageIds: string[]): Promise<ModerationRule | null> {
    const violations = findViolations({ kind: 'text', text, identicalRecently: 1 }, STRICTNESS);
    if (violations.length > 0) return violations[0].rule;
    for (const id of imageIds) {
      const { body } = await this.media.readImage(id);
      if (await decodesQrCode(body)) return 'qr_image';
    }
    return null;
  }

  /** Refuses a resident whose strikes put a mute (still running) or a removal in force. */
  private async assertMayWrite(residentId: Types.ObjectId, now: Date): Promise<void> {
    const strikes = await ContentStrikeModel.find({ residentId }, { n: 1, at: 1 }).sort({ n: -1 }).limit(1).lean();
    const count = strikes.length > 0 ? await ContentStrikeModel.countDocuments({ residentId }) : 0;
    if (count === 0) return;
    const step = ladderStep(count, this.ladder);
    if (step.penalty === 'remove') throw new AppError('CONTENT_BANNED', '你因多次违规已不能在邻里圈发帖和评论，如有疑问请联系门店', 403);
    if (step.penalty === 'mute' && step.muteDays) {
      const until = muteEnd(strikes[0].at, step.muteDays);
      if (until > now) throw new AppError('CONTENT_MUTED', `你因违规被禁言，${chinaTimeText(until)} 后才能发帖和评论`, 403, { until: until.toISOString() });
    }
  }

  /** The resident's next strike slot for a violating item (one per item, however often it is retried). */
  private async takeStrike(residentId: Types.ObjectId, itemKey: string, rule: string, at: Date): Promise<number> {
    const mine = await ContentStrikeModel.findOne({ itemKey }).lean();
    if (mine) return mine.n;
    const n = await takeNumberedSlot(ContentStrikeModel, { prefix: String(residentId), pool: { residentId }, keyField: 'itemKey', key: itemKey, fields: { residentId, rule, at } }, MAX_STRIKE_ATTEMPTS);
    if (n !== null) return n;
    throw new AppError('STRIKE_CONTENTION', '同时处理的违规记录太多，请稍后重试', 503);
  }

  private async record(residentId: Types.ObjectId, type: TaskEventType, idempotencyKey: string, occurredAt: Date, meta: Record<string, unknown>): Promise<void> {
    try {
      await this.tasks.recordEvent({ residentId, type, idempotencyKey, occurredAt, source: 'server', meta });
    } catch (error) {
      // The content is stored; a retry of the request records the event (the key makes it once).
      this.logger.error({ err: error, type, idempotencyKey }, 'content activity event failed');
      throw error;
    }
  }

}
