import { Types } from 'mongoose';
import { conditionLabelKeys, conditionLeaves, matchesCondition } from '@o2o/shared/rules/audience';
import {
  audienceConditionSchema,
  type Audience,
  type AudienceCondition,
  type AudienceCount,
  type AudienceGroups,
  type AudienceMembers,
  type CreateAudience,
  type UpdateAudience,
} from '@o2o/shared/schemas/audiences';
import type { BroadcastAudiences } from '../groups/deliveries.service';
import { AppError } from '../../lib/app-error';
import { idString, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { GroupIdentityModel, GroupMemberModel, GroupModel } from '../groups/groups.model';
import { streamCollection } from '../labels/label-facts';
import type { CatalogueEntry } from '../labels/labels.catalogue';
import { ResidentLabelsModel, type ResidentLabelsRecord } from '../labels/labels.model';
import type { LabelService } from '../labels/labels.service';
import { CityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { assertStoreAccess } from '../staff/staff-scope';
import type { AudienceResolver } from './audience-resolver';
import { AudienceModel, type AudienceRecord } from './audiences.model';

/** Where an audience reaches: one store, one city, or (admins only) everyone. */
export interface AudienceScope {
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
}

const LOOKUP_BATCH = 50;
/** `any` of nothing is false for everyone. */
const NOBODY: AudienceCondition = { any: [] };

type LabelDoc = { _id: Types.ObjectId; storeId?: Types.ObjectId | null; cityId?: Types.ObjectId | null; labels?: { key: string; values: string[] }[] };

const labelMap = (doc: Pick<LabelDoc, 'labels'>) => new Map((doc.labels ?? []).map((label) => [label.key, label.values ?? []]));

function inScope(doc: Pick<LabelDoc, 'storeId' | 'cityId'>, scope: AudienceScope): boolean {
  if (scope.storeId) return Boolean(doc.storeId && scope.storeId.equals(doc.storeId));
  if (scope.cityId) return Boolean(doc.cityId && scope.cityId.equals(doc.cityId));
  return true;
}

export function audienceView(record: AudienceRecord): Audience {
  return {
    id: String(record._id),
    name: record.name,
    description: record.description ?? '',
    storeId: idString(record.storeId),
    cityId: idString(record.cityId),
    conditions: record.conditions,
    createdBy: idString(record.createdBy),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

/** Runs `work` over `items` with at most `LOOKUP_BATCH` in flight (parallel `_id` lookups). */
async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += LOOKUP_BATCH) results.push(...(await Promise.all(items.slice(start, start + LOOKUP_BATCH).map(work))));
  return results;
}

/**
 * Audiences: saved label conditions with a live count and member list, the targets of group
 * broadcasts, special tasks and subscribe-message pushes. Counting streams `resident_labels` once
 * (only the audience's store or city) and matches in the process.
 */
export class AudienceService implements AudienceResolver, BroadcastAudiences {
  constructor(private readonly labels: LabelService) {}

  // ---- AudienceResolver ------------------------------------------------------------------------

  async describe(audienceId: string): Promise<{ id: string; name: string } | null> {
    const record = await this.find(audienceId);
    return record ? { id: String(record._id), name: record.name } : null;
  }

  async memberIds(audienceId: string): Promise<Types.ObjectId[]> {
    const record = await this.find(audienceId);
    if (!record) return [];
    const ids: Types.ObjectId[] = [];
    await this.scan(this.scopeOf(record), this.conditionOf(record), (doc) => ids.push(doc._id));
    return ids;
  }

  /** Whether one resident is in the audience now (two `_id` lookups; labels computed if missing). */
  async isMember(audienceId: string | Types.ObjectId, residentId: Types.ObjectId): Promise<boolean> {
    const record = await this.find(String(audienceId));
    if (!record) return false;
    const doc = (await ResidentLabelsModel.findById(residentId).lean<ResidentLabelsRecord>()) ?? (await this.labels.refreshResident(residentId));
    return Boolean(doc && inScope(doc, this.scopeOf(record)) && matchesCondition(this.conditionOf(record), labelMap(doc)));
  }

  // ---- staff operations ------------------------------------------------------------------------

  async list(staff: StaffPrincipal): Promise<Audience[]> {
    const records = await AudienceModel.find().lean<AudienceRecord[]>();
    const visible = await Promise.all(records.map((record) => this.canManage(staff, record)));
    return records.filter((_, index) => visible[index]).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map(audienceView);
  }

  async get(staff: StaffPrincipal, audienceId: string): Promise<Audience> {
    return audienceView(await this.managed(staff, audienceId));
  }

  async create(staff: StaffPrincipal, input: CreateAudience): Promise<Audience> {
    const scope = await this.resolveScope(staff, input);
    await this.validateConditions(input.conditions, 'body.conditions');
    const created = await AudienceModel.create({ name: input.name, description: input.description, ...scope, conditions: input.conditions, createdBy: staff.id, updatedBy: staff.id });
    return audienceView(created.toObject() as unknown as AudienceRecord);
  }

  async update(staff: StaffPrincipal, audienceId: string, patch: UpdateAudience): Promise<Audience> {
    const existing = await this.managed(staff, audienceId);
    const scopeChanged = patch.storeId !== undefined || patch.cityId !== undefined;
    const scope = scopeChanged
      ? await this.resolveScope(staff, { storeId: patch.storeId ?? null, cityId: patch.cityId ?? null })
      : this.scopeOf(existing);
    if (patch.conditions) await this.validateConditions(patch.conditions, 'body.conditions');
    const fields = { ...patch, ...scope, updatedBy: staff.id };
    const updated = await AudienceModel.findOneAndUpdate({ _id: existing._id }, { $set: fields }, { returnDocument: 'after' }).lean<AudienceRecord>();
    if (!updated) throw AppError.notFound('人群');
    return audienceView(updated);
  }

  async remove(staff: StaffPrincipal, audienceId: string): Promise<void> {
    const existing = await this.managed(staff, audienceId);
    await AudienceModel.deleteOne({ _id: existing._id });
  }

  async count(staff: StaffPrincipal, audienceId: string, now = new Date()): Promise<AudienceCount> {
    const record = await this.managed(staff, audienceId);
    return this.countMatching(this.scopeOf(record), this.conditionOf(record), now);
  }

  /** The count for conditions not saved yet, in the scope the caller would get on saving. */
  async preview(staff: StaffPrincipal, input: { storeId: string | null; cityId: string | null; conditions: AudienceCondition }, now = new Date()): Promise<AudienceCount> {
    const scope = await this.resolveScope(staff, input);
    await this.validateConditions(input.conditions, 'body.conditions');
    return this.countMatching(scope, input.conditions, now);
  }

  /** A page of members, by resident id, with nickname, store, community and the labels the conditions use. */
  async members(staff: StaffPrincipal, audienceId: string, page: { limit: number; offset: number }): Promise<AudienceMembers> {
    const record = await this.managed(staff, audienceId);
    const condition = this.conditionOf(record);
    const ids: string[] = [];
    await this.scan(this.scopeOf(record), condition, (doc) => ids.push(String(doc._id)));
    ids.sort();
    const keys = conditionLabelKeys(condition);
    const items = await inBatches(ids.slice(page.offset, page.offset + page.limit), async (id) => {
      const [resident, labels] = await Promise.all([
        ResidentModel.findById(id, { nickname: 1, storeId: 1, communityId: 1 }).lean(),
        ResidentLabelsModel.findById(id, { labels: 1 }).lean<Pick<ResidentLabelsRecord, 'labels'>>(),
      ]);
      const values = labelMap(labels ?? {});
      return {
        residentId: id,
        nickname: resident?.nickname ?? null,
        storeId: idString(resident?.storeId),
        communityId: idString(resident?.communityId),
        labels: keys.map((key) => ({ key, values: [...(values.get(key) ?? [])] })),
      };
    });
    return { total: ids.length, items };
  }

  /**
   * The community groups the audience's members are in now, with how many members each: staff pick
   * the groups to broadcast to. Streams identities and memberships once each.
   */
  async groups(staff: StaffPrincipal, audienceId: string): Promise<AudienceGroups> {
    const { members, perGroup, inAnyGroup } = await this.memberGroups(await this.managed(staff, audienceId));
    const groups = await inBatches([...perGroup.keys()], async (groupId) => ({ groupId, group: await GroupModel.findById(groupId, { topic: 1, storeId: 1 }).lean() }));
    return {
      members,
      membersInGroups: inAnyGroup,
      groups: groups
        .filter(({ group }) => group !== null)
        .map(({ groupId, group }) => ({ groupId, topic: group!.topic ?? '', storeId: String(group!.storeId), members: perGroup.get(groupId)! }))
        .sort((a, b) => b.members - a.members || (a.groupId < b.groupId ? -1 : 1)),
    };
  }

  // ---- group broadcasts (BroadcastAudiences) -----------------------------------------------------

  /** For a broadcast to an audience: 404 or 403 unless the staff member manages it; its scope. */
  async scopeFor(staff: StaffPrincipal | null, audienceId: string): Promise<{ storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }> {
    const record = staff ? await this.managed(staff, audienceId) : await this.find(audienceId);
    if (!record) throw AppError.notFound('人群');
    return this.scopeOf(record);
  }

  /** The groups holding at least `minMembers` of the audience's members now; none when it was deleted. */
  async groupIdsOf(audienceId: string, minMembers: number): Promise<Types.ObjectId[]> {
    const record = await this.find(audienceId);
    if (!record) return [];
    const { perGroup } = await this.memberGroups(record);
    return [...perGroup].filter(([, count]) => count >= minMembers).map(([groupId]) => new Types.ObjectId(groupId));
  }

  /** Members, and per group how many of them are in it now. Streams labels, identities and memberships once each. */
  private async memberGroups(record: AudienceRecord): Promise<{ members: number; inAnyGroup: number; perGroup: Map<string, number> }> {
    const members = new Set<string>();
    await this.scan(this.scopeOf(record), this.conditionOf(record), (doc) => members.add(String(doc._id)));
    const residentOfWxid = new Map<string, string>();
    await streamCollection<{ _id: string; residentId: Types.ObjectId }>(GroupIdentityModel.collection, { residentId: { $ne: null } }, { residentId: 1 }, (doc) => {
      if (members.has(String(doc.residentId))) residentOfWxid.set(doc._id, String(doc.residentId));
    });
    const perGroup = new Map<string, Set<string>>();
    const inAnyGroup = new Set<string>();
    await streamCollection<{ groupId: Types.ObjectId; wxid: string }>(GroupMemberModel.collection, { leftAt: null }, { groupId: 1, wxid: 1 }, (doc) => {
      const residentId = residentOfWxid.get(doc.wxid);
      if (!residentId) return;
      const key = String(doc.groupId);
      perGroup.set(key, (perGroup.get(key) ?? new Set()).add(residentId));
      inAnyGroup.add(residentId);
    });
    return { members: members.size, inAnyGroup: inAnyGroup.size, perGroup: new Map([...perGroup].map(([groupId, set]) => [groupId, set.size])) };
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Rejects label keys that do not exist or are switched off, and values a label cannot have, naming each path. */
  async validateConditions(condition: AudienceCondition, where: string): Promise<void> {
    const entries = new Map((await this.labels.catalogue.entries()).map((entry) => [entry.key, entry]));
    const details = conditionLeaves(condition).flatMap(({ leaf, path }) => {
      const at = [where, ...path].join('.');
      const entry = entries.get(leaf.label);
      if (!entry) return [{ path: `${at}.label`, message: `unknown label ${leaf.label}` }];
      if (!entry.active) return [{ path: `${at}.label`, message: `label ${leaf.label} is switched off` }];
      if (leaf.op === 'exists') return [];
      const values = leaf.op === 'eq' || leaf.op === 'ne' ? [{ value: leaf.value, path: `${at}.value` }] : leaf.values.map((value, index) => ({ value, path: `${at}.values.${index}` }));
      return values.flatMap(({ value, path: valuePath }) => {
        const problem = valueProblem(entry, value);
        return problem ? [{ path: valuePath, message: problem }] : [];
      });
    });
    if (details.length > 0) throw AppError.badRequest('人群条件里有不存在的标签或标签值', details);
  }

  private async countMatching(scope: AudienceScope, condition: AudienceCondition, now: Date): Promise<AudienceCount> {
    let count = 0;
    const scanned = await this.scan(scope, condition, () => {
      count += 1;
    });
    return { count, scanned, computedAt: now.toISOString() };
  }

  /** Streams the label documents in scope once; calls `onMatch` for each matching one. Returns how many were looked at. */
  private async scan(scope: AudienceScope, condition: AudienceCondition, onMatch: (doc: LabelDoc) => void): Promise<number> {
    const filter = scope.storeId ? { storeId: scope.storeId } : scope.cityId ? { cityId: scope.cityId } : {};
    return streamCollection<LabelDoc>(ResidentLabelsModel.collection, filter, { storeId: 1, cityId: 1, labels: 1 }, (doc) => {
      if (inScope(doc, scope) && matchesCondition(condition, labelMap(doc))) onMatch(doc);
    });
  }

  private async find(audienceId: string): Promise<AudienceRecord | null> {
    if (!Types.ObjectId.isValid(audienceId) || !/^[0-9a-f]{24}$/i.test(audienceId)) return null;
    return AudienceModel.findById(audienceId).lean<AudienceRecord>();
  }

  private async managed(staff: StaffPrincipal, audienceId: string): Promise<AudienceRecord> {
    const record = await this.find(audienceId);
    if (!record) throw AppError.notFound('人群');
    if (!(await this.canManage(staff, record))) throw AppError.forbidden('这个人群不在你的负责范围内');
    return record;
  }

  private scopeOf(record: Pick<AudienceRecord, 'storeId' | 'cityId'>): AudienceScope {
    return { storeId: record.storeId ?? null, cityId: record.cityId ?? null };
  }

  /** A stored condition is re-validated on read; one that no longer parses matches nobody. */
  private conditionOf(record: AudienceRecord): AudienceCondition {
    const parsed = audienceConditionSchema.safeParse(record.conditions);
    return parsed.success ? parsed.data : NOBODY;
  }

  /** Admin: any audience; city ops: their city's and its stores'; a manager: their store's; advisors: none. */
  private async canManage(staff: StaffPrincipal, record: Pick<AudienceRecord, 'storeId' | 'cityId'>): Promise<boolean> {
    switch (staff.role) {
      case 'admin':
        return true;
      case 'city_ops': {
        if (record.cityId) return Boolean(staff.cityId?.equals(record.cityId));
        if (!record.storeId) return false;
        const store = await StoreModel.findById(record.storeId, { cityId: 1 }).lean();
        return Boolean(store && staff.cityId?.equals(store.cityId));
      }
      case 'store_manager':
        return Boolean(record.storeId && staff.storeId?.equals(record.storeId));
      default:
        return false;
    }
  }

  /**
   * The scope an audience gets: a store manager's is always their store; city ops' their city or
   * one of its stores; an admin's whatever they ask (a store, a city, or everyone).
   */
  private async resolveScope(staff: StaffPrincipal, input: { storeId: string | null; cityId: string | null }): Promise<AudienceScope> {
    if (input.storeId && input.cityId) throw AppError.badRequest('人群只能限定在一个门店或一个城市，不能同时限定', [{ path: 'body.cityId', message: 'give storeId or cityId, not both' }]);
    if (staff.role === 'store_manager') {
      if (!staff.storeId) throw AppError.forbidden('你还没有归属门店');
      if ((input.storeId && input.storeId.toLowerCase() !== String(staff.storeId)) || input.cityId) throw AppError.forbidden('店长创建的人群只能限定在自己的门店');
      return { storeId: staff.storeId, cityId: null };
    }
    if (input.storeId) return { storeId: (await assertStoreAccess(staff, toObjectId(input.storeId)))._id, cityId: null };
    if (staff.role === 'city_ops') {
      if (!staff.cityId) throw AppError.forbidden('你还没有归属城市');
      if (input.cityId && input.cityId.toLowerCase() !== String(staff.cityId)) throw AppError.forbidden('这个城市不在你的负责范围内');
      return { storeId: null, cityId: staff.cityId };
    }
    if (input.cityId && !(await CityModel.exists({ _id: toObjectId(input.cityId) }))) throw AppError.notFound('城市');
    return { storeId: null, cityId: input.cityId ? toObjectId(input.cityId) : null };
  }
}

/** Why a label cannot have this value, or null when it can. */
function valueProblem(entry: CatalogueEntry, value: string): string | null {
  if (entry.valueFormat === 'objectId') return /^[0-9a-f]{24}$/i.test(value) ? null : `label ${entry.key} takes a 24-character id`;
  if (entry.valueFormat === 'text') return null;
  return entry.values.some((option) => option.value === value) ? null : `label ${entry.key} has no value ${value}; one of ${entry.values.map((option) => option.value).join(', ')}`;
}
