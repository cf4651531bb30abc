import { Types } from 'mongoose';
import type { z } from 'zod';
import type { Broadcast, BroadcastReport, DeliveryAttachment, GroupDelivery, broadcastInputSchema } from '@o2o/shared/schemas/groups';
import { withTouch } from '@o2o/shared/rules/order-credit';
import { AppError } from '../../lib/app-error';
import { idString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { assertStoreAccess, canAccessCity, storeFilter } from '../staff/staff-scope';
import { GroupBroadcastModel, GroupDeliveryAckModel, GroupDeliveryModel, GroupModel, type GroupBroadcastRecord, type GroupDeliveryRecord } from './groups.model';
import { insertManyOnce, insertOnce } from '../../db/unique-insert';
import { findByIds, findEach } from '../../db/find-by-ids';

type BroadcastInput = z.input<typeof broadcastInputSchema>;

/** How close to its send time a broadcast may still be cancelled. */
const CANCEL_MARGIN_MS = 60_000;

/**
 * What the bot posts after the words. A card's page names the broadcast and the group it went to
 * (`withTouch`), so an order after a resident opens it is credited to both.
 */
function attachmentOf(broadcast: GroupBroadcastRecord, groupId: Types.ObjectId): DeliveryAttachment | null {
  if (broadcast.kind === 'image' && broadcast.imageUrl) return { type: 'image', url: broadcast.imageUrl };
  if (broadcast.kind === 'card' && broadcast.card) {
    const pagePath = withTouch(broadcast.card.pagePath, { kind: 'broadcast', refId: String(broadcast._id), groupId: String(groupId) });
    return { type: 'mini_program', title: broadcast.card.title, pagePath };
  }
  return null;
}

export function deliveryView(delivery: GroupDeliveryRecord): GroupDelivery {
  return {
    id: delivery._id,
    roomId: delivery.roomId,
    groupId: String(delivery.groupId),
    kind: delivery.kind,
    text: delivery.text,
    mentionWxids: delivery.mentionWxids ?? [],
    toWxid: delivery.toWxid ?? null,
    attachment: (delivery.attachment as DeliveryAttachment | null | undefined) ?? null,
    dueAt: delivery.dueAt.toISOString(),
  };
}

/**
 * What the bot must say exactly once: greetings and broadcasts. Each is a delivery with a
 * deterministic key, created by unique insert, and done when the bot's ack for that key exists.
 */
/** What broadcasts need of saved audiences (the audiences component implements it). */
export interface BroadcastAudiences {
  /** Throws 404 or 403 unless the staff member may use the audience; its store and city scope. */
  scopeFor(staff: StaffPrincipal | null, audienceId: string): Promise<{ storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }>;
  /** The groups holding at least `minMembers` of the audience's members now. */
  groupIdsOf(audienceId: string, minMembers: number): Promise<Types.ObjectId[]>;
}

/**
 * A last look before the bot is handed deliveries of some kinds (SOP messages): those whose
 * condition no longer holds are withdrawn as `skipped` instead of sent. Returns the ids to withdraw
 * with the reason; the check records the reason where it reports it.
 */
export interface DeliverySendCheck {
  kinds: readonly GroupDelivery['kind'][];
  withdraw(deliveries: GroupDeliveryRecord[], now: Date): Promise<Map<string, string>>;
}

export class DeliveryService {
  private openBackfill: Promise<void> | null = null;

  constructor(
    private readonly audiences: BroadcastAudiences | null = null,
    private readonly sendChecks: DeliverySendCheck[] = [],
  ) {}

  /** Deliveries another component computed, each keyed by the caller (the same key twice is one delivery); how many were new. */
  async queueMany(deliveries: { id: string; groupId: Types.ObjectId; roomId: string; kind: 'sop'; text: string; attachment: DeliveryAttachment | null; toWxid: string | null; mentionWxids: string[]; dueAt: Date }[], now: Date): Promise<number> {
    return insertManyOnce(
      GroupDeliveryModel,
      deliveries.map((delivery) => ({ _id: delivery.id, groupId: delivery.groupId, roomId: delivery.roomId, kind: delivery.kind, text: delivery.text, attachment: delivery.attachment, mentionWxids: delivery.mentionWxids, toWxid: delivery.toWxid, dueAt: delivery.dueAt, createdAt: now })),
    );
  }

  /** The first ack of each delivery (sent, failed, uncertain, skipped), by id. */
  async ackStatuses(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const acks = await findByIds<{ _id: string; status: string }>(GroupDeliveryAckModel, ids, { _id: 1, status: 1 });
    return new Map(acks.map((ack) => [String(ack._id), String(ack.status)]));
  }

  async queueGreeting(group: { _id: Types.ObjectId; roomId: string }, wxid: string, text: string, now: Date): Promise<boolean> {
    return insertOnce(GroupDeliveryModel, {
      _id: `greet:${group._id}:${wxid}`,
      groupId: group._id,
      roomId: group.roomId,
      kind: 'greeting',
      text,
      mentionWxids: [wxid],
      dueAt: now,
      createdAt: now,
    });
  }

  /**
   * A message another component needs said once (a ticket notice to staff, a ticket's answer),
   * keyed by the caller: the same key twice is one delivery. False when it already existed.
   */
  async queueDirect(input: {
    id: string;
    group: { _id: Types.ObjectId; roomId: string };
    kind: 'ticket_notice' | 'ticket_answer' | 'staff_alert' | 'moderation_notice';
    text: string;
    toWxid: string | null;
    mentionWxids?: string[];
    now: Date;
  }): Promise<boolean> {
    return insertOnce(GroupDeliveryModel, {
      _id: input.id,
      groupId: input.group._id,
      roomId: input.group.roomId,
      kind: input.kind,
      text: input.text,
      mentionWxids: input.mentionWxids ?? [],
      toWxid: input.toWxid,
      dueAt: input.now,
      createdAt: input.now,
    });
  }

  /** Whether the bot confirmed these deliveries sent. */
  async sentIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const acks = await findByIds<{ _id: string; status: string }>(GroupDeliveryAckModel, ids, { _id: 1, status: 1 });
    return new Set(acks.filter((ack) => ack.status === 'sent').map((ack) => String(ack._id)));
  }

  /** Due, unacknowledged deliveries, oldest first, after turning due broadcasts into deliveries. */
  async pending(limit: number, now = new Date(), filter: Record<string, unknown> = {}): Promise<GroupDelivery[]> {
    await this.backfillOpen();
    await this.expandDueBroadcasts(now);
    const deliveries = await GroupDeliveryModel.find({ ...filter, open: true, dueAt: { $lte: now } }).sort({ dueAt: 1, _id: 1 }).limit(limit).lean<GroupDeliveryRecord[]>();
    // A broadcast cancelled after it was expanded (a crash between the two writes) still never reaches the bot.
    const broadcastIds = deliveries.flatMap((delivery) => (delivery.broadcastId ? [delivery.broadcastId] : []));
    const cancelled = broadcastIds.length
      ? new Set((await findByIds<{ _id: Types.ObjectId; cancelledAt: Date | null }>(GroupBroadcastModel, broadcastIds, { cancelledAt: 1 })).filter((broadcast) => broadcast.cancelledAt).map((broadcast) => String(broadcast._id)))
      : new Set<string>();
    const live: GroupDeliveryRecord[] = [];
    for (const delivery of deliveries) {
      // Acknowledged as skipped once, so the next poll does not read it (and its broadcast) again.
      if (delivery.broadcastId && cancelled.has(String(delivery.broadcastId))) await this.acknowledge(delivery._id, 'skipped', now);
      else live.push(delivery);
    }
    // Content whose condition no longer holds (an SOP message to a resident who ordered meanwhile) is skipped, with its ack.
    const withdrawn = new Set<string>();
    for (const check of this.sendChecks) {
      const mine = live.filter((delivery) => check.kinds.includes(delivery.kind));
      if (mine.length === 0) continue;
      for (const id of (await check.withdraw(mine, now)).keys()) {
        await this.acknowledge(id, 'skipped', now);
        withdrawn.add(id);
      }
    }
    return live.filter((delivery) => !withdrawn.has(delivery._id)).map(deliveryView);
  }

  /** The first ack of a delivery stands; a repeat only repairs the mirror. */
  async acknowledge(deliveryId: string, status: 'sent' | 'failed' | 'uncertain' | 'skipped', at: Date): Promise<void> {
    await insertOnce(GroupDeliveryAckModel, { _id: deliveryId, status, at });
    const ack = await GroupDeliveryAckModel.findById(deliveryId).lean();
    await GroupDeliveryModel.updateOne({ _id: deliveryId }, { $set: { ackStatus: ack?.status ?? status, open: false } });
  }

  /**
   * Deliveries stored before `open` existed get it once per process (two updates that scan the
   * collection, then match nothing); safe to rerun and to crash between them, as each sets `open`
   * from `ackStatus`, which stays as it was.
   */
  private backfillOpen(): Promise<void> {
    this.openBackfill ??= (async () => {
      await GroupDeliveryModel.updateMany({ open: { $exists: false }, ackStatus: null }, { $set: { open: true } });
      await GroupDeliveryModel.updateMany({ open: { $exists: false } }, { $set: { open: false } });
    })().catch((error: unknown) => {
      this.openBackfill = null;
      throw error;
    });
    return this.openBackfill;
  }

  async createBroadcast(staff: StaffPrincipal | null, input: BroadcastInput, now = new Date()): Promise<Broadcast> {
    const target = await this.assertAudience(staff, input);
    const kind = input.kind ?? 'text';
    const broadcast = await GroupBroadcastModel.create({
      audience: input.audience,
      ...target,
      minMembers: input.audience === 'audience' ? (input.minMembers ?? 1) : 1,
      kind,
      text: input.text ?? '',
      imageUrl: kind === 'image' ? input.imageUrl : null,
      card: kind === 'card' ? input.card : null,
      sendAt: input.sendAt ? new Date(input.sendAt) : now,
      createdBy: staff?.id ?? null,
      createdAt: now,
    });
    const record = broadcast.toObject() as GroupBroadcastRecord;
    if (record.sendAt.getTime() <= now.getTime()) await this.expand(record, now);
    return (await this.views([record]))[0];
  }

  async listBroadcasts(staff: StaffPrincipal, limit = 50): Promise<Broadcast[]> {
    const scope = staff.role === 'admin' ? {} : { $or: [await storeFilter(staff), ...(staff.cityId ? [{ cityId: staff.cityId }] : [])] };
    const broadcasts = await GroupBroadcastModel.find(scope).sort({ createdAt: -1 }).limit(limit).lean<GroupBroadcastRecord[]>();
    return this.views(broadcasts);
  }

  /**
   * Cancels a broadcast that is not yet due. A cancel closer than a minute to the send time is
   * refused, so the bot can never have fetched a delivery of a broadcast that then shows cancelled.
   * Cancelling twice answers the same cancelled broadcast.
   */
  async cancelBroadcast(staff: StaffPrincipal, broadcastId: string, now = new Date()): Promise<Broadcast> {
    const broadcast = await this.broadcastInScope(staff, broadcastId);
    if (broadcast.cancelledAt) return (await this.views([broadcast]))[0];
    if (broadcast.sendAt.getTime() - now.getTime() < CANCEL_MARGIN_MS) {
      throw new AppError('BROADCAST_ALREADY_DUE', broadcast.sendAt.getTime() <= now.getTime() ? '这条群发已经发出，无法取消' : '距发送不到 1 分钟，已无法取消', 409);
    }
    await GroupBroadcastModel.updateOne({ _id: broadcast._id, cancelledAt: null }, { $set: { cancelledAt: now, cancelledBy: staff.id } });
    const stored = await GroupBroadcastModel.findById(broadcast._id).lean<GroupBroadcastRecord>();
    return (await this.views([stored!]))[0];
  }

  /** Each target group of a broadcast and what became of it there. */
  async report(staff: StaffPrincipal, broadcastId: string): Promise<BroadcastReport> {
    const broadcast = await this.broadcastInScope(staff, broadcastId);
    const [view] = await this.views([broadcast]);
    const deliveries = await GroupDeliveryModel.find({ broadcastId: broadcast._id }, { groupId: 1, ackStatus: 1 }).lean();
    // Before it is due (or once cancelled) the groups are the ones it targets now.
    const groupIds = deliveries.length ? deliveries.map((delivery) => delivery.groupId) : broadcast.audience === 'audience' ? [] : (await GroupModel.find(await this.targetFilter(broadcast), { _id: 1 }).lean()).map((group) => group._id);
    const groups = await GroupModel.find({ _id: { $in: groupIds } }, { topic: 1, roomId: 1 }).lean();
    const statusOf = (groupId: Types.ObjectId) => {
      if (broadcast.cancelledAt) return 'cancelled' as const;
      const delivery = deliveries.find((candidate) => candidate.groupId.equals(groupId));
      return (delivery?.ackStatus ?? 'pending') as 'pending' | 'sent' | 'failed' | 'uncertain';
    };
    return {
      broadcast: view,
      groups: groups.map((group) => ({ groupId: String(group._id), topic: group.topic || '未命名的群', status: statusOf(group._id) })).sort((a, b) => a.topic.localeCompare(b.topic, 'zh-CN')),
    };
  }

  private async broadcastInScope(staff: StaffPrincipal, broadcastId: string): Promise<GroupBroadcastRecord> {
    const broadcast = await GroupBroadcastModel.findById(new Types.ObjectId(broadcastId)).lean<GroupBroadcastRecord>();
    if (!broadcast) throw AppError.notFound('群发');
    if (staff.role === 'admin') return broadcast;
    if (broadcast.storeId) {
      await assertStoreAccess(staff, broadcast.storeId);
      return broadcast;
    }
    if (broadcast.cityId && staff.role === 'city_ops' && canAccessCity(staff, broadcast.cityId)) return broadcast;
    throw AppError.forbidden('这条群发不在你负责的范围内');
  }

  private async views(broadcasts: GroupBroadcastRecord[]): Promise<Broadcast[]> {
    const deliveries = await findEach<{ broadcastId: Types.ObjectId | null; ackStatus: string | null }>(GroupDeliveryModel, 'broadcastId', broadcasts.map((broadcast) => broadcast._id), { broadcastId: 1, ackStatus: 1 });
    return broadcasts.map((broadcast) => {
      const mine = deliveries.filter((delivery) => delivery.broadcastId?.equals(broadcast._id));
      const sent = mine.filter((delivery) => delivery.ackStatus === 'sent').length;
      const status = broadcast.cancelledAt ? 'cancelled' : !broadcast.expandedAt ? 'scheduled' : sent >= mine.length ? 'sent' : 'sending';
      return {
        id: String(broadcast._id),
        audience: broadcast.audience,
        groupId: idString(broadcast.groupId),
        storeId: idString(broadcast.storeId),
        cityId: idString(broadcast.cityId),
        audienceId: idString(broadcast.audienceId ?? null),
        minMembers: broadcast.minMembers ?? 1,
        kind: broadcast.kind ?? 'text',
        text: broadcast.text ?? '',
        imageUrl: broadcast.imageUrl ?? null,
        card: broadcast.card ? { title: broadcast.card.title, pagePath: broadcast.card.pagePath } : null,
        sendAt: broadcast.sendAt.toISOString(),
        createdAt: broadcast.createdAt.toISOString(),
        cancelledAt: broadcast.cancelledAt ? broadcast.cancelledAt.toISOString() : null,
        status,
        deliveries: mine.length,
        sent,
      };
    });
  }

  private async expandDueBroadcasts(now: Date): Promise<void> {
    const due = await GroupBroadcastModel.find({ expandedAt: null, cancelledAt: null, sendAt: { $lte: now } }).limit(100).lean<GroupBroadcastRecord[]>();
    for (const broadcast of due) await this.expand(broadcast, now);
  }

  /**
   * One delivery per target group, keyed `broadcast:<id>:<groupId>`: expanding twice creates
   * nothing new. An audience broadcast picks its groups from the audience's members at this
   * moment; a group that gains members after it was sent does not get it.
   */
  private async expand(broadcast: GroupBroadcastRecord, now: Date): Promise<void> {
    const filter = await this.targetFilter(broadcast);
    const groups = await GroupModel.find(filter, { roomId: 1 }).lean();
    await insertManyOnce(
      GroupDeliveryModel,
      groups.map((group) => ({
        _id: `broadcast:${broadcast._id}:${group._id}`,
        groupId: group._id,
        roomId: group.roomId,
        kind: 'broadcast',
        text: broadcast.text ?? '',
        attachment: attachmentOf(broadcast, group._id),
        mentionWxids: [],
        broadcastId: broadcast._id,
        dueAt: broadcast.sendAt,
        createdAt: now,
      })),
    );
    await GroupBroadcastModel.updateOne({ _id: broadcast._id }, { $set: { expandedAt: now } });
  }

  private async targetFilter(broadcast: GroupBroadcastRecord): Promise<Record<string, unknown>> {
    switch (broadcast.audience) {
      case 'group':
        return { _id: broadcast.groupId };
      case 'store':
        return { storeId: broadcast.storeId };
      case 'city':
        return { cityId: broadcast.cityId };
      case 'audience': {
        if (!this.audiences) throw new Error('audience broadcasts need the audiences component');
        return { _id: { $in: await this.audiences.groupIdsOf(String(broadcast.audienceId), broadcast.minMembers ?? 1) } };
      }
      default:
        return {};
    }
  }

  /** Who may broadcast where: a group or store within their stores, a city for its ops, everything for admins; an audience its managers. */
  private async assertAudience(staff: StaffPrincipal | null, input: BroadcastInput) {
    const none = { groupId: null, storeId: null, cityId: null, audienceId: null };
    switch (input.audience) {
      case 'group': {
        const group = await GroupModel.findById(new Types.ObjectId(input.groupId!)).lean();
        if (!group) throw AppError.notFound('社群');
        if (staff) await assertStoreAccess(staff, group.storeId);
        return { ...none, groupId: group._id, storeId: group.storeId, cityId: group.cityId };
      }
      case 'store': {
        const storeId = new Types.ObjectId(input.storeId!);
        const store = staff ? await assertStoreAccess(staff, storeId) : null;
        return { ...none, storeId, cityId: store?.cityId ?? null };
      }
      case 'city': {
        const cityId = new Types.ObjectId(input.cityId!);
        if (staff && (staff.role === 'advisor' || staff.role === 'store_manager' || !canAccessCity(staff, cityId))) throw AppError.forbidden('只有城市运营和管理员可以向整个城市的社群群发');
        return { ...none, cityId };
      }
      case 'audience': {
        if (!this.audiences) throw new AppError('AUDIENCES_UNAVAILABLE', '当前无法按人群群发', 503);
        const scope = await this.audiences.scopeFor(staff, input.audienceId!);
        return { ...none, ...scope, audienceId: new Types.ObjectId(input.audienceId!) };
      }
      default:
        if (staff && staff.role !== 'admin') throw AppError.forbidden('只有管理员可以向所有社群群发');
        return none;
    }
  }
}
