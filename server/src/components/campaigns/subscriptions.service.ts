import type { Types } from 'mongoose';
import type { SubscribeTemplate } from '@o2o/shared/rules/campaigns';
import type { MySubscriptions, SubscriptionReport, SubscriptionReportResult } from '@o2o/shared/schemas/campaigns';
import { AppError } from '../../lib/app-error';
import { insertOnce } from '../../db/unique-insert';
import { GrantSlotModel, GrantUseModel, SubscriptionGrantModel, type SubscriptionGrantRecord } from './campaigns.model';

/** A slot index larger than this means something is wrong; it bounds the `_id` probing. */
const MAX_SLOTS = 10_000;

/**
 * One-time subscribe-message grants. WeChat lets the platform send one message of a template per
 * time the resident accepted it; each acceptance is a grant, and a delivery consumes one by a
 * unique insert into `subscription_grant_uses`.
 */
export class SubscriptionService {
  private readonly templatesById: Map<string, SubscribeTemplate>;

  constructor(readonly templates: readonly SubscribeTemplate[]) {
    this.templatesById = new Map(templates.map((template) => [template.id, template]));
  }

  /** The template with this WeChat id, or a 400 naming the known ones. */
  template(templateId: string, path = 'body.templateId'): SubscribeTemplate {
    const template = this.templatesById.get(templateId);
    if (!template) {
      throw AppError.badRequest('订阅消息模板不存在', [
        { path, message: `one of ${this.templates.map((known) => known.id).join(', ')}` },
      ]);
    }
    return template;
  }

  /**
   * Records one report. The record's key includes the client's `requestId`, so a retried report
   * finds the first one; the same key with the other result is a 409, because it cannot be both.
   */
  async report(residentId: Types.ObjectId, report: SubscriptionReport, now = new Date()): Promise<SubscriptionReportResult> {
    this.template(report.templateId);
    const grantId = `${residentId}:${report.templateId}:${report.requestId}`;
    const inserted = await insertOnce(SubscriptionGrantModel, { _id: grantId, residentId, ...report, reportedAt: now });
    const stored = inserted ? null : await SubscriptionGrantModel.findById(grantId).lean<SubscriptionGrantRecord>();
    if (stored && stored.result !== report.result) {
      throw AppError.conflict('这次订阅结果已经上报过了，内容不同', { requestId: report.requestId, reported: stored.result });
    }
    // Also on a retry: the first report may have died between the grant and its slot.
    if (report.result === 'accept') await this.ensureSlot(residentId, report.templateId, grantId);
    const unused = await this.unusedGrantIds(residentId, report.templateId);
    return { templateId: report.templateId, result: report.result, grantId: report.result === 'accept' ? grantId : null, duplicate: !inserted, unusedGrants: unused.length };
  }

  /** Every known template with the resident's unused grants of it. */
  async mine(residentId: Types.ObjectId): Promise<MySubscriptions> {
    return Promise.all(
      this.templates.map(async (template) => ({ template: { ...template }, unusedGrants: (await this.unusedGrantIds(residentId, template.id)).length })),
    );
  }

  /** The resident's accepted grants of a template not taken by any delivery, oldest first; all `_id` lookups. */
  async unusedGrantIds(residentId: Types.ObjectId, templateId: string): Promise<string[]> {
    const grantIds = await this.grantIds(residentId, templateId);
    const used = await Promise.all(grantIds.map((grantId) => GrantUseModel.exists({ _id: grantId })));
    return grantIds.filter((_, index) => !used[index]);
  }

  /** Grant ids from the slots n = 1, 2, ... up to the first missing one, without duplicates. */
  private async grantIds(residentId: Types.ObjectId, templateId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 1; n <= MAX_SLOTS; n += 1) {
      const slot = await GrantSlotModel.findById(`${residentId}:${templateId}:${n}`, { grantId: 1 }).lean<{ grantId: string }>();
      if (!slot) break;
      if (!ids.includes(slot.grantId)) ids.push(slot.grantId);
    }
    return ids;
  }

  /** Gives the grant a slot unless one already points at it; the first free number wins by unique insert. */
  private async ensureSlot(residentId: Types.ObjectId, templateId: string, grantId: string): Promise<void> {
    for (let n = 1; n <= MAX_SLOTS; n += 1) {
      const key = `${residentId}:${templateId}:${n}`;
      const slot = await GrantSlotModel.findById(key, { grantId: 1 }).lean<{ grantId: string }>();
      if (slot?.grantId === grantId) return;
      if (!slot && (await insertOnce(GrantSlotModel, { _id: key, grantId }))) return;
    }
    throw new AppError('BUSY', '订阅记录保存失败，请稍后重试', 503);
  }
}
