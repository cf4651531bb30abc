import { Types } from 'mongoose';
import { addOrderToTally, emptyPromotionTally, periodOf, promotionEffect, promotionWindows, type PromotionTally, type PromotionWindows } from '@o2o/shared/rules/campaigns';
import { holdoutComparison, inHoldout, type HoldoutComparisonResult, type HoldoutGroupTally } from '@o2o/shared/rules/holdout';
import type { Promotion, PromotionEffectView, PromotionInput } from '@o2o/shared/schemas/campaigns';
import { AppError } from '../../lib/app-error';
import type { AudienceResolver } from '../audiences/audience-resolver';
import type { StaffPrincipal } from '../auth/auth.guard';
import { OrderModel } from '../orders/orders.model';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess } from '../staff/staff-scope';
import { campaignFilter, canSeeCampaign, narrowToStore, ownerScope, residentScopeOf, residentsInScope, type ResidentScope } from './campaign-scope';
import { CampaignPushModel, PromotionMemberChunkModel, PromotionModel, type PromotionRecord } from './campaigns.model';
import type { ProductAudienceService } from './product-audience.service';
import { readIdChunk, uniqueIds, writeIdChunks } from './resident-id-chunks';

interface OrderFacts {
  completedAt: Date;
  residentId: Types.ObjectId | null;
  lines: { productId: string; quantity: number; amountCents: number }[];
}

/**
 * Product promotions and their effect. The audience is snapshotted when the promotion is created,
 * so the comparison is with the people who were targeted, not whoever matches the conditions later.
 */
export class PromotionService {
  constructor(
    private readonly audiences: AudienceResolver,
    private readonly productAudience: ProductAudienceService,
  ) {}

  async create(staff: StaffPrincipal, input: PromotionInput, now = new Date()): Promise<Promotion> {
    const product = await this.productAudience.product(input.productId);
    const store = await this.promotionStore(staff, input.storeId);
    const scope = narrowToStore(await residentScopeOf(staff), store?._id);
    const { audienceId, audienceName, memberIds } = await this.members(input, product._id, scope, store?._id ?? null);
    const push = input.pushId ? await this.visiblePush(staff, new Types.ObjectId(input.pushId)) : null;
    const promotionId = new Types.ObjectId();
    const holdout = promotionHoldout(promotionId, input.holdoutShare, push);
    const memberChunks = await writeIdChunks(PromotionMemberChunkModel, promotionId, memberIds);
    const owner = ownerScope(staff);
    const promotion = await PromotionModel.create({
      _id: promotionId, name: input.name, productId: product._id,
      storeId: store?._id ?? owner.storeId, cityId: store?.cityId ?? owner.cityId,
      audienceId, audienceName, audienceSize: memberIds.length, memberChunks,
      startAt: new Date(input.startAt), endAt: new Date(input.endAt), pushId: input.pushId ? new Types.ObjectId(input.pushId) : null, holdout,
      createdBy: staff.id, createdAt: now,
    });
    return promotionView(promotion.toObject() as unknown as PromotionRecord);
  }

  async list(staff: StaffPrincipal, limit = 100): Promise<Promotion[]> {
    const promotions = await PromotionModel.find(campaignFilter(staff)).sort({ createdAt: -1 }).limit(limit).lean<PromotionRecord[]>();
    return promotions.map(promotionView);
  }

  /**
   * The product's sales in the campaign window (up to now) and the equal-length window before it,
   * among the audience versus every other resident of the promotion's market (its store, its city,
   * or everywhere), from one pass over those windows' completed orders. With a hold-out, also the
   * members meant to be reached versus the held-out members during the campaign.
   */
  async effect(staff: StaffPrincipal, promotionId: Types.ObjectId, now = new Date()): Promise<PromotionEffectView> {
    const promotion = await PromotionModel.findById(promotionId).lean<PromotionRecord>();
    if (!promotion) throw AppError.notFound('促销活动');
    if (!canSeeCampaign(staff, promotion)) throw AppError.forbidden('这个促销活动不在你的负责范围内');
    if (now <= promotion.startAt) throw new AppError('PROMOTION_NOT_STARTED', '促销活动还没开始，开始后才能查看效果', 409);
    const windows = promotionWindows(promotion.startAt, promotion.endAt, now);
    const members = await this.memberSet(promotion);
    const storeIds = await this.marketStores(promotion);
    const population = await ResidentModel.countDocuments(storeIds ? { storeId: { $in: storeIds } } : {});
    const { tally, holdout } = await this.tally(promotion, windows, storeIds, members);
    const effect = promotionEffect(tally, { audience: members.size, others: Math.max(0, population - members.size) });
    return {
      promotion: promotionView(promotion),
      windows: { beforeStart: windows.beforeStart.toISOString(), start: windows.start.toISOString(), end: windows.end.toISOString() },
      complete: promotion.endAt <= now,
      ...effect,
      holdout,
    };
  }

  private async tally(
    promotion: PromotionRecord,
    windows: PromotionWindows,
    storeIds: Types.ObjectId[] | null,
    members: ReadonlySet<string>,
  ): Promise<{ tally: PromotionTally; holdout: HoldoutComparisonResult | null }> {
    const productId = promotion.productId;
    const tally = emptyPromotionTally();
    const split = promotion.holdout ? new HoldoutTally(promotion.holdout, members) : null;
    const filter = {
      state: 'completed',
      completedAt: { $gte: windows.beforeStart, $lt: windows.end },
      ...(storeIds ? { storeId: { $in: storeIds } } : {}),
    };
    const cursor = OrderModel.collection.find(filter, { projection: { completedAt: 1, residentId: 1, lines: 1 }, batchSize: 1000 });
    for await (const document of cursor) {
      const order = document as unknown as OrderFacts;
      const facts = { ...order, residentId: order.residentId ? String(order.residentId) : null };
      addOrderToTally(tally, windows, productId, facts, (residentId) => members.has(residentId));
      if (split && periodOf(windows, order.completedAt) === 'during') split.add(productId, facts);
    }
    return { tally, holdout: split ? split.result() : null };
  }

  /** The stores whose orders and residents count: the promotion's store, its city's stores, or all (null). */
  private async marketStores(promotion: PromotionRecord): Promise<Types.ObjectId[] | null> {
    if (promotion.storeId) return [promotion.storeId];
    if (promotion.cityId) return (await StoreModel.find({ cityId: promotion.cityId }, { _id: 1 }).lean()).map((store) => store._id);
    return null;
  }

  private async memberSet(promotion: PromotionRecord): Promise<Set<string>> {
    const members = new Set<string>();
    for (let n = 0; n < promotion.memberChunks; n += 1) {
      for (const residentId of await readIdChunk(PromotionMemberChunkModel, promotion._id, n)) members.add(String(residentId));
    }
    return members;
  }

  /** The given store (within the staff member's scope); a store manager's own store when none is given. */
  private async promotionStore(staff: StaffPrincipal, storeId: string | undefined): Promise<{ _id: Types.ObjectId; cityId: Types.ObjectId } | null> {
    if (storeId) return assertStoreAccess(staff, new Types.ObjectId(storeId));
    if (staff.role === 'store_manager' && staff.storeId) return assertStoreAccess(staff, staff.storeId);
    return null;
  }

  private async members(
    input: PromotionInput,
    productId: string,
    scope: ResidentScope,
    storeId: Types.ObjectId | null,
  ): Promise<{ audienceId: Types.ObjectId | null; audienceName: string | null; memberIds: Types.ObjectId[] }> {
    if ('audienceId' in input.audience) {
      const audience = await this.audiences.describe(input.audience.audienceId);
      if (!audience) throw AppError.notFound('人群');
      const ids = await this.audiences.memberIds(input.audience.audienceId);
      const inScope = scope.kind === 'all' && !storeId ? ids : (await residentsInScope(ids, scope, { storeId })).map((resident) => resident._id);
      return { audienceId: new Types.ObjectId(input.audience.audienceId), audienceName: audience.name, memberIds: uniqueIds(inScope) };
    }
    const ranked = await this.productAudience.rank(productId, scope, { limit: input.audience.productAudience.limit, storeId });
    return { audienceId: null, audienceName: null, memberIds: ranked.residents.map((resident) => resident._id) };
  }

  private async visiblePush(staff: StaffPrincipal, pushId: Types.ObjectId): Promise<LinkedPush> {
    const push = await CampaignPushModel.findById(pushId, { storeId: 1, cityId: 1, holdoutShare: 1 }).lean<LinkedPush>();
    if (!push || !canSeeCampaign(staff, push)) throw AppError.notFound('推送');
    return push;
  }
}

interface LinkedPush {
  _id: Types.ObjectId;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
  holdoutShare?: number;
}

/**
 * The promotion's hold-out split. With a push that held residents out, the push's split is the
 * one that decided who was reached, so the promotion follows it; a push without one messaged its
 * whole target, so a promotion riding on it has nobody left to hold out. Without a push, the
 * promotion's own id seeds the split.
 */
function promotionHoldout(promotionId: Types.ObjectId, share: number | undefined, push: LinkedPush | null): { experimentId: string; share: number } | null {
  const pushShare = push?.holdoutShare ?? 0;
  if (push && pushShare > 0) {
    if (share !== undefined && share !== pushShare) {
      throw AppError.badRequest(`关联的推送已留出 ${Math.round(pushShare * 100)}% 的对照组，促销沿用推送的对照组，请不要另填比例`, [
        { path: 'body.holdoutShare', message: 'must match the push\'s holdoutShare or be left out' },
      ]);
    }
    return { experimentId: String(push._id), share: pushShare };
  }
  if (share === undefined || share === 0) return null;
  if (push) {
    throw AppError.badRequest('关联的推送没有留出对照组，已经发给了全部目标居民，无法再留出对照组', [
      { path: 'body.holdoutShare', message: 'the linked push has no hold-out' },
    ]);
  }
  return { experimentId: String(promotionId), share };
}

/** Buyers of the product among the treated and held-out members during the campaign. */
class HoldoutTally {
  private readonly treated: HoldoutGroupTally;
  private readonly heldOut: HoldoutGroupTally;
  private readonly heldOutIds = new Set<string>();
  private readonly buyers = new Set<string>();

  constructor(
    private readonly holdout: { experimentId: string; share: number },
    private readonly members: ReadonlySet<string>,
  ) {
    for (const residentId of members) if (inHoldout(residentId, holdout.experimentId, holdout.share)) this.heldOutIds.add(residentId);
    this.treated = { size: members.size - this.heldOutIds.size, buyers: 0, orders: 0, revenueCents: 0 };
    this.heldOut = { size: this.heldOutIds.size, buyers: 0, orders: 0, revenueCents: 0 };
  }

  add(productId: string, order: { residentId: string | null; lines: readonly { productId: string; quantity: number; amountCents: number }[] }): void {
    if (order.residentId === null || !this.members.has(order.residentId)) return;
    const lines = order.lines.filter((line) => line.productId === productId);
    if (lines.length === 0) return;
    const group = this.heldOutIds.has(order.residentId) ? this.heldOut : this.treated;
    group.orders += 1;
    for (const line of lines) group.revenueCents += line.amountCents;
    if (!this.buyers.has(order.residentId)) {
      this.buyers.add(order.residentId);
      group.buyers += 1;
    }
  }

  result(): HoldoutComparisonResult {
    return holdoutComparison(this.holdout.share, this.treated, this.heldOut);
  }
}

export function promotionView(promotion: PromotionRecord): Promotion {
  return {
    id: String(promotion._id),
    name: promotion.name,
    productId: promotion.productId,
    storeId: promotion.storeId ? String(promotion.storeId) : null,
    cityId: promotion.cityId ? String(promotion.cityId) : null,
    audienceId: promotion.audienceId ? String(promotion.audienceId) : null,
    audienceName: promotion.audienceName ?? null,
    audienceSize: promotion.audienceSize,
    startAt: promotion.startAt.toISOString(),
    endAt: promotion.endAt.toISOString(),
    pushId: promotion.pushId ? String(promotion.pushId) : null,
    holdout: promotion.holdout ? { experimentId: promotion.holdout.experimentId, share: promotion.holdout.share } : null,
    createdAt: promotion.createdAt.toISOString(),
  };
}
