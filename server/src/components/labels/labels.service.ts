import mongoose, { Types, type mongo } from 'mongoose';
import { DEFAULT_ACTIVE_DEFINITION } from '@o2o/shared/rules/metrics';
import { computeLabels, factWindows, type ManualLabelRef, type ResidentFacts, type StoredLabel } from '@o2o/shared/rules/labels';
import type { LabelRule, RecomputeResult, ResidentLabel, ResidentLabels } from '@o2o/shared/schemas/labels';
import { AppError } from '../../lib/app-error';
import { buildCollectionName, swapInBuild } from '../../lib/collection-swap';
import type { Logger } from '../../lib/logger';
import type { StaffPrincipal } from '../auth/auth.guard';
import { FraudFlagModel, InviteModel } from '../invites/invite.model';
import { GroupActivityModel, GroupCheckinModel, GroupIdentityModel, GroupMemberModel } from '../groups/groups.model';
import { ResidentInterestModel } from '../interest/interest.model';
import { OrderModel } from '../orders/orders.model';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskEventModel, TaskProgressMarkModel } from '../tasks/tasks.model';
import { LabelRefresher } from './label-refresher';
import { FactsBuilder, PROJECTIONS, streamCollection, type FactContext, type NewbieTaskRef, type StoreRef } from './label-facts';
import { LabelCatalogue, type CatalogueEntry } from './labels.catalogue';
import { ManualLabelModel, manualLabelId, ResidentLabelsModel, type ManualLabelRecord, type ResidentLabelsRecord } from './labels.model';
import { isDuplicateKey } from '../../db/unique-insert';

const WRITE_BATCH = 1000;
const LABELS_COLLECTION = ResidentLabelsModel.collection.collectionName;
type Collection = mongo.Collection;

export interface LabelServiceOptions {
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Task event types that count as activity; the metrics' active definition by default. */
  activityTypes?: readonly string[];
  /** Refreshes at once after events; default 4. */
  refreshConcurrency?: number;
  /** Where a refresh off the caller's path goes; the service's own refresher by default. */
  scheduleRefresh?: (residentId: Types.ObjectId) => void;
}

type Base = Omit<FactContext, 'stores' | 'communities'> & { entries: CatalogueEntry[] };
type ResidentDoc = { _id: Types.ObjectId; registeredAt: Date; storeId?: Types.ObjectId | null; communityId?: Types.ObjectId | null };

/**
 * Rule, interest and manual labels of residents. `refreshResident` recomputes one resident with
 * that resident's own queries (after an event); `recomputeAll` recomputes everyone, streaming each
 * source collection once (nightly). Both write the resident's whole label document, so rerunning
 * either repairs whatever a crash or a failed refresh left behind.
 */
export class LabelService {
  readonly catalogue = new LabelCatalogue();
  /** While a recompute runs: the residents refreshed meanwhile, to refresh again after its swap. */
  private touchedDuringRecompute: Map<string, Types.ObjectId> | null = null;
  /** Refreshes residents soon after orders and task events (`schedule`); `idle()` waits for it. */
  readonly refresher: LabelRefresher;
  private readonly scheduleRefresh: (residentId: Types.ObjectId) => void;
  private readonly activityTypes: readonly string[];

  constructor(private readonly options: LabelServiceOptions) {
    this.activityTypes = options.activityTypes ?? DEFAULT_ACTIVE_DEFINITION.eventTypes;
    this.refresher = new LabelRefresher((residentId) => this.refreshResident(residentId), options.logger, options.refreshConcurrency);
    this.scheduleRefresh = options.scheduleRefresh ?? ((residentId) => this.refresher.schedule(residentId));
  }

  /** Recomputes one resident's labels now; deletes them when the resident no longer exists. */
  async refreshResident(residentId: Types.ObjectId, now = new Date()): Promise<ResidentLabelsRecord | null> {
    this.touchedDuringRecompute?.set(String(residentId), residentId);
    const resident = await ResidentModel.findById(residentId, PROJECTIONS.residents).lean<ResidentDoc>();
    if (!resident) {
      await ResidentLabelsModel.deleteOne({ _id: residentId });
      return null;
    }
    const base = await this.base(now);
    const [stores, communities] = await Promise.all([this.storesOf(resident.storeId ? [resident.storeId] : []), this.communitiesOf(resident.communityId ? [resident.communityId] : [])]);
    const builder = new FactsBuilder({ ...base, stores, communities });
    builder.addResident(resident);
    await this.feedOne(builder, residentId, base);
    const [manual, previous] = await Promise.all([
      ManualLabelModel.find({ residentId }).lean<ManualLabelRecord[]>(),
      ResidentLabelsModel.findById(residentId, { labels: 1 }).lean<Pick<ResidentLabelsRecord, 'labels'>>(),
    ]);
    const record = this.recordFromFacts(builder.take(String(residentId))!, base, stores, manual, previous?.labels ?? [], now);
    await this.writeOne(residentId, record);
    return { _id: residentId, ...record };
  }

  /**
   * Recomputes every resident: reads each source collection once into per-resident facts, streams
   * the stored label documents once for their previous values (so unchanged labels keep `setAt`),
   * writes every resident's document into a new collection and swaps it in (rewriting documents in
   * place costs a collection scan each on the embedded database). Residents that no longer exist
   * are simply not written. A crash leaves the previous labels in place; a rerun repairs. Residents
   * refreshed in this process while it ran are refreshed again after the swap, so an event seen
   * mid-run is not overwritten by facts read before it.
   */
  async recomputeAll(now = new Date()): Promise<RecomputeResult> {
    if (this.touchedDuringRecompute) throw AppError.conflict('标签正在重新计算，请稍后再试');
    this.touchedDuringRecompute = new Map();
    try {
      const result = await this.runRecompute(now);
      const touched = [...this.touchedDuringRecompute.values()];
      this.touchedDuringRecompute = null;
      // Handed to the refresher: on the embedded database at scale each refresh takes a minute, and
      // the job should not hold its lease for them.
      for (const residentId of touched) this.scheduleRefresh(residentId);
      this.options.logger.info({ ...result, refreshedAfter: touched.length }, 'labels recomputed');
      return result;
    } finally {
      this.touchedDuringRecompute = null;
    }
  }

  private async runRecompute(now: Date): Promise<RecomputeResult> {
    const started = Date.now();
    const base = await this.base(now);
    const [stores, communities] = await Promise.all([this.storesOf(null), this.communitiesOf(null)]);
    const builder = new FactsBuilder({ ...base, stores, communities });
    await this.feedAll(builder, base);
    const manual = await this.allManualLabels();
    const build = buildCollectionName(LABELS_COLLECTION);
    const writer = new BatchInserter(mongoose.connection.collection(build));
    let residents = 0;
    let removed = 0;
    const emit = (residentId: string, facts: ResidentFacts, previous: StoredLabel[]) => {
      residents += 1;
      const record = this.recordFromFacts(facts, base, stores, manual.get(residentId) ?? [], previous, now);
      return writer.insert({ _id: new Types.ObjectId(residentId), ...record });
    };
    for await (const doc of ResidentLabelsModel.collection.find({}, { projection: { labels: 1 }, batchSize: WRITE_BATCH })) {
      const id = String(doc._id);
      const facts = builder.take(id);
      if (facts === undefined) removed += 1;
      else if (facts !== null) await emit(id, facts, (doc.labels ?? []) as StoredLabel[]);
    }
    for (const [id, facts] of builder.facts) if (facts) await emit(id, facts, []);
    await writer.flush();
    await swapInBuild(LABELS_COLLECTION, build);
    return { residents, written: writer.written, removed, durationMs: Date.now() - started };
  }

  /** A resident's labels with display names; computed on the spot when they never were. */
  async residentLabels(residentId: Types.ObjectId): Promise<ResidentLabels> {
    const stored = (await ResidentLabelsModel.findById(residentId).lean<ResidentLabelsRecord>()) ?? (await this.refreshResident(residentId));
    if (!stored) throw AppError.notFound('居民');
    const entries = new Map((await this.catalogue.entries()).map((entry) => [entry.key, entry]));
    const labels = await Promise.all(stored.labels.flatMap((label) => {
      const entry = entries.get(label.key);
      return entry ? [this.labelView(label, entry)] : [];
    }));
    return { residentId: String(residentId), computedAt: stored.computedAt.toISOString(), labels };
  }

  /** Sets a manual label (the same value again keeps its `setAt`), then refreshes the resident. */
  async setManual(staff: StaffPrincipal, residentId: Types.ObjectId, key: string, input: { value: string; reason: string }, now = new Date()): Promise<ResidentLabels> {
    const entry = await this.manualEntry(key);
    if (!entry.values.some((option) => option.value === input.value)) {
      throw AppError.badRequest(`标签「${entry.name}」没有这个取值`, [{ path: 'body.value', message: `one of ${entry.values.map((option) => option.value).join(', ')}` }]);
    }
    const id = manualLabelId(residentId, key);
    const existing = await ManualLabelModel.findById(id).lean<ManualLabelRecord>();
    const setAt = existing?.value === input.value ? existing.setAt : now;
    await ManualLabelModel.replaceOne({ _id: id }, { residentId, key, value: input.value, reason: input.reason, setAt, setBy: staff.id }, { upsert: true });
    await this.refreshResident(residentId, now);
    return this.residentLabels(residentId);
  }

  /** Removes a manual label (nothing to remove is fine), then refreshes the resident. */
  async unsetManual(residentId: Types.ObjectId, key: string, now = new Date()): Promise<ResidentLabels> {
    await this.manualEntry(key);
    await ManualLabelModel.deleteOne({ _id: manualLabelId(residentId, key) });
    await this.refreshResident(residentId, now);
    return this.residentLabels(residentId);
  }

  private async manualEntry(key: string): Promise<CatalogueEntry> {
    const entry = await this.catalogue.entry(key);
    if (!entry) throw AppError.notFound('标签');
    if (entry.kind !== 'manual') throw AppError.badRequest(`标签「${entry.name}」由系统计算，只有手动标签可以手工设置`, [{ path: 'params.key', message: 'not a manual label' }]);
    if (!entry.active) throw AppError.conflict(`标签「${entry.name}」已停用`);
    return entry;
  }

  private async labelView(label: StoredLabel, entry: CatalogueEntry): Promise<ResidentLabel> {
    const names = new Map(entry.values.map((option) => [option.value, option.name]));
    const values = await Promise.all(label.values.map(async (value) => ({ value, name: names.get(value) ?? (await this.openValueName(entry, value)) })));
    return { key: label.key, name: entry.name, category: entry.category, subcategory: entry.subcategory, kind: entry.kind, values, reason: label.reason, setAt: label.setAt.toISOString() };
  }

  /** Stores and communities are shown by name; other open values (categories) are their own name. */
  private async openValueName(entry: CatalogueEntry, value: string): Promise<string> {
    if (entry.valueFormat !== 'objectId' || !Types.ObjectId.isValid(value)) return value;
    const model = entry.rule?.name === 'community' ? CommunityModel : StoreModel;
    const found = await (model as typeof StoreModel).findById(value, { name: 1 }).lean<{ name: string }>();
    return found?.name ?? value;
  }

  private async base(now: Date): Promise<Base> {
    const entries = await this.catalogue.entries();
    const rules = entries.filter((entry) => entry.active && entry.rule).map((entry) => entry.rule as LabelRule);
    const tasks = await TaskDefinitionModel.find({ kind: 'newbie', active: true }, { storeId: 1, cityId: 1 }).lean();
    const newbieTasks: NewbieTaskRef[] = tasks.map((task) => ({ id: String(task._id), storeId: task.storeId ? String(task.storeId) : null, cityId: task.cityId ? String(task.cityId) : null }));
    return { entries, windows: factWindows(rules, now), activityTypes: this.activityTypes, newbieTasks };
  }

  /** Stores by id: the given ones by `_id`, or all of them (a small collection) when `ids` is null. */
  private async storesOf(ids: Types.ObjectId[] | null): Promise<Map<string, StoreRef>> {
    const stores = ids ? (await Promise.all(ids.map((id) => StoreModel.findById(id, { name: 1, cityId: 1 }).lean()))).filter((store) => store !== null) : await StoreModel.find({}, { name: 1, cityId: 1 }).lean();
    return new Map(stores.map((store) => [String(store._id), { name: store.name, cityId: store.cityId ? String(store.cityId) : null }]));
  }

  private async communitiesOf(ids: Types.ObjectId[] | null): Promise<Map<string, string>> {
    const communities = ids ? (await Promise.all(ids.map((id) => CommunityModel.findById(id, { name: 1 }).lean()))).filter((community) => community !== null) : await CommunityModel.find({}, { name: 1 }).lean();
    return new Map(communities.map((community) => [String(community._id), community.name]));
  }

  /** The one resident's documents from every source (per-resident queries: this is one resident). */
  private async feedOne(builder: FactsBuilder, residentId: Types.ObjectId, base: Base): Promise<void> {
    const newbieIds = base.newbieTasks.map((task) => new Types.ObjectId(task.id));
    const newbieFilter = { residentId, taskId: { $in: newbieIds } };
    const [orders, events, marks, completions, identities, checkins, invites, flags, interest] = await Promise.all([
      OrderModel.find({ residentId, state: 'completed' }, PROJECTIONS.orders).lean(),
      TaskEventModel.find({ residentId, type: { $in: [...base.activityTypes] as never[] } }, PROJECTIONS.taskEvents).lean(),
      newbieIds.length > 0 ? TaskProgressMarkModel.find(newbieFilter, PROJECTIONS.newbieProgress).lean() : [],
      newbieIds.length > 0 ? TaskCompletionModel.find(newbieFilter, PROJECTIONS.newbieProgress).lean() : [],
      GroupIdentityModel.find({ residentId }, PROJECTIONS.identities).lean<{ _id: string; residentId: Types.ObjectId }[]>(),
      GroupCheckinModel.find({ residentId }, PROJECTIONS.checkins).lean(),
      InviteModel.find({ inviterId: residentId }, PROJECTIONS.invites).lean(),
      FraudFlagModel.find({ inviterId: residentId, status: 'open' }, PROJECTIONS.flags).lean(),
      ResidentInterestModel.findById(residentId, PROJECTIONS.interests).lean(),
    ]);
    orders.forEach((doc) => builder.addOrder(doc));
    events.forEach((doc) => builder.addTaskEvent(doc));
    marks.forEach((doc) => builder.addNewbieProgress(doc, false));
    completions.forEach((doc) => builder.addNewbieProgress(doc, true));
    identities.forEach((doc) => builder.addIdentity(doc));
    checkins.forEach((doc) => builder.addCheckin(doc));
    invites.forEach((doc) => builder.addInvite(doc));
    flags.forEach((doc) => builder.addOpenFlag(doc));
    if (interest) builder.addInterest(interest);
    if (identities.length === 0) return;
    const wxids = identities.map((identity) => identity._id);
    const members = await GroupMemberModel.find({ wxid: { $in: wxids }, leftAt: null }, PROJECTIONS.members).lean();
    members.forEach((doc) => builder.addGroupMember(doc));
    // Message counts are nested per member: only the days on which one of the resident's wxids spoke.
    await streamCollection(GroupActivityModel.collection, { 'counts.wxid': { $in: wxids } }, PROJECTIONS.activity, (doc) => builder.addGroupActivity(doc as never));
  }

  /** Every source collection streamed once, with bounded batches. Identities come before members and messages. */
  private async feedAll(builder: FactsBuilder, base: Base): Promise<void> {
    await streamCollection<ResidentDoc>(ResidentModel.collection, {}, PROJECTIONS.residents, (doc) => builder.addResident(doc));
    await streamCollection(OrderModel.collection, { state: 'completed' }, PROJECTIONS.orders, (doc) => builder.addOrder(doc as never));
    await streamCollection(TaskEventModel.collection, { type: { $in: [...base.activityTypes] } }, PROJECTIONS.taskEvents, (doc) => builder.addTaskEvent(doc as never));
    if (base.newbieTasks.length > 0) {
      const filter = { taskId: { $in: base.newbieTasks.map((task) => new Types.ObjectId(task.id)) } };
      await streamCollection(TaskProgressMarkModel.collection, filter, PROJECTIONS.newbieProgress, (doc) => builder.addNewbieProgress(doc as never, false));
      await streamCollection(TaskCompletionModel.collection, filter, PROJECTIONS.newbieProgress, (doc) => builder.addNewbieProgress(doc as never, true));
    }
    await streamCollection(GroupIdentityModel.collection, { residentId: { $ne: null } }, PROJECTIONS.identities, (doc) => builder.addIdentity(doc as never));
    await streamCollection(GroupMemberModel.collection, { leftAt: null }, PROJECTIONS.members, (doc) => builder.addGroupMember(doc as never));
    await streamCollection(GroupActivityModel.collection, {}, PROJECTIONS.activity, (doc) => builder.addGroupActivity(doc as never));
    await streamCollection(GroupCheckinModel.collection, {}, PROJECTIONS.checkins, (doc) => builder.addCheckin(doc as never));
    await streamCollection(InviteModel.collection, {}, PROJECTIONS.invites, (doc) => builder.addInvite(doc as never));
    await streamCollection(FraudFlagModel.collection, { status: 'open' }, PROJECTIONS.flags, (doc) => builder.addOpenFlag(doc as never));
    await streamCollection(ResidentInterestModel.collection, {}, PROJECTIONS.interests, (doc) => builder.addInterest(doc as never));
  }

  private async allManualLabels(): Promise<Map<string, ManualLabelRef[]>> {
    const byResident = new Map<string, ManualLabelRef[]>();
    await streamCollection<ManualLabelRecord>(ManualLabelModel.collection, {}, { residentId: 1, key: 1, value: 1, reason: 1, setAt: 1 }, (doc) => {
      const id = String(doc.residentId);
      byResident.set(id, [...(byResident.get(id) ?? []), doc]);
    });
    return byResident;
  }

  /** The whole label document of a resident. */
  private recordFromFacts(facts: ResidentFacts, base: Base, stores: Map<string, StoreRef>, manual: ManualLabelRef[], previous: StoredLabel[], now: Date): Omit<ResidentLabelsRecord, '_id'> {
    const cityId = facts.storeId ? stores.get(facts.storeId)?.cityId ?? null : null;
    return {
      storeId: facts.storeId ? new Types.ObjectId(facts.storeId) : null,
      cityId: cityId ? new Types.ObjectId(cityId) : null,
      communityId: facts.communityId ? new Types.ObjectId(facts.communityId) : null,
      labels: computeLabels(base.entries, facts, manual, previous, now),
      computedAt: now,
    };
  }

  private async writeOne(residentId: Types.ObjectId, record: Omit<ResidentLabelsRecord, '_id'>): Promise<void> {
    try {
      await ResidentLabelsModel.collection.replaceOne({ _id: residentId }, record, { upsert: true });
    } catch (error) {
      // Two first refreshes both inserted: the other won; write over it.
      if (!isDuplicateKey(error)) throw error;
      await ResidentLabelsModel.collection.replaceOne({ _id: residentId }, record);
    }
  }
}

/** Inserts whole label documents into a fresh collection, in batches. */
class BatchInserter {
  written = 0;
  private docs: ResidentLabelsRecord[] = [];

  constructor(private readonly target: Collection) {}

  async insert(doc: ResidentLabelsRecord): Promise<void> {
    this.written += 1;
    this.docs.push(doc);
    if (this.docs.length >= WRITE_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.docs.length === 0) return;
    const docs = this.docs;
    this.docs = [];
    await this.target.insertMany(docs as never[], { ordered: false });
  }
}
