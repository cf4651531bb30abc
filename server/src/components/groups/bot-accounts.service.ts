import type { z } from 'zod';
import type { BotAccount, BotAccountStatus, botAccountHeartbeatSchema } from '@o2o/shared/schemas/groups';
import type { StaffPrincipal } from '../auth/auth.guard';
import { storeFilter } from '../staff/staff-scope';
import type { TicketService } from '../tickets/tickets.service';
import { BotAccountModel, GroupDeliveryAckModel, GroupDeliveryClaimModel, GroupDeliveryModel, GroupModel, type BotAccountRecord, type GroupRecord } from './groups.model';
import { insertOnce } from '../../db/unique-insert';
import { findByIds } from '../../db/find-by-ids';

type Heartbeat = z.output<typeof botAccountHeartbeatSchema>;

/** An account not heard from in this long is not counted on to take over. */
export const ACCOUNT_STALE_MS = 10 * 60_000;

const STATUS_TEXT: Record<BotAccountStatus, string> = { healthy: '正常', logged_out: '已退出登录', restricted: '疑似被限制（连续发送失败）' };

/**
 * Bot accounts and which groups each one runs. A primary account takes the bound groups it is in
 * that nobody runs; a standby takes none until an account is reported logged out or restricted,
 * then the down account's groups move to a healthy account in the same room (a standby first).
 * Staff are alerted with a ticket per group (listed in the workbench, told privately by the account
 * that now runs the group). Deliveries are claimed by unique insert just before they are said, so
 * a takeover never says a message twice: what the down account claimed and did not confirm is
 * marked uncertain, never handed to the standby.
 */
export class BotAccountService {
  constructor(
    private readonly tickets: TicketService,
    private readonly now: () => Date,
  ) {}

  async heartbeat(beat: Heartbeat): Promise<{ assignedRoomIds: string[] }> {
    const now = this.now();
    const before = await BotAccountModel.findById(beat.accountId).lean<BotAccountRecord>();
    await BotAccountModel.updateOne(
      { _id: beat.accountId },
      { $set: { name: beat.name, standby: beat.standby, roomIds: beat.roomIds, lastSeenAt: now, ...(before?.status === 'healthy' && before ? {} : { status: 'healthy', reason: '', statusAt: now }) } },
      { upsert: true },
    );
    if (!beat.standby && beat.roomIds.length > 0) await GroupModel.updateMany({ roomId: { $in: beat.roomIds }, accountId: null }, { $set: { accountId: beat.accountId } });
    // Groups whose account is down or long silent and nobody took over (no standby was up then): this one takes them.
    const cutoff = new Date(now.getTime() - ACCOUNT_STALE_MS);
    const down = await BotAccountModel.find({ _id: { $ne: beat.accountId }, $or: [{ status: { $ne: 'healthy' } }, { lastSeenAt: { $lt: cutoff } }] }, { _id: 1 }).lean();
    if (down.length > 0) {
      await GroupModel.updateMany({ roomId: { $in: beat.roomIds }, accountId: { $in: down.map((account) => account._id) } }, { $set: { accountId: beat.accountId } });
    }
    const assigned = await GroupModel.find({ accountId: beat.accountId }, { roomId: 1 }).lean();
    return { assignedRoomIds: assigned.map((group) => group.roomId).sort() };
  }

  /**
   * An account reported itself logged out or restricted (an outbox event, applied once): its
   * groups go to a healthy account in the same room, its unconfirmed claims become uncertain, and
   * each group's staff get a ticket. Reporting healthy again changes only its status.
   */
  async reportStatus(input: { accountId: string; name: string; status: BotAccountStatus; reason: string; at: Date; eventId: string }): Promise<string> {
    await BotAccountModel.updateOne({ _id: input.accountId }, { $set: { name: input.name, status: input.status, reason: input.reason, statusAt: input.at } }, { upsert: true });
    if (input.status === 'healthy') return '账号已恢复';

    const groups = await GroupModel.find({ accountId: input.accountId }).lean<GroupRecord[]>();
    const cutoff = new Date(this.now().getTime() - ACCOUNT_STALE_MS);
    const candidates = await BotAccountModel.find({ _id: { $ne: input.accountId }, status: 'healthy', lastSeenAt: { $gte: cutoff } }).lean<BotAccountRecord[]>();
    candidates.sort((a, b) => Number(b.standby) - Number(a.standby));
    await this.settleClaims(input.accountId, input.at);
    for (const group of groups) {
      const successor = candidates.find((account) => (account.roomIds ?? []).includes(group.roomId)) ?? null;
      if (successor) await GroupModel.updateOne({ _id: group._id }, { $set: { accountId: successor._id } });
      const text = successor
        ? `小助手账号「${input.name}」${STATUS_TEXT[input.status]}，本群已由备用账号「${successor.name}」接管。请尽快检查并重新登录原账号。原因：${input.reason}`
        : `小助手账号「${input.name}」${STATUS_TEXT[input.status]}，本群暂时没有小助手服务（没有可用的备用账号）。请尽快重新登录。原因：${input.reason}`;
      await this.tickets.open({
        roomId: group.roomId,
        wxid: input.accountId,
        name: input.name,
        messageId: `account:${input.eventId}`,
        text,
        reason: 'bot_account',
        at: input.at.toISOString(),
      }, this.now());
    }
    return `${groups.length} 个群已处理`;
  }

  /** Takes a delivery for an account; false when another account has it. */
  async claim(deliveryId: string, accountId: string): Promise<boolean> {
    await insertOnce(GroupDeliveryClaimModel, { _id: deliveryId, accountId, at: this.now() });
    const claim = await GroupDeliveryClaimModel.findById(deliveryId).lean();
    return claim?.accountId === accountId;
  }

  /** Gives a claimed delivery back (the send failed before WeChat had it), so it stays due for anyone. */
  async release(deliveryId: string, accountId: string): Promise<void> {
    await GroupDeliveryClaimModel.deleteOne({ _id: deliveryId, accountId });
  }

  /** Rooms an account may send deliveries for: its own groups and, unless it stands by, groups nobody runs. */
  async deliveryFilter(accountId: string | undefined): Promise<Record<string, unknown>> {
    if (!accountId) return {};
    const account = await BotAccountModel.findById(accountId).lean<BotAccountRecord>();
    const groups = await GroupModel.find(account?.standby ? { accountId } : { accountId: { $in: [accountId, null] } }, { _id: 1 }).lean();
    return { groupId: { $in: groups.map((group) => group._id) } };
  }

  /** Deliveries another account claimed (and has not confirmed): not offered again. */
  async claimedByOthers(deliveryIds: string[], accountId: string | undefined): Promise<Set<string>> {
    if (deliveryIds.length === 0) return new Set();
    const claims = await findByIds<{ _id: string; accountId: string }>(GroupDeliveryClaimModel, deliveryIds);
    return new Set(claims.filter((claim) => claim.accountId !== accountId).map((claim) => String(claim._id)));
  }

  async accountOf(roomId: string): Promise<string | null> {
    const group = await GroupModel.findOne({ roomId }, { accountId: 1 }).lean();
    return group?.accountId ?? null;
  }

  /** The accounts running groups in the staff member's scope, with their health. */
  async list(staff: StaffPrincipal): Promise<BotAccount[]> {
    const groups = await GroupModel.find(await storeFilter(staff), { roomId: 1, accountId: 1 }).lean();
    const roomIds = groups.map((group) => group.roomId);
    const accounts = await BotAccountModel.find({ roomIds: { $in: roomIds } }).lean<BotAccountRecord[]>();
    return accounts.map((account) => ({
      accountId: account._id,
      name: account.name ?? '',
      standby: Boolean(account.standby),
      status: account.status,
      reason: account.reason ?? '',
      statusAt: account.statusAt ? account.statusAt.toISOString() : null,
      lastSeenAt: account.lastSeenAt ? account.lastSeenAt.toISOString() : null,
      groups: groups.filter((group) => group.accountId === account._id).length,
    }));
  }

  /** A down account's claims it never confirmed: it may or may not have said them, so nobody says them again. */
  private async settleClaims(accountId: string, at: Date): Promise<void> {
    const claims = await GroupDeliveryClaimModel.find({ accountId }, { _id: 1 }).lean();
    if (claims.length === 0) return;
    const ids = claims.map((claim) => String(claim._id));
    const acked = new Set((await findByIds<{ _id: string }>(GroupDeliveryAckModel, ids, { _id: 1 })).map((ack) => String(ack._id)));
    for (const id of ids.filter((candidate) => !acked.has(candidate))) {
      await insertOnce(GroupDeliveryAckModel, { _id: id, status: 'uncertain', at });
      const ack = await GroupDeliveryAckModel.findById(id).lean();
      await GroupDeliveryModel.updateOne({ _id: id }, { $set: { ackStatus: ack?.status ?? 'uncertain', open: false } });
    }
  }
}
