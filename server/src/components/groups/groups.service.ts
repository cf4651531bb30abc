import { Types, type Connection } from 'mongoose';
import type { z } from 'zod';
import { chinaDateKey, chinaDayStart } from '@o2o/shared/rules/china-time';
import { addDays } from '@o2o/shared/rules/metrics';
import { defaultFaqsBeside } from '@o2o/shared/rules/default-faqs';
import { matchFaq } from '@o2o/shared/rules/faq-match';
import { describeOpeningHours, type OpeningWindow } from '@o2o/shared/rules/opening-hours';
import {
  DEFAULT_GROUP_SETTINGS,
  type BotGroupContext,
  type CheckinResult,
  type FaqEntry,
  type Group,
  type GroupSettings,
  type GroupStats,
  type IdentitySummary,
  type MemberSyncResult,
  type ProductSearchResult,
  checkinRequestSchema,
  faqInputSchema,
  memberSyncSchema,
} from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel, type StoreRecord } from '../organisation/organisation.model';
import type { PointsService } from '../points/points.service';
import { RewardModel } from '../rewards/rewards.model';
import { StaffModel } from '../staff/staff.model';
import { assertStoreAccess, canAccessStore, storeFilter } from '../staff/staff-scope';
import { TaskCompletionModel, TaskDefinitionModel } from '../tasks/tasks.model';
import { TicketModel } from '../tickets/tickets.model';
import { creditedByDay } from '../credits/credits.service';
import type { TaskService } from '../tasks/tasks.service';
import { CatalogueReader } from './catalogue-reader';
import { DeliveryService } from './deliveries.service';
import {
  GroupActivityModel,
  GroupAnswerModel,
  GroupCheckinModel,
  GroupFaqModel,
  GroupIdentityModel,
  GroupMemberEventModel,
  GroupMemberModel,
  GroupModel,
  GroupModerationCaseModel,
  GroupOfferModel,
  type GroupFaqRecord,
  type GroupMemberRecord,
  type GroupRecord,
} from './groups.model';
import { GroupSettingsService } from './settings.service';
import { insertManyOnce, insertOnce } from '../../db/unique-insert';
import { findByIds } from '../../db/find-by-ids';

type MemberSyncInput = z.output<typeof memberSyncSchema>;
type CheckinInput = z.output<typeof checkinRequestSchema>;
type FaqInput = z.output<typeof faqInputSchema>;

export function faqView(faq: GroupFaqRecord): FaqEntry {
  return { id: String(faq._id), storeId: idString(faq.storeId), questions: faq.questions, answer: faq.answer, active: faq.active ?? true, createdAt: faq.createdAt.toISOString() };
}

/** The greeting a newcomer gets once (the bot @-mentions them in front of it). */
export function greetingText(store: { name: string } | null, settings: GroupSettings): string {
  return [
    `欢迎加入${store ? `「${store.name}」` : ''}邻里群！`,
    `🛒 下单、领积分：${settings.miniProgramEntry}`,
    `📌 群规：${settings.groupRules}`,
    '有问题直接 @我，比如“几点关门”“配送费多少”“怎么赚积分”，每天发“签到”还能领积分。',
  ].join('\n');
}

/**
 * Community groups: the bot's view of a group (store, settings, FAQ, staff), its members and
 * greetings, check-ins, activity and the staff's FAQ entries.
 */
export class GroupsService {
  readonly settings = new GroupSettingsService();
  private readonly catalogue: CatalogueReader;

  constructor(
    private readonly deps: { points: PointsService; tasks: TaskService; connection: Connection },
    private readonly deliveries: DeliveryService,
  ) {
    this.catalogue = new CatalogueReader(deps.connection);
  }

  async groupByRoom(roomId: string): Promise<GroupRecord | null> {
    return GroupModel.findOne({ roomId }).lean<GroupRecord>();
  }

  async requireGroupByRoom(roomId: string): Promise<GroupRecord> {
    const group = await this.groupByRoom(roomId);
    if (!group) throw new AppError('GROUP_NOT_BOUND', '本群还没有绑定门店', 404);
    return group;
  }

  async list(staff: StaffPrincipal, storeId?: string): Promise<Group[]> {
    const filter = storeId ? { storeId: (await assertStoreAccess(staff, toObjectId(storeId)))._id } : await storeFilter(staff);
    const groups = await GroupModel.find(filter).sort({ boundAt: 1 }).lean<GroupRecord[]>();
    return Promise.all(
      groups.map(async (group) => ({
        id: String(group._id),
        roomId: group.roomId,
        topic: group.topic ?? '',
        storeId: String(group.storeId),
        cityId: String(group.cityId),
        boundAt: group.boundAt.toISOString(),
        memberCount: await GroupMemberModel.countDocuments({ groupId: group._id, leftAt: null }),
      })),
    );
  }

  async assertGroupAccess(staff: StaffPrincipal, groupId: string): Promise<GroupRecord> {
    const group = await GroupModel.findById(toObjectId(groupId)).lean<GroupRecord>();
    if (!group) throw AppError.notFound('社群');
    await assertStoreAccess(staff, group.storeId);
    return group;
  }

  /** Everything the bot needs to act in a room; an unbound room gets defaults and nothing else. */
  async context(roomId: string, now = new Date()): Promise<BotGroupContext> {
    const group = await this.groupByRoom(roomId);
    const empty = { roomId, bound: false, group: null, store: null, settings: DEFAULT_GROUP_SETTINGS, faqs: [], staffWxids: [], earnWays: [], spendWays: [], offers: { notes: [], products: [] } };
    if (!group) return empty;
    const store = await StoreModel.findById(group.storeId).lean<StoreRecord>();
    if (!store) return empty;
    const [settings, faqs, staffWxids, earnWays, spendWays, notes, products] = await Promise.all([
      this.settings.effective(group),
      GroupFaqModel.find({ active: true, $or: [{ storeId: null }, { storeId: group.storeId }] }).lean<GroupFaqRecord[]>(),
      this.staffWxids(store),
      TaskDefinitionModel.find({ active: true, $or: [{ storeId: null, cityId: null }, { storeId: store._id }, { cityId: store.cityId }] }).lean(),
      RewardModel.find({ active: true, cityId: store.cityId, $or: [{ scopeKind: 'city' }, { storeIds: store._id }] }).lean(),
      GroupOfferModel.find({ storeId: store._id, day: chinaDateKey(now) }).lean(),
      this.catalogue.offers(store._id),
    ]);
    const openingHours = store.openingHours as OpeningWindow[];
    return {
      roomId,
      bound: true,
      group: { id: String(group._id), topic: group.topic ?? '' },
      store: {
        id: String(store._id),
        name: store.name,
        address: store.address,
        contactPhone: store.contactPhone,
        openingHours,
        hoursText: describeOpeningHours(openingHours),
        delivery: {
          radiusKm: store.delivery!.radiusKm,
          feeCents: store.delivery!.feeCents,
          freeAboveCents: store.delivery!.freeAboveCents ?? null,
          minOrderCents: store.delivery!.minOrderCents ?? 0,
        },
      },
      settings,
      faqs: [
        ...faqs.map((faq) => ({ id: String(faq._id), questions: faq.questions, answer: faq.answer })),
        ...defaultFaqsBeside(faqs).map((faq) => ({ id: `default:${faq.key}`, questions: faq.questions, answer: faq.answer })),
      ],
      staffWxids,
      earnWays: earnWays
        .filter((task) => task.period?.kind !== 'range' || !task.period.endsAt || task.period.endsAt.getTime() > now.getTime())
        .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
        .map((task) => ({ title: task.title, rewardPoints: task.rewardPoints, nextStep: task.nextStep })),
      spendWays: spendWays.sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0)).slice(0, 8).map((reward) => ({ name: reward.name, pointsCost: reward.pointsCost })),
      offers: { notes: notes.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((note) => note.text), products },
    };
  }

  /** WeChat ids bound to active staff who run this store: its own staff, its city's ops, admins. */
  private async staffWxids(store: StoreRecord): Promise<string[]> {
    const staff = await StaffModel.find({ active: true, $or: [{ storeId: store._id }, { role: 'city_ops', cityId: store.cityId }, { role: 'admin' }] }, { _id: 1 }).lean();
    const identities = await GroupIdentityModel.find({ staffId: { $in: staff.map((member) => member._id) } }, { _id: 1 }).lean();
    return identities.map((identity) => String(identity._id));
  }

  async searchProducts(roomId: string, keyword: string): Promise<ProductSearchResult> {
    const group = await this.requireGroupByRoom(roomId);
    return this.catalogue.search(group.storeId, keyword);
  }

  async identitySummary(wxid: string, now = new Date()): Promise<IdentitySummary> {
    const identity = await GroupIdentityModel.findById(wxid).lean();
    if (!identity || (!identity.residentId && !identity.staffId)) return { bound: false, kind: null, points: null, latestOrder: null, ordersAvailable: false };
    if (!identity.residentId) return { bound: true, kind: 'staff', points: null, latestOrder: null, ordersAvailable: false };
    const [balance, latest] = await Promise.all([this.deps.points.balance(identity.residentId, now), this.catalogue.latestOrder(identity.residentId)]);
    const store = latest.order?.storeId ? await StoreModel.findById(latest.order.storeId, { name: 1 }).lean() : null;
    return {
      bound: true,
      kind: 'resident',
      points: { available: balance.available, pending: balance.pending, expiringSoonTotal: balance.expiringSoonTotal },
      latestOrder: latest.order
        ? { id: latest.order.id, state: latest.order.state, placedAt: latest.order.placedAt.toISOString(), totalCents: latest.order.totalCents, storeName: store?.name ?? null }
        : null,
      ordersAvailable: latest.available,
    };
  }

  /**
   * Reconciles what the bot saw of a room's members. The first full list is the baseline (those
   * members were there before the bot: no greeting). After that, anyone not known is a newcomer:
   * their member record, join event and greeting are unique inserts, so a join seen both as an
   * event and in the member list, or by two bot instances, is greeted once.
   */
  async syncMembers(input: MemberSyncInput): Promise<MemberSyncResult> {
    const group = await this.groupByRoom(input.roomId);
    if (!group) return { bound: false, joined: 0, left: 0, greetingsQueued: 0 };
    const now = new Date(input.observedAt);
    if (input.topic && input.topic !== group.topic) await GroupModel.updateOne({ _id: group._id }, { $set: { topic: input.topic } });
    const known = new Map((await GroupMemberModel.find({ groupId: group._id }).lean<GroupMemberRecord[]>()).map((member) => [member.wxid, member]));
    const settings = await this.settings.effective(group);
    const store = await StoreModel.findById(group.storeId, { name: 1 }).lean();
    const result = { bound: true, joined: 0, left: 0, greetingsQueued: 0 };

    const joinedIds = new Set(input.joined.map((member) => member.wxid));
    if (input.complete && !group.baselineAt) {
      const newcomers = input.members.filter((member) => !known.has(member.wxid) && !joinedIds.has(member.wxid));
      await insertManyOnce(
        GroupMemberModel,
        newcomers.map((member) => ({ _id: `${group._id}:${member.wxid}`, groupId: group._id, wxid: member.wxid, name: member.name, joinedAt: now, baseline: true })),
      );
      for (const member of newcomers) known.set(member.wxid, { _id: `${group._id}:${member.wxid}`, groupId: group._id, wxid: member.wxid, name: member.name, joinedAt: now, leftAt: null, baseline: true });
      await GroupModel.updateOne({ _id: group._id, baselineAt: null }, { $set: { baselineAt: now } });
    }

    const present = input.complete ? input.members : [];
    const arrivals = [...input.joined, ...present.filter((member) => !joinedIds.has(member.wxid))];
    const residents = await this.residentsByWxid(arrivals.filter((member) => !known.get(member.wxid) || known.get(member.wxid)!.leftAt).map((member) => member.wxid));
    const seen = new Set<string>();
    for (const member of arrivals) {
      if (seen.has(member.wxid)) continue;
      seen.add(member.wxid);
      const existing = known.get(member.wxid);
      if (existing && !existing.leftAt) continue;
      const day = chinaDateKey(now);
      const residentId = residents.get(member.wxid);
      if (residentId) await this.recordJoinedGroup(group, residentId, now);
      if (existing) {
        await GroupMemberModel.updateOne({ _id: existing._id }, { $set: { leftAt: null, joinedAt: now, name: member.name } });
        if (await insertOnce(GroupMemberEventModel, { _id: `join:${group._id}:${member.wxid}:${existing.leftAt!.getTime()}`, groupId: group._id, wxid: member.wxid, kind: 'join', day, at: now })) result.joined += 1;
        continue;
      }
      await insertOnce(GroupMemberModel, { _id: `${group._id}:${member.wxid}`, groupId: group._id, wxid: member.wxid, name: member.name, joinedAt: now, baseline: false });
      if (await insertOnce(GroupMemberEventModel, { _id: `join:${group._id}:${member.wxid}:first`, groupId: group._id, wxid: member.wxid, kind: 'join', day, at: now })) result.joined += 1;
      if (settings.greetingEnabled && (await this.deliveries.queueGreeting(group, member.wxid, greetingText(store, settings), now))) result.greetingsQueued += 1;
    }

    const presentIds = new Set(present.map((member) => member.wxid));
    const departures = [...input.left, ...(input.complete ? [...known.keys()].filter((wxid) => !presentIds.has(wxid) && !joinedIds.has(wxid)) : [])];
    for (const wxid of new Set(departures)) {
      const existing = known.get(wxid);
      if (!existing || existing.leftAt) continue;
      await GroupMemberModel.updateOne({ _id: existing._id }, { $set: { leftAt: now } });
      if (await insertOnce(GroupMemberEventModel, { _id: `leave:${group._id}:${wxid}:${existing.joinedAt.getTime()}`, groupId: group._id, wxid, kind: 'leave', day: chinaDateKey(now), at: now })) result.left += 1;
    }
    return result;
  }

  /** The residents bound to these WeChat ids (an identity bound to staff is not a resident). */
  private async residentsByWxid(wxids: string[]): Promise<Map<string, Types.ObjectId>> {
    if (wxids.length === 0) return new Map();
    const identities = await findByIds<{ _id: string; residentId: Types.ObjectId | null }>(GroupIdentityModel, wxids, { residentId: 1 });
    return new Map(identities.flatMap((identity) => (identity.residentId ? [[String(identity._id), identity.residentId] as const] : [])));
  }

  /**
   * The active definition's `joined_group`: a resident in a store's group. Once per resident and
   * group (the key), so leaving and joining again does not count again.
   */
  private async recordJoinedGroup(group: GroupRecord, residentId: Types.ObjectId, at: Date): Promise<void> {
    await this.deps.tasks.recordEvent({
      residentId,
      type: 'joined_group',
      idempotencyKey: `joined_group:${group._id}:${residentId}`,
      occurredAt: at,
      source: 'bot',
      meta: { groupId: String(group._id) },
    });
  }

  /**
   * A member bound their WeChat identity to a resident (the bot heard their identity code): the
   * groups they are in now count as joined, on the day of the binding, since only now is it known
   * who joined. A join the bot sees after the binding counts when it happens (`syncMembers`).
   */
  async onResidentIdentityBound(wxid: string, residentId: Types.ObjectId, now: Date): Promise<void> {
    const memberships = await GroupMemberModel.find({ wxid, leftAt: null }, { groupId: 1 }).lean<GroupMemberRecord[]>();
    for (const membership of memberships) {
      const group = await GroupModel.findById(membership.groupId).lean<GroupRecord>();
      if (group) await this.recordJoinedGroup(group, residentId, now);
    }
  }

  /**
   * 签到: once per resident per China-time day (the day of `at`, so a check-in delivered late
   * keeps its day). The task event key `group_checkin:<resident>:<day>` makes it count once.
   */
  async checkin(input: CheckinInput): Promise<CheckinResult> {
    const at = new Date(input.at);
    const day = chinaDateKey(at);
    const none = (status: CheckinResult['status']): CheckinResult => ({ status, day, pointsEarned: 0, available: null });
    const group = await this.groupByRoom(input.roomId);
    if (!group) return none('group_not_bound');
    if (!(await this.settings.effective(group)).checkinEnabled) return none('disabled');
    const identity = await GroupIdentityModel.findById(input.wxid).lean();
    if (!identity?.residentId) return none('not_bound');
    const residentId = identity.residentId;
    await insertOnce(GroupCheckinModel, { _id: `${residentId}:${day}`, residentId, groupId: group._id, day, at });
    const event = await this.deps.tasks.recordEvent({
      residentId,
      type: 'group_checkin',
      idempotencyKey: `group_checkin:${residentId}:${day}`,
      occurredAt: at,
      source: 'bot',
      meta: { groupId: String(group._id) },
    });
    let pointsEarned = 0;
    if (!event.duplicate) {
      const completedIds = event.tasks.filter((task) => task.state === 'completed').map((task) => new Types.ObjectId(task.taskId));
      const completions = await TaskCompletionModel.find({ residentId, taskId: { $in: completedIds } }).lean();
      pointsEarned = completions.filter((completion) => completion.completedAt.getTime() === at.getTime()).reduce((sum, completion) => sum + completion.rewardPoints, 0);
      await GroupCheckinModel.updateOne({ _id: `${residentId}:${day}` }, { $set: { pointsEarned } });
    }
    const balance = await this.deps.points.balance(residentId);
    return { status: event.duplicate ? 'already_checked_in' : 'checked_in', day, pointsEarned, available: balance.available };
  }

  /** Per-member message counts for a day, as reported (each report once, by its event id). */
  async recordActivity(eventId: string, roomId: string, day: string, counts: { wxid: string; messages: number }[], at: Date): Promise<void> {
    const group = await this.groupByRoom(roomId);
    if (!group) return;
    await insertOnce(GroupActivityModel, { _id: eventId, groupId: group._id, day, counts, at });
  }

  /** The bot answered a resident's question: stored once per message (a duplicate report is a no-op); an unbound room is ignored. */
  async recordAnswer(report: { roomId: string; messageId: string; faqId: string | null; askedAt: Date }, at: Date): Promise<void> {
    const group = await this.groupByRoom(report.roomId);
    if (!group) return;
    await insertOnce(GroupAnswerModel, {
      _id: `${report.roomId}:${report.messageId}`,
      groupId: group._id,
      roomId: report.roomId,
      messageId: report.messageId,
      faqId: report.faqId,
      day: chinaDateKey(report.askedAt),
      askedAt: report.askedAt,
      at,
    });
  }

  async stats(group: GroupRecord, day: string): Promise<GroupStats> {
    const [members, perMember, joins, leaves, checkins, moderationActions, questionsAnswered, questionsToStaff, credited] = await Promise.all([
      GroupMemberModel.countDocuments({ groupId: group._id, leftAt: null }),
      GroupActivityModel.aggregate<{ _id: string; messages: number }>([
        { $match: { groupId: group._id, day } },
        { $unwind: '$counts' },
        { $group: { _id: '$counts.wxid', messages: { $sum: '$counts.messages' } } },
      ]),
      GroupMemberEventModel.countDocuments({ groupId: group._id, day, kind: 'join' }),
      GroupMemberEventModel.countDocuments({ groupId: group._id, day, kind: 'leave' }),
      GroupCheckinModel.countDocuments({ groupId: group._id, day }),
      GroupModerationCaseModel.countDocuments({ groupId: group._id, day }),
      GroupAnswerModel.countDocuments({ groupId: group._id, day }),
      // Tickets keep their instant, not a day key: the day's China-time bounds.
      TicketModel.countDocuments({ groupId: group._id, createdAt: { $gte: chinaDayStart(day), $lt: chinaDayStart(addDays(day, 1)) } }),
      creditedByDay(group._id, day),
    ]);
    const messages = perMember.reduce((sum, row) => sum + row.messages, 0);
    return {
      groupId: String(group._id),
      day,
      members,
      messages,
      activeMembers: perMember.length,
      messagesPerMember: members > 0 ? Math.round((messages / members) * 100) / 100 : 0,
      joins,
      leaves,
      checkins,
      moderationActions,
      questionsAnswered,
      questionsToStaff,
      ordersCredited: credited.get(day)?.orders ?? 0,
      revenueCreditedCents: credited.get(day)?.cents ?? 0,
    };
  }

  /* ------------------------------------------------------------ FAQ */

  async listFaqs(staff: StaffPrincipal, storeId?: string): Promise<FaqEntry[]> {
    const filter = storeId ? { storeId: { $in: [null, (await assertStoreAccess(staff, toObjectId(storeId)))._id] } } : { $or: [{ storeId: null }, await storeFilter(staff)] };
    const faqs = await GroupFaqModel.find({ active: true, ...filter }).sort({ createdAt: 1 }).lean<GroupFaqRecord[]>();
    return faqs.map(faqView);
  }

  async createFaq(staff: StaffPrincipal, input: FaqInput): Promise<FaqEntry> {
    if (input.storeId) await assertStoreAccess(staff, toObjectId(input.storeId));
    else if (staff.role !== 'admin' && staff.role !== 'city_ops') throw AppError.forbidden('只有管理员和城市运营可以添加所有门店通用的问答');
    const faq = await GroupFaqModel.create({ storeId: input.storeId ? toObjectId(input.storeId) : null, questions: input.questions, answer: input.answer, createdBy: staff.id });
    return faqView(faq.toObject() as GroupFaqRecord);
  }

  async removeFaq(staff: StaffPrincipal, faqId: string): Promise<void> {
    const faq = await GroupFaqModel.findById(toObjectId(faqId)).lean();
    if (!faq) throw AppError.notFound('问答条目');
    if (faq.storeId) await assertStoreAccess(staff, faq.storeId);
    else if (staff.role !== 'admin' && staff.role !== 'city_ops') throw AppError.forbidden('只有管理员和城市运营可以删除所有门店通用的问答');
    await GroupFaqModel.updateOne({ _id: faq._id }, { $set: { active: false } });
  }

  /* ------------------------------------------------------------ staff commands said to the bot */

  /** The staff member behind a WeChat id, allowed to manage this room's store. */
  async staffActor(roomId: string, wxid: string): Promise<{ group: GroupRecord; staff: StaffPrincipal }> {
    const group = await this.requireGroupByRoom(roomId);
    const identity = await GroupIdentityModel.findById(wxid).lean();
    const record = identity?.staffId ? await StaffModel.findById(identity.staffId).lean() : null;
    if (!record || !record.active) throw new AppError('NOT_STAFF', '只有本店工作人员可以使用这个指令', 403);
    const staff: StaffPrincipal = { id: record._id, name: record.name, role: record.role, storeId: record.storeId ?? null, cityId: record.cityId ?? null };
    if (!canAccessStore(staff, { _id: group.storeId, cityId: group.cityId })) throw new AppError('NOT_STAFF', '只有本店工作人员可以使用这个指令', 403);
    return { group, staff };
  }

  async addFaqFromBot(roomId: string, wxid: string, questions: string[], answer: string): Promise<string> {
    const { group, staff } = await this.staffActor(roomId, wxid);
    await GroupFaqModel.create({ storeId: group.storeId, questions, answer, createdBy: staff.id });
    return `已添加问答：${questions.join(' / ')}`;
  }

  async removeFaqFromBot(roomId: string, wxid: string, question: string): Promise<string> {
    const { group } = await this.staffActor(roomId, wxid);
    const faqs = await GroupFaqModel.find({ active: true, storeId: group.storeId }).lean<GroupFaqRecord[]>();
    const match = matchFaq(question, faqs.map((faq) => ({ id: String(faq._id), questions: faq.questions })), 0.85);
    if (!match) return `没有找到问答“${question}”（只能删除本店添加的问答）`;
    await GroupFaqModel.updateOne({ _id: toObjectId(match.id) }, { $set: { active: false } });
    return `已删除问答：${match.question}`;
  }

  async announceFromBot(roomId: string, wxid: string, text: string, now = new Date()): Promise<string> {
    const { group, staff } = await this.staffActor(roomId, wxid);
    await this.deliveries.createBroadcast(staff, { audience: 'group', groupId: String(group._id), text }, now);
    return '公告已排队，马上发出';
  }

  async pauseFromBot(roomId: string, wxid: string, paused: boolean): Promise<string> {
    const { group } = await this.staffActor(roomId, wxid);
    // Any staff member of the store may pause the bot in its group, advisors included.
    await this.settings.update(null, 'group', group._id, { paused });
    return paused ? '好的，我先暂停本群的自动回复和管理，发送“恢复”即可继续。' : '我回来了，继续为大家服务！';
  }

  async offerFromBot(roomId: string, wxid: string, text: string, now = new Date()): Promise<string> {
    const { group } = await this.staffActor(roomId, wxid);
    await GroupOfferModel.create({ storeId: group.storeId, day: chinaDateKey(now), text, createdAt: now });
    return `已记录今日特惠：${text}`;
  }

  async statsFromBot(roomId: string, wxid: string, now = new Date()): Promise<GroupStats> {
    const { group } = await this.staffActor(roomId, wxid);
    return this.stats(group, chinaDateKey(now));
  }
}
