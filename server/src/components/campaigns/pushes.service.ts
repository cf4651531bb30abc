import { withTouch } from '@o2o/shared/rules/order-credit';
import { Types } from 'mongoose';
import {
  deliveryStateForWechatError,
  isRetryableDelivery,
  templateDataIssues,
  wechatTemplateData,
  type DeliveryState,
  type SubscribeTemplate,
} from '@o2o/shared/rules/campaigns';
import { holdoutComparison, inHoldout, type HoldoutGroupTally } from '@o2o/shared/rules/holdout';
import type { DeliveryCounts, Push, PushEffect, PushInput, PushListItem, SendReport } from '@o2o/shared/schemas/campaigns';
import { AppError } from '../../lib/app-error';
import type { Logger } from '../../lib/logger';
import { WechatError, type WechatClient } from '../../wechat/wechat-client';
import type { AudienceResolver } from '../audiences/audience-resolver';
import type { StaffPrincipal } from '../auth/auth.guard';
import { insertOnce } from '../../db/unique-insert';
import { OrderModel } from '../orders/orders.model';
import { ResidentModel } from '../residents/resident.model';
import { campaignFilter, canSeeCampaign, ownerScope, residentScopeOf, residentsInScope, type ResidentScope } from './campaign-scope';
import {
  CampaignDeliveryModel,
  CampaignPushModel,
  GrantUseModel,
  PushTargetChunkModel,
  type CampaignDeliveryRecord,
  type CampaignPushRecord,
} from './campaigns.model';
import { forEachPooled, mapPooled } from './pool';
import type { ProductAudienceService } from './product-audience.service';
import { readIdChunk, uniqueIds, writeIdChunks } from './resident-id-chunks';
import type { SubscriptionService } from './subscriptions.service';

export interface PushSendOptions {
  /** WeChat calls in flight at once during a send. */
  concurrency: number;
  /**
   * A delivery still `sending` after this long is taken as `unknown`: its sender died between
   * claiming it and recording WeChat's answer, so the message may have gone out. It is never
   * resent, because a duplicate message is worse than a missing one (and its grant stays used).
   * Must be far longer than one WeChat call can take.
   */
  staleSendingMs: number;
}

type RunCounts = SendReport['run'];
type Outcome = Exclude<DeliveryState, 'sending'>;

const COUNT_CONCURRENCY = 32;

function emptyRun(): RunCounts {
  return { sent: 0, no_grant: 0, refused: 0, invalid_openid: 0, quota: 0, failed: 0, unknown: 0, held_out: 0, busy: 0 };
}

function emptyCounts(targeted: number): DeliveryCounts {
  return { targeted, pending: 0, sending: 0, sent: 0, no_grant: 0, refused: 0, invalid_openid: 0, failed: 0, unknown: 0, held_out: 0 };
}

/** The push's hold-out split: the same residents on every send, and in its effect. */
function isHeldOut(push: CampaignPushRecord, residentId: Types.ObjectId): boolean {
  return inHoldout(String(residentId), String(push._id), push.holdoutShare ?? 0);
}

function deliveryId(pushId: Types.ObjectId, residentId: Types.ObjectId, attempt: number): string {
  return `${pushId}:${residentId}:${attempt}`;
}

interface PushServiceDependencies {
  wechat: WechatClient | null;
  audiences: AudienceResolver;
  subscriptions: SubscriptionService;
  productAudience: ProductAudienceService;
  logger: Logger;
  options: PushSendOptions;
}

/**
 * Subscribe-message pushes: a template, its data and a page, sent to a snapshot of residents. Each
 * resident gets at most one message per push, and each message consumes exactly one grant, both
 * decided by unique inserts, so retries and concurrent senders never send twice.
 */
export class PushService {
  constructor(private readonly deps: PushServiceDependencies) {}

  async create(staff: StaffPrincipal, input: PushInput, now = new Date()): Promise<Push> {
    const template = this.deps.subscriptions.template(input.templateId);
    const issues = templateDataIssues(template, input.data);
    if (issues.length > 0) {
      throw AppError.badRequest(`消息内容与模板「${template.title}」不符`, issues.map((issue) => ({ path: `body.data.${issue.field}`, message: issue.message })));
    }
    const scope = await residentScopeOf(staff);
    const { target, residentIds } = await this.resolveTarget(input.target, scope);
    const pushId = new Types.ObjectId();
    const targetChunks = await writeIdChunks(PushTargetChunkModel, pushId, residentIds);
    const push = await CampaignPushModel.create({
      _id: pushId, name: input.name, templateId: template.id, data: input.data, page: input.page, target,
      targetCount: residentIds.length, targetChunks, ...ownerScope(staff), createdBy: staff.id, createdAt: now, status: 'created', lastRun: null,
      holdoutShare: input.holdoutShare ?? 0, firstSentAt: null,
    });
    const record = push.toObject() as unknown as CampaignPushRecord;
    return this.view(record, { ...emptyCounts(record.targetCount), pending: record.targetCount });
  }

  async list(staff: StaffPrincipal, limit = 100): Promise<PushListItem[]> {
    const pushes = await CampaignPushModel.find(campaignFilter(staff)).sort({ createdAt: -1 }).limit(limit).lean<CampaignPushRecord[]>();
    return pushes.map((push) => {
      const { counts: _counts, ...rest } = this.view(push, emptyCounts(push.targetCount));
      return { ...rest, targeted: push.targetCount };
    });
  }

  async get(staff: StaffPrincipal, pushId: Types.ObjectId, now = new Date()): Promise<Push> {
    const push = await this.visiblePush(staff, pushId);
    return this.view(push, await this.counts(push, now));
  }

  /** Sends a push the staff member may see. */
  async sendAs(staff: StaffPrincipal, pushId: Types.ObjectId, now = new Date()): Promise<SendReport> {
    await this.visiblePush(staff, pushId);
    return this.send(pushId, now);
  }

  /**
   * Sends to every target not handled yet: residents without a delivery, or whose last attempt was
   * stopped by the quota or failed definitely. Stops taking new residents when WeChat says the
   * daily quota is used up; a later send resumes. Safe to run twice at once.
   */
  async send(pushId: Types.ObjectId, now = new Date()): Promise<SendReport> {
    const wechat = this.deps.wechat;
    if (!wechat) throw new AppError('WECHAT_NOT_CONFIGURED', '订阅消息需要接入微信，当前尚未配置，暂时无法发送', 503);
    const push = await CampaignPushModel.findById(pushId).lean<CampaignPushRecord>();
    if (!push) throw AppError.notFound('推送');
    const template = this.deps.subscriptions.template(push.templateId, 'push.templateId');
    // Only while unset: two racing first sends write nearly the same instant, and later sends none.
    if (!push.firstSentAt) await CampaignPushModel.updateOne({ _id: push._id, firstSentAt: null }, { $set: { firstSentAt: now } });
    const run = emptyRun();
    // An object, not a `let`: workers set it from callbacks.
    const stop: { by: 'quota' | null } = { by: null };
    for (let n = 0; n < push.targetChunks && !stop.by; n += 1) {
      const residentIds = await readIdChunk(PushTargetChunkModel, push._id, n);
      await forEachPooled(
        residentIds,
        this.deps.options.concurrency,
        async (residentId) => {
          const outcome = await this.deliverOnce(wechat, push, template, residentId);
          if (outcome === null) return;
          run[outcome] += 1;
          if (outcome === 'quota') stop.by = 'quota';
        },
        () => stop.by !== null,
      );
    }
    const stoppedBy = stop.by;
    if (stoppedBy) this.deps.logger.warn({ pushId: String(push._id), run }, 'WeChat daily quota reached; the push is paused until a later send');
    const counts = await this.counts(push, new Date());
    const status = stoppedBy ? 'paused_quota' : counts.pending + counts.sending + counts.failed > 0 ? 'sending' : 'completed';
    const lastRun = { at: now, stoppedBy, counts: run };
    await CampaignPushModel.updateOne({ _id: push._id }, { $set: { status, lastRun } });
    return { pushId: String(push._id), run, stoppedBy, push: this.view({ ...push, status, lastRun }, counts) };
  }

  /** For the hourly job: sends again every push the quota paused. */
  async resumePaused(now = new Date()): Promise<{ resumed: number; sent: number; stillPaused: number }> {
    if (!this.deps.wechat) return { resumed: 0, sent: 0, stillPaused: 0 };
    const paused = await CampaignPushModel.find({ status: 'paused_quota' }, { _id: 1 }).sort({ createdAt: 1 }).lean<{ _id: Types.ObjectId }[]>();
    let sent = 0;
    for (let index = 0; index < paused.length; index += 1) {
      const report = await this.send(paused[index]._id, now);
      sent += report.run.sent;
      // The quota is per app and day: the others would stop at once too.
      if (report.stoppedBy) return { resumed: index + 1, sent, stillPaused: paused.length - index };
    }
    return { resumed: paused.length, sent, stillPaused: 0 };
  }

  /**
   * Claims the resident for a new attempt (unique insert) unless an earlier attempt is final or in
   * flight, then sends. Returns the outcome, `busy` when another sender holds the resident, or
   * null when there is nothing to do.
   */
  private async deliverOnce(wechat: WechatClient, push: CampaignPushRecord, template: SubscribeTemplate, residentId: Types.ObjectId): Promise<Outcome | 'busy' | null> {
    const latest = await this.latestAttempt(push._id, residentId);
    if (latest && !isRetryableDelivery(latest.state)) return null;
    if (isHeldOut(push, residentId)) {
      const recorded = await insertOnce(CampaignDeliveryModel, {
        _id: deliveryId(push._id, residentId, 1), pushId: push._id, residentId, attempt: 1, state: 'held_out', claimedAt: new Date(), finishedAt: new Date(), grantId: null,
      });
      return recorded ? 'held_out' : null;
    }
    const attempt = (latest?.attempt ?? 0) + 1;
    const id = deliveryId(push._id, residentId, attempt);
    const claimed = await insertOnce(CampaignDeliveryModel, { _id: id, pushId: push._id, residentId, attempt, state: 'sending', claimedAt: new Date(), grantId: null });
    if (!claimed) return 'busy';
    return this.attempt(wechat, push, template, residentId, id);
  }

  /** One claimed attempt: take a grant, mark it on the delivery, call WeChat, record the answer. */
  private async attempt(wechat: WechatClient, push: CampaignPushRecord, template: SubscribeTemplate, residentId: Types.ObjectId, id: string): Promise<Outcome> {
    const grantId = await this.takeGrant(push, template, residentId, id);
    if (!grantId) return this.finish(id, 'no_grant');
    const resident = await ResidentModel.findById(residentId, { openid: 1 }).lean<{ openid: string }>();
    if (!resident) {
      await this.releaseGrant(grantId, id);
      return this.finish(id, 'invalid_openid');
    }
    await CampaignDeliveryModel.updateOne({ _id: id }, { $set: { grantId } });
    let outcome: Outcome = 'sent';
    let error: { code: string; errcode: number | null } | null = null;
    try {
      await wechat.sendSubscribeMessage({ openid: resident.openid, templateId: template.id, page: withTouch(push.page, { kind: 'push', refId: String(push._id) }), data: wechatTemplateData(push.data) });
    } catch (caught) {
      const code = caught instanceof WechatError ? caught.code : 'UNEXPECTED';
      outcome = caught instanceof WechatError ? deliveryStateForWechatError(code) : 'unknown';
      error = { code, errcode: ((caught as WechatError).details as { errcode?: number } | undefined)?.errcode ?? null };
      this.deps.logger.info({ pushId: String(push._id), residentId: String(residentId), code, outcome }, 'subscribe message not sent');
    }
    // A definite "not delivered" gives the grant back; refused and unknown keep it used.
    if (outcome === 'quota' || outcome === 'failed' || outcome === 'invalid_openid') await this.releaseGrant(grantId, id);
    return this.finish(id, outcome, error);
  }

  /** The resident's oldest unused grant of the template, taken by unique insert; null when none is left. */
  private async takeGrant(push: CampaignPushRecord, template: SubscribeTemplate, residentId: Types.ObjectId, id: string): Promise<string | null> {
    for (const grantId of await this.deps.subscriptions.unusedGrantIds(residentId, template.id)) {
      const taken = await insertOnce(GrantUseModel, { _id: grantId, residentId, templateId: template.id, deliveryId: id, pushId: push._id, at: new Date() });
      if (taken) return grantId;
    }
    return null;
  }

  /** Only the delivery that took the grant may give it back. */
  private async releaseGrant(grantId: string, id: string): Promise<void> {
    await GrantUseModel.deleteOne({ _id: grantId, deliveryId: id });
  }

  private async finish(id: string, state: Outcome, error: { code: string; errcode: number | null } | null = null): Promise<Outcome> {
    await CampaignDeliveryModel.updateOne({ _id: id }, { $set: { state, finishedAt: new Date(), ...(error ? { error } : {}) } });
    return state;
  }

  /** The resident's last attempt: attempts are numbered from 1 and a new one follows only a retryable one. */
  private async latestAttempt(pushId: Types.ObjectId, residentId: Types.ObjectId): Promise<CampaignDeliveryRecord | null> {
    let latest: CampaignDeliveryRecord | null = null;
    for (let attempt = 1; ; attempt += 1) {
      const record = await CampaignDeliveryModel.findById(deliveryId(pushId, residentId, attempt)).lean<CampaignDeliveryRecord>();
      if (!record) return latest;
      latest = record;
      if (!isRetryableDelivery(record.state)) return latest;
    }
  }

  /** Counts by outcome from the delivery records themselves, walking the target chunks by `_id`. */
  private async counts(push: CampaignPushRecord, now: Date): Promise<DeliveryCounts> {
    const counts = emptyCounts(push.targetCount);
    for (let n = 0; n < push.targetChunks; n += 1) {
      const residentIds = await readIdChunk(PushTargetChunkModel, push._id, n);
      const latest = await mapPooled(residentIds, COUNT_CONCURRENCY, (residentId) => this.latestAttempt(push._id, residentId));
      for (const record of latest) counts[this.countedAs(record, now)] += 1;
    }
    return counts;
  }

  private countedAs(record: CampaignDeliveryRecord | null, now: Date): Exclude<keyof DeliveryCounts, 'targeted'> {
    if (!record || record.state === 'quota') return 'pending';
    if (record.state === 'sending') return now.getTime() - record.claimedAt.getTime() > this.deps.options.staleSendingMs ? 'unknown' : 'sending';
    return record.state;
  }

  /**
   * Completed orders (any product) within `days` after the push was first sent, among the target
   * residents meant to get it versus the held-out ones: buyer rate each and the difference with its
   * 95% interval. Intention to treat: a treated resident whose message did not go out (no grant)
   * still counts as treated, so the groups differ only by the random split.
   */
  async effect(staff: StaffPrincipal, pushId: Types.ObjectId, days: number, now = new Date()): Promise<PushEffect> {
    const push = await this.visiblePush(staff, pushId);
    if (!push.firstSentAt) throw new AppError('PUSH_NOT_SENT', '这条推送还没发送，发送后才能查看效果', 409);
    const from = new Date(push.firstSentAt);
    const windowEnd = new Date(from.getTime() + days * 24 * 3600_000);
    const to = windowEnd < now ? windowEnd : now;
    const treated: HoldoutGroupTally = { size: 0, buyers: 0, orders: 0, revenueCents: 0 };
    const heldOut: HoldoutGroupTally = { size: 0, buyers: 0, orders: 0, revenueCents: 0 };
    for (let n = 0; n < push.targetChunks; n += 1) {
      const residentIds = await readIdChunk(PushTargetChunkModel, push._id, n);
      const heldOutIds = new Set(residentIds.filter((residentId) => isHeldOut(push, residentId)).map(String));
      heldOut.size += heldOutIds.size;
      treated.size += residentIds.length - heldOutIds.size;
      // One query per resident by `residentId` equality, the only part the embedded database pushes
      // down to an index here; an `$in` over the chunk would scan every completed order.
      const ordersOf = await mapPooled(residentIds, COUNT_CONCURRENCY, (residentId) =>
        OrderModel.find({ residentId, state: 'completed', completedAt: { $gte: from, $lt: to } }, { totalCents: 1 }).lean<{ totalCents: number }[]>(),
      );
      residentIds.forEach((residentId, index) => {
        const orders = ordersOf[index];
        if (orders.length === 0) return;
        const group = heldOutIds.has(String(residentId)) ? heldOut : treated;
        group.buyers += 1;
        group.orders += orders.length;
        group.revenueCents += orders.reduce((sum, order) => sum + order.totalCents, 0);
      });
    }
    return {
      pushId: String(push._id), days, from: from.toISOString(), to: to.toISOString(), complete: windowEnd <= now,
      comparison: holdoutComparison(push.holdoutShare ?? 0, treated, heldOut),
    };
  }

  private async visiblePush(staff: StaffPrincipal, pushId: Types.ObjectId): Promise<CampaignPushRecord> {
    const push = await CampaignPushModel.findById(pushId).lean<CampaignPushRecord>();
    if (!push) throw AppError.notFound('推送');
    if (!canSeeCampaign(staff, push)) throw AppError.forbidden('这条推送不在你的负责范围内');
    return push;
  }

  /** The target's residents within the creator's scope, without duplicates, in the audience's order. */
  private async resolveTarget(target: PushInput['target'], scope: ResidentScope): Promise<{ target: CampaignPushRecord['target']; residentIds: Types.ObjectId[] }> {
    if ('audienceId' in target) {
      const audience = await this.deps.audiences.describe(target.audienceId);
      if (!audience) throw AppError.notFound('人群');
      const members = await this.deps.audiences.memberIds(target.audienceId);
      const residentIds = scope.kind === 'all' ? members : (await residentsInScope(members, scope)).map((resident) => resident._id);
      return { target: { audienceId: new Types.ObjectId(target.audienceId), audienceName: audience.name, productId: null, limit: null }, residentIds: uniqueIds(residentIds) };
    }
    const { productId, limit } = target.productAudience;
    await this.deps.productAudience.product(productId);
    const ranked = await this.deps.productAudience.rank(productId, scope, { limit });
    return { target: { audienceId: null, audienceName: null, productId, limit }, residentIds: ranked.residents.map((resident) => resident._id) };
  }

  private view(push: CampaignPushRecord, counts: DeliveryCounts): Push {
    return {
      id: String(push._id),
      name: push.name,
      templateId: push.templateId,
      templateTitle: this.deps.subscriptions.templates.find((template) => template.id === push.templateId)?.title ?? push.templateId,
      data: push.data,
      page: push.page,
      target: {
        audienceId: push.target.audienceId ? String(push.target.audienceId) : null,
        audienceName: push.target.audienceName ?? null,
        productId: push.target.productId ?? null,
        limit: push.target.limit ?? null,
      },
      storeId: push.storeId ? String(push.storeId) : null,
      cityId: push.cityId ? String(push.cityId) : null,
      status: push.status,
      holdoutShare: push.holdoutShare ?? 0,
      counts,
      createdAt: push.createdAt.toISOString(),
      lastSentAt: push.lastRun?.at ? new Date(push.lastRun.at).toISOString() : null,
    };
  }
}
