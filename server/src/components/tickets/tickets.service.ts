import { Types } from 'mongoose';
import type { z } from 'zod';
import type { BotTicketResult, Ticket, TicketStats, botTicketRequestSchema, ticketAnswerInputSchema } from '@o2o/shared/schemas/tickets';
import { AppError } from '../../lib/app-error';
import type { StaffPrincipal } from '../auth/auth.guard';
import type { DeliveryService } from '../groups/deliveries.service';
import { GroupIdentityModel, GroupModel, type GroupRecord } from '../groups/groups.model';
import { isDuplicateKey, insertOnce } from '../../db/unique-insert';
import { StaffModel } from '../staff/staff.model';
import { assertStoreAccess, storeFilter } from '../staff/staff-scope';
import { TicketAnswerModel, TicketModel, type TicketAnswerRecord, type TicketRecord } from './tickets.model';

type TicketRequest = z.output<typeof botTicketRequestSchema>;
type AnswerInput = z.output<typeof ticketAnswerInputSchema>;

const REASON_LABELS: Record<TicketRecord['reason'], string> = { complaint: '投诉/售后', unanswered: '答不上来的问题', bot_account: '小助手账号异常' };

/** The private message a store's staff member gets for a new ticket. */
export function ticketNoticeText(ticket: Pick<TicketRecord, 'topic' | 'name' | 'text' | 'reason'>): string {
  return [
    `【群工单·${REASON_LABELS[ticket.reason]}】「${ticket.topic || '门店群'}」的「${ticket.name || '群成员'}」：`,
    ticket.text.slice(0, 300),
    '请在小程序“工作台 → 群工单”里回复，小助手会把你的回复转给对方。',
  ].join('\n');
}

/** What the resident gets: the staff answer, quoting what they asked. */
export function ticketAnswerText(ticket: Pick<TicketRecord, 'text'>, answer: string, staffName: string): string {
  const asked = ticket.text.replace(/@\S+\s?/g, '').trim().slice(0, 40);
  return `关于“${asked}”，店员${staffName ? `「${staffName}」` : ''}回复：${answer}`;
}

/** WeChat ids of the store's own active staff (manager and advisors) bound through the bot: who hears of its tickets and alerts. */
export async function storeStaffWxids(storeId: Types.ObjectId): Promise<string[]> {
  const staff = await StaffModel.find({ active: true, storeId, role: { $in: ['store_manager', 'advisor'] } }, { _id: 1 }).lean();
  const identities = await GroupIdentityModel.find({ staffId: { $in: staff.map((member) => member._id) } }, { _id: 1 }).lean();
  return identities.map((identity) => String(identity._id)).sort();
}

function percentile(sorted: number[], share: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

/**
 * Hand-off to staff. The bot opens a ticket (once per message); the store's staff bound to WeChat
 * are told privately (one delivery each, through the bot's paced queue); staff answer in the
 * workbench and the answer is relayed to the resident, in the group or privately. Time to the
 * first answer is kept on the ticket.
 */
export class TicketService {
  constructor(private readonly deliveries: DeliveryService) {}

  async open(input: TicketRequest, now = new Date()): Promise<BotTicketResult> {
    const group = await GroupModel.findOne({ roomId: input.roomId }).lean<GroupRecord>();
    if (!group) throw new AppError('GROUP_NOT_BOUND', '本群还没有绑定门店，无法转给店员', 404);
    const messageKey = `${input.roomId}:${input.messageId}`;
    let created = true;
    try {
      await TicketModel.create({
        messageKey,
        storeId: group.storeId,
        cityId: group.cityId,
        groupId: group._id,
        roomId: group.roomId,
        topic: group.topic ?? '',
        wxid: input.wxid,
        name: input.name,
        text: input.text,
        reason: input.reason,
        createdAt: new Date(input.at),
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      created = false;
    }
    const ticket = (await TicketModel.findOne({ messageKey }).lean<TicketRecord>())!;
    // Notices are keyed per ticket and staff member: a retry (or a crash before this) queues what is missing, never twice.
    const staffWxids = await storeStaffWxids(group.storeId);
    await Promise.all(
      staffWxids.map((wxid) =>
        this.deliveries.queueDirect({ id: `ticket:${ticket._id}:notice:${wxid}`, group, kind: 'ticket_notice', text: ticketNoticeText(ticket), toWxid: wxid, now }),
      ),
    );
    return { ticketId: String(ticket._id), created, notified: staffWxids.length };
  }

  async list(staff: StaffPrincipal, query: { status?: TicketRecord['status']; storeId?: string; limit: number }): Promise<Ticket[]> {
    const scope = query.storeId ? { storeId: (await assertStoreAccess(staff, new Types.ObjectId(query.storeId)))._id } : await storeFilter(staff);
    const tickets = await TicketModel.find({ ...scope, ...(query.status ? { status: query.status } : {}) })
      .sort({ createdAt: -1 })
      .limit(query.limit)
      .lean<TicketRecord[]>();
    return this.views(tickets);
  }

  async get(staff: StaffPrincipal, ticketId: string): Promise<Ticket> {
    return (await this.views([await this.assertAccess(staff, ticketId)]))[0];
  }

  /**
   * Stores the answer (keyed by the client's request id, so a retry is the same answer), queues its
   * relay to the resident, and brings the ticket's mirrors up to date from its answers.
   */
  async answer(staff: StaffPrincipal, ticketId: string, input: AnswerInput, now = new Date()): Promise<Ticket> {
    const ticket = await this.assertAccess(staff, ticketId);
    if (ticket.status === 'closed' && !(await TicketAnswerModel.exists({ _id: `${ticket._id}:${input.requestId}` }))) {
      throw new AppError('TICKET_CLOSED', '这个工单已经关闭，不能再回复', 409);
    }
    const group = await GroupModel.findById(ticket.groupId).lean<GroupRecord>();
    if (!group) throw new AppError('GROUP_NOT_BOUND', '这个群已经解绑，回复无法转给居民', 409);
    const answerId = `${ticket._id}:${input.requestId}`;
    const deliveryId = `ticket:${ticket._id}:answer:${input.requestId}`;
    await insertOnce(TicketAnswerModel, { _id: answerId, ticketId: ticket._id, text: input.text, staffId: staff.id, staffName: staff.name, via: input.via, deliveryId, at: now });
    const stored = (await TicketAnswerModel.findById(answerId).lean<TicketAnswerRecord>())!;
    const text = ticketAnswerText(ticket, stored.text, stored.staffName ?? '');
    await this.deliveries.queueDirect({
      id: deliveryId,
      group,
      kind: 'ticket_answer',
      text,
      toWxid: stored.via === 'private' ? ticket.wxid : null,
      mentionWxids: stored.via === 'group' ? [ticket.wxid] : [],
      now: stored.at,
    });
    await this.refresh(ticket, input.close ? now : null);
    return this.get(staff, ticketId);
  }

  async close(staff: StaffPrincipal, ticketId: string, now = new Date()): Promise<Ticket> {
    const ticket = await this.assertAccess(staff, ticketId);
    await this.refresh(ticket, ticket.closedAt ?? now);
    return this.get(staff, ticketId);
  }

  /** The first answer decides `firstAnsweredAt`; status follows from answers and closing. */
  private async refresh(ticket: TicketRecord, closedAt: Date | null): Promise<void> {
    const [first] = await TicketAnswerModel.find({ ticketId: ticket._id }, { at: 1 }).sort({ at: 1 }).limit(1).lean();
    const closed = closedAt ?? ticket.closedAt ?? null;
    await TicketModel.updateOne(
      { _id: ticket._id },
      { $set: { firstAnsweredAt: first?.at ?? null, closedAt: closed, status: closed ? 'closed' : first ? 'answered' : 'open' } },
    );
  }

  async stats(staff: StaffPrincipal, query: { storeId?: string; days: number }, now = new Date()): Promise<TicketStats> {
    const scope = query.storeId ? { storeId: (await assertStoreAccess(staff, new Types.ObjectId(query.storeId)))._id } : await storeFilter(staff);
    const since = new Date(now.getTime() - query.days * 86_400_000);
    const tickets = await TicketModel.find({ ...scope, createdAt: { $gte: since } }, { status: 1, createdAt: 1, firstAnsweredAt: 1 }).lean<TicketRecord[]>();
    const seconds = tickets
      .filter((ticket) => ticket.firstAnsweredAt)
      .map((ticket) => Math.max(0, Math.round((ticket.firstAnsweredAt!.getTime() - ticket.createdAt.getTime()) / 1000)))
      .sort((a, b) => a - b);
    return {
      days: query.days,
      created: tickets.length,
      open: tickets.filter((ticket) => ticket.status === 'open').length,
      answered: seconds.length,
      medianFirstAnswerSeconds: percentile(seconds, 0.5),
      p90FirstAnswerSeconds: percentile(seconds, 0.9),
    };
  }

  private async assertAccess(staff: StaffPrincipal, ticketId: string): Promise<TicketRecord> {
    const ticket = await TicketModel.findById(new Types.ObjectId(ticketId)).lean<TicketRecord>();
    if (!ticket) throw AppError.notFound('工单');
    await assertStoreAccess(staff, ticket.storeId);
    return ticket;
  }

  private async views(tickets: TicketRecord[]): Promise<Ticket[]> {
    const answers = await TicketAnswerModel.find({ ticketId: { $in: tickets.map((ticket) => ticket._id) } }).sort({ at: 1 }).lean<TicketAnswerRecord[]>();
    const sent = await this.deliveries.sentIds(answers.map((answer) => answer.deliveryId));
    return tickets.map((ticket) => ({
      id: String(ticket._id),
      storeId: String(ticket.storeId),
      groupId: String(ticket.groupId),
      topic: ticket.topic ?? '',
      wxid: ticket.wxid,
      name: ticket.name ?? '',
      text: ticket.text,
      reason: ticket.reason,
      status: ticket.status ?? 'open',
      createdAt: ticket.createdAt.toISOString(),
      firstAnsweredAt: ticket.firstAnsweredAt ? ticket.firstAnsweredAt.toISOString() : null,
      firstAnswerSeconds: ticket.firstAnsweredAt ? Math.max(0, Math.round((ticket.firstAnsweredAt.getTime() - ticket.createdAt.getTime()) / 1000)) : null,
      answers: answers
        .filter((answer) => answer.ticketId.equals(ticket._id))
        .map((answer) => ({ id: answer._id, text: answer.text, staffName: answer.staffName ?? '', via: answer.via, at: answer.at.toISOString(), relayed: sent.has(answer.deliveryId) })),
    }));
  }
}
