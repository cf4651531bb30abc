import type { z } from 'zod';
import type { BotEventResults, botEventSchema } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import type { BotAccountService } from './bot-accounts.service';
import type { DeliveryService } from './deliveries.service';
import { GroupBotEventModel } from './groups.model';
import type { GroupsService } from './groups.service';
import type { ModerationService } from './moderation.service';
import { insertOnce } from '../../db/unique-insert';

type BotEvent = z.output<typeof botEventSchema>;

/**
 * Applies the bot's outbox: events in the order the bot recorded them, each once (its id is the
 * key of the record written after it is applied, and every apply is itself idempotent, so an
 * event applied just before a crash is harmless to apply again). An event the server refuses (4xx)
 * is recorded as rejected and skipped, so one bad event cannot block the outbox; anything else
 * stops the batch and the bot retries from there.
 */
export class BotEventService {
  constructor(
    private readonly groups: GroupsService,
    private readonly deliveries: DeliveryService,
    private readonly moderation: ModerationService,
    private readonly accounts: BotAccountService,
  ) {}

  async apply(events: BotEvent[]): Promise<BotEventResults> {
    const results: BotEventResults['results'] = [];
    for (const event of events) {
      const previous = await GroupBotEventModel.findById(event.id).lean();
      if (previous) {
        results.push({ id: event.id, status: 'duplicate', message: previous.message ?? null });
        continue;
      }
      let status: 'applied' | 'rejected' = 'applied';
      let message: string | null = null;
      try {
        message = await this.applyOne(event);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        status = 'rejected';
        message = error.message;
      }
      await insertOnce(GroupBotEventModel, { _id: event.id, kind: event.kind, status, message, at: new Date() });
      results.push({ id: event.id, status, message });
    }
    return { results };
  }

  private async applyOne(event: BotEvent): Promise<string | null> {
    switch (event.kind) {
      case 'activity':
        await this.groups.recordActivity(event.id, event.roomId, event.day, event.counts, new Date(event.at));
        return null;
      case 'delivery_ack':
        await this.deliveries.acknowledge(event.deliveryId, event.status, new Date(event.at));
        return null;
      case 'moderation_outcome':
        await this.moderation.recordOutcome(event.caseId, event.outcome);
        return null;
      case 'moderation_case': {
        const decision = await this.moderation.report(event.report);
        // No case: a message said during a mute that no longer stands (undone meanwhile).
        if (decision.caseId) await this.moderation.recordOutcome(decision.caseId, event.outcome);
        return decision.caseId;
      }
      case 'member_sync': {
        const result = await this.groups.syncMembers(event.sync);
        return JSON.stringify(result);
      }
      case 'checkin': {
        const result = await this.groups.checkin(event.checkin);
        return JSON.stringify(result);
      }
      case 'question_answered':
        await this.groups.recordAnswer({ roomId: event.roomId, messageId: event.messageId, faqId: event.faqId, askedAt: new Date(event.askedAt) }, new Date(event.at));
        return null;
      case 'account_status':
        return this.accounts.reportStatus({ accountId: event.accountId, name: event.name, status: event.status, reason: event.reason, at: new Date(event.at), eventId: event.id });
      default:
        return null;
    }
  }
}
