import type { Types } from 'mongoose';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import type { Post } from '@o2o/shared/schemas/content';
import { AppError } from '../../lib/app-error';
import { insertOnce } from '../../db/unique-insert';
import type { StaffPrincipal } from '../auth/auth.guard';
import { OrderModel, type OrderRecord } from '../orders/orders.model';
import { StoreModel } from '../organisation/organisation.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { ContentCommentModel, ContentPostModel, ContentReactionModel, ContentShareModel, ContentVisitModel, type ContentPostRecord } from './content.model';

export type Viewer = { kind: 'resident'; residentId: Types.ObjectId } | { kind: 'staff'; staff: StaffPrincipal };

export interface PostCounts {
  likes: number;
  comments: number;
  saves: number;
  shares: number;
}

const SHOWABLE_ORDERS = 20;
const ORDER_ITEMS_SHOWN = 5;
/** A recount that finds the post changed under it writes again, a few times at most. */
const RECOUNT_ROUNDS = 3;

/** The content component's reads of other components' data, and the views built from its own documents. */
export class ContentRepository {
  async resident(residentId: Types.ObjectId): Promise<{ storeId: Types.ObjectId | null; nickname: string | null }> {
    const resident = await ResidentModel.findById(residentId, { storeId: 1, nickname: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');
    return { storeId: resident.storeId ?? null, nickname: resident.nickname ?? null };
  }

  async storeName(storeId: Types.ObjectId): Promise<string> {
    return (await StoreModel.findById(storeId, { name: 1 }).lean())?.name ?? '门店';
  }

  /** Residents see visible items and their own hidden ones; staff (already scoped to the store) see all. */
  visibilityFilter(viewer: Viewer): Record<string, unknown> {
    if (viewer.kind === 'staff') return {};
    return { $or: [{ status: 'visible' }, { 'author.residentId': viewer.residentId }] };
  }

  /** One visit per resident, page kind and China day (a unique insert; later ones that day change nothing). */
  async recordVisit(residentId: Types.ObjectId, storeId: Types.ObjectId | null, page: 'list' | 'detail', now: Date): Promise<void> {
    const day = chinaDateKey(now);
    await insertOnce(ContentVisitModel, { _id: `${residentId}:${page}:${day}`, residentId, storeId, page, day, at: now });
  }

  private async shownOrder(order: OrderRecord): Promise<{ orderId: string; completedAt: Date; items: string[] }> {
    const productIds = [...new Set(order.lines.map((line) => line.productId))];
    const products = await ProductModel.find({ _id: { $in: productIds } }, { name: 1 }).lean();
    const names = new Map(products.map((product) => [String(product._id), product.name]));
    return { orderId: order._id, completedAt: order.completedAt!, items: productIds.slice(0, ORDER_ITEMS_SHOWN).map((id) => names.get(id) ?? '商品') };
  }

  /** The resident's completed order to tag a 晒单 with; anyone else's, or one not completed, is refused. */
  async showableOrder(residentId: Types.ObjectId, orderId: string): Promise<{ orderId: string; completedAt: Date; items: string[] }> {
    const order = await OrderModel.findById(orderId).lean<OrderRecord>();
    if (!order || !order.residentId?.equals(residentId)) throw new AppError('ORDER_NOT_YOURS', '只能晒你自己的订单', 403);
    if (order.state !== 'completed' || !order.completedAt) throw new AppError('ORDER_NOT_COMPLETED', '这笔订单还没有完成，收货后才能晒单', 409);
    return this.shownOrder(order);
  }

  async showableOrders(residentId: Types.ObjectId): Promise<{ orderId: string; completedAt: string; items: string[] }[]> {
    const orders = await OrderModel.find({ residentId, state: 'completed', completedAt: { $ne: null } }).sort({ completedAt: -1 }).limit(SHOWABLE_ORDERS).lean<OrderRecord[]>();
    const shown = await Promise.all(orders.map((order) => this.shownOrder(order)));
    return shown.map((order) => ({ ...order, completedAt: order.completedAt.toISOString() }));
  }

  /** The post's figures counted from the documents (visible comments only). */
  async counts(postId: Types.ObjectId): Promise<PostCounts> {
    const [likes, saves, comments, shares] = await Promise.all([
      ContentReactionModel.countDocuments({ postId, kind: 'like' }),
      ContentReactionModel.countDocuments({ postId, kind: 'save' }),
      ContentCommentModel.countDocuments({ postId, status: 'visible' }),
      ContentShareModel.countDocuments({ postId }),
    ]);
    return { likes, comments, saves, shares };
  }

  /**
   * Recounts the post and mirrors the figures on it (for the engaged sort). Two recounts at once
   * may write in either order, so each reads again after writing and writes once more if the
   * documents moved: the last change's recount leaves the mirror right.
   */
  async recount(postId: Types.ObjectId): Promise<PostCounts> {
    let counts = await this.counts(postId);
    for (let round = 0; round < RECOUNT_ROUNDS; round += 1) {
      await ContentPostModel.updateOne({ _id: postId }, { $set: { counts, engagement: counts.likes + counts.comments + counts.saves + counts.shares } });
      const again = await this.counts(postId);
      if (again.likes === counts.likes && again.comments === counts.comments && again.saves === counts.saves && again.shares === counts.shares) break;
      counts = again;
    }
    return counts;
  }

  /** The posts as the viewer sees them, with figures recounted from the documents and the viewer's own reactions. */
  async postViews(posts: ContentPostRecord[], viewer: Viewer): Promise<Post[]> {
    if (posts.length === 0) return [];
    const ids = posts.map((post) => post._id);
    const [reactions, comments, shares] = await Promise.all([
      ContentReactionModel.find({ postId: { $in: ids } }, { postId: 1, kind: 1, residentId: 1 }).lean(),
      ContentCommentModel.find({ postId: { $in: ids }, status: 'visible' }, { postId: 1 }).lean(),
      ContentShareModel.find({ postId: { $in: ids } }, { postId: 1 }).lean(),
    ]);
    const tally = (rows: { postId: Types.ObjectId }[]) => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(String(row.postId), (counts.get(String(row.postId)) ?? 0) + 1);
      return counts;
    };
    const likes = tally(reactions.filter((reaction) => reaction.kind === 'like'));
    const saves = tally(reactions.filter((reaction) => reaction.kind === 'save'));
    const commentCounts = tally(comments);
    const shareCounts = tally(shares);
    const residentId = viewer.kind === 'resident' ? viewer.residentId : null;
    const own = new Set(residentId ? reactions.filter((reaction) => reaction.residentId.equals(residentId)).map((reaction) => `${reaction.kind}:${reaction.postId}`) : []);
    return posts.map((post) => {
      const key = String(post._id);
      return {
        id: key,
        storeId: String(post.storeId),
        kind: post.kind,
        author: { residentId: post.author.residentId ? String(post.author.residentId) : null, name: post.author.name, avatarUrl: null, asStore: Boolean(post.author.asStore) },
        text: post.text,
        images: post.images.map((image) => ({ id: image.id, path: image.path, width: image.width, height: image.height })),
        order: post.order ? { orderId: post.order.orderId, completedAt: post.order.completedAt.toISOString(), items: [...post.order.items] } : null,
        status: post.status,
        hiddenReason: post.hiddenReason ?? null,
        pinned: Boolean(post.pinned),
        counts: { likes: likes.get(key) ?? 0, comments: commentCounts.get(key) ?? 0, saves: saves.get(key) ?? 0, shares: shareCounts.get(key) ?? 0 },
        liked: own.has(`like:${key}`),
        saved: own.has(`save:${key}`),
        mine: Boolean(residentId && post.author.residentId?.equals(residentId)),
        createdAt: post.createdAt.toISOString(),
      };
    });
  }
}
