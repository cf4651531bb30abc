import type { Types } from 'mongoose';
import { DAY_MS } from '@o2o/shared/rules/china-time';
import { availableUntil, openPeriodKey, type TaskPeriod, type TaskTiming } from '@o2o/shared/rules/task-periods';
import {
  CLIENT_REPORTABLE_EVENT_TYPES,
  TASK_KINDS,
  taskDefinitionStateSchema,
  type CreateTaskDefinition,
  type MyTasks,
  type TaskDefinition,
  type TaskEventResult,
  type TaskEventSource,
  type TaskEventType,
  type TaskFunnel,
  type TaskKind,
  type TaskPeriodInput,
  type TaskProgress,
  type UpdateTaskDefinition,
} from '@o2o/shared/schemas/tasks';
import { AppError } from '../../lib/app-error';
import { fromZod } from '../../lib/error-handler';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { ResidentChangeListeners, type ResidentChangeListener } from '../../lib/resident-changes';
import type { Logger } from '../../lib/logger';
import type { StaffPrincipal } from '../auth/auth.guard';
import { CityModel } from '../organisation/organisation.model';
import type { PointsService } from '../points/points.service';
import { assertStoreAccess, canAccessCity, storeIdsInScope } from '../staff/staff-scope';
import type { TaskDefinitionRecord, TaskEventRecord } from './tasks.model';
import { audienceFilter, pairKey, TaskRepository, type ResidentContext, type TaskPeriodRef } from './tasks.repository';

export interface RecordTaskEventInput {
  residentId: Types.ObjectId;
  type: TaskEventType;
  /** The same key always means the same event: it is counted once, and a retry finishes any half-done work. */
  idempotencyKey: string;
  occurredAt: Date;
  source: TaskEventSource;
  meta?: Record<string, unknown>;
}

/** What tasks need of audiences (the audiences component provides it): does one exist, is a resident in it now. */
export interface TaskAudiences {
  describe(audienceId: string): Promise<{ id: string; name: string } | null>;
  isMember(audienceId: Types.ObjectId, residentId: Types.ObjectId): Promise<boolean>;
}

export interface TaskDefinitionQuery {
  kind?: TaskKind;
  active?: boolean;
  storeId?: string;
}

/** How many days the funnel looks back when no start is given: the brief's biweekly review. */
const FUNNEL_DEFAULT_DAYS = 14;

export function definitionView(task: TaskDefinitionRecord): TaskDefinition {
  return {
    id: String(task._id),
    kind: task.kind,
    eventType: task.eventType,
    target: task.target,
    period: { kind: task.period.kind, startsAt: isoString(task.period.startsAt), endsAt: isoString(task.period.endsAt) },
    rewardPoints: task.rewardPoints,
    newbieWindowDays: task.newbieWindowDays ?? null,
    storeId: idString(task.storeId),
    cityId: idString(task.cityId),
    audienceId: idString(task.audienceId),
    active: task.active,
    displayOrder: task.displayOrder ?? 0,
    title: task.title,
    description: task.description ?? '',
    nextStep: task.nextStep,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  };
}

function periodOf(task: TaskDefinitionRecord): TaskPeriod {
  const { kind, startsAt, endsAt } = task.period;
  return kind === 'range' ? { kind, startsAt: startsAt!, endsAt: endsAt! } : { kind };
}

function timingOf(task: TaskDefinitionRecord): TaskTiming {
  return { id: String(task._id), kind: task.kind, period: periodOf(task), newbieWindowDays: task.newbieWindowDays ?? null };
}

function periodInputOf(task: TaskDefinitionRecord): TaskPeriodInput {
  const { kind, startsAt, endsAt } = task.period;
  return kind === 'range' ? { kind, startsAt: startsAt!.toISOString(), endsAt: endsAt!.toISOString() } : { kind };
}

function periodFields(period: TaskPeriodInput) {
  return period.kind === 'range'
    ? { kind: period.kind, startsAt: new Date(period.startsAt), endsAt: new Date(period.endsAt) }
    : { kind: period.kind, startsAt: null, endsAt: null };
}

/** The stored fields of a validated new task. */
export function definitionFields(input: CreateTaskDefinition, createdBy: Types.ObjectId | null) {
  return {
    ...input,
    period: periodFields(input.period),
    storeId: input.storeId ? toObjectId(input.storeId) : null,
    cityId: input.cityId ? toObjectId(input.cityId) : null,
    audienceId: input.audienceId ? toObjectId(input.audienceId) : null,
    createdBy,
    updatedBy: createdBy,
  };
}

function progressView(task: TaskDefinitionRecord, resident: Pick<ResidentContext, 'registeredAt'>, periodKey: string, count: number, completed: boolean): TaskProgress {
  const progress = completed ? task.target : Math.min(count, task.target);
  return {
    taskId: String(task._id),
    kind: task.kind,
    eventType: task.eventType,
    title: task.title,
    description: task.description ?? '',
    nextStep: task.nextStep,
    rewardPoints: task.rewardPoints,
    target: task.target,
    progress,
    state: completed ? 'completed' : progress > 0 ? 'in_progress' : 'not_started',
    period: task.period.kind,
    periodKey,
    availableUntil: isoString(availableUntil(timingOf(task), resident)),
  };
}

const byKindThenOrder = (a: TaskDefinitionRecord, b: TaskDefinitionRecord) =>
  TASK_KINDS.indexOf(a.kind) - TASK_KINDS.indexOf(b.kind) || (a.displayOrder ?? 0) - (b.displayOrder ?? 0) || a.createdAt.getTime() - b.createdAt.getTime();

/**
 * Tasks: newbie, daily and special tasks advanced by residents' events, rewarded in points.
 *
 * Everything that must hold under concurrency rests on unique inserts: an event is stored once per
 * idempotency key, it counts toward a task period by inserting a progress mark keyed
 * (task, resident, period, event), progress is the number of marks, and the reward is earned with
 * the idempotency key `task:<task>:<resident>:<period>` before a completion keyed
 * (task, resident, period) is written. So each step may be repeated: a retried event, and listing the
 * resident's tasks, finish a completion that a crash left without its reward.
 */
export interface TaskServiceOptions {
  /** Enables audience-limited special tasks. Without it, a task limited to an audience applies to nobody. */
  audiences?: TaskAudiences | null;
  /** Called (not awaited, failures logged) after a new event of a resident was recorded, e.g. to refresh their labels. */
  onResidentChanged?: ResidentChangeListener[];
  logger?: Pick<Logger, 'error'> | null;
  repository?: TaskRepository;
}

export class TaskService {
  private readonly residentChanges = new ResidentChangeListeners();
  private readonly audiences: TaskAudiences | null;
  private readonly repository: TaskRepository;

  constructor(
    private readonly points: PointsService,
    options: TaskServiceOptions = {},
  ) {
    this.audiences = options.audiences ?? null;
    this.repository = options.repository ?? new TaskRepository();
    for (const listener of options.onResidentChanged ?? []) this.residentChanges.add(listener, options.logger ?? null);
  }

  /**
   * Records what a resident did and advances every task it counts toward. The first call with a key
   * decides which task periods the event counts in (active tasks of its type for the resident's
   * store and city, open at `occurredAt`); a repeat with the same key counts nothing new but
   * re-runs that same work, finishing whatever a crash interrupted.
   */
  async recordEvent(input: RecordTaskEventInput): Promise<TaskEventResult> {
    const resident = await this.repository.residentContext(input.residentId);
    const candidates = await this.inAudience(await this.repository.activeDefinitionsForEvent(input.type, resident), input.residentId);
    const counts: TaskPeriodRef[] = candidates.flatMap((task) => {
      const periodKey = openPeriodKey(timingOf(task), resident, input.occurredAt);
      return periodKey ? [{ taskId: task._id, periodKey }] : [];
    });
    const { event, duplicate } = await this.repository.insertEvent({
      residentId: input.residentId,
      type: input.type,
      idempotencyKey: input.idempotencyKey,
      occurredAt: input.occurredAt,
      source: input.source,
      meta: input.meta ?? null,
      storeId: resident.storeId,
      counts,
    });
    if (duplicate && (!event.residentId.equals(input.residentId) || event.type !== input.type)) {
      throw AppError.conflict('这个请求编号已用于另一个任务事件', { idempotencyKey: input.idempotencyKey });
    }
    const definitions = duplicate ? await this.repository.definitionsByIds(event.counts.map((ref) => ref.taskId)) : candidates;
    const byId = new Map(definitions.map((task) => [String(task._id), task]));
    const tasks = await Promise.all(
      event.counts.flatMap((ref) => {
        const task = byId.get(String(ref.taskId));
        return task ? [this.countEvent(task, ref.periodKey, event, resident)] : [];
      }),
    );
    if (!duplicate) this.residentChanges.notify(input.residentId, `task:${input.type}`);
    return { eventId: String(event._id), duplicate, tasks };
  }

  /**
   * An event the mini-program reports. Only client-reportable types are accepted, the server's clock
   * dates it, and the client's key is namespaced by resident so residents cannot collide.
   */
  /**
   * Takes back the rewards of the resident's completed tasks that count this event type (a
   * refunded first order). Each reward is clawed back once, however often this runs; the
   * completion stays, so the same task does not pay again for a later event.
   */
  async reverseRewards(residentId: Types.ObjectId, eventType: TaskEventType, note: string, now = new Date()): Promise<{ reversed: number }> {
    const completions = await this.repository.rewardedCompletions(residentId, eventType);
    for (const completion of completions) await this.points.clawbackEntry({ _id: completion.pointEntryId, residentId }, note, now);
    return { reversed: completions.length };
  }

  async reportFromMiniprogram(residentId: Types.ObjectId, report: { type: TaskEventType; idempotencyKey: string; meta?: Record<string, unknown> }, now = new Date()): Promise<TaskEventResult> {
    if (!CLIENT_REPORTABLE_EVENT_TYPES.includes(report.type)) {
      throw new AppError(
        'EVENT_NOT_REPORTABLE',
        '这个任务进度由系统自动记录，无需手动上报',
        403,
        { type: report.type, reportable: CLIENT_REPORTABLE_EVENT_TYPES },
      );
    }
    return this.recordEvent({
      residentId,
      type: report.type,
      idempotencyKey: `mp:${residentId}:${report.idempotencyKey}`,
      occurredAt: now,
      source: 'miniprogram',
      meta: report.meta,
    });
  }

  /**
   * The resident's tasks for the current periods, grouped by kind, and a record that the resident
   * saw each of them (the funnel's first step). Also finishes any award a crash left undone.
   */
  async listForResident(residentId: Types.ObjectId, now = new Date()): Promise<MyTasks> {
    const resident = await this.repository.residentContext(residentId);
    const open = (await this.inAudience(await this.repository.activeDefinitionsFor(resident), residentId)).flatMap((task) => {
      const periodKey = openPeriodKey(timingOf(task), resident, now);
      return periodKey ? [{ task, ref: { taskId: task._id, periodKey } }] : [];
    });
    const refs = open.map((entry) => entry.ref);
    const [counts, completions] = await Promise.all([this.repository.countMarksFor(residentId, refs), this.repository.completionsFor(residentId, refs)]);
    const grouped: MyTasks = { newbie: [], daily: [], special: [] };
    for (const { task, ref } of open.sort((a, b) => byKindThenOrder(a.task, b.task))) {
      const key = pairKey(ref.taskId, ref.periodKey);
      const count = counts.get(key) ?? 0;
      let completed = completions.has(key);
      if (!completed && count >= task.target) {
        await this.complete(task, residentId, ref.periodKey, resident.storeId, now);
        completed = true;
      }
      grouped[task.kind].push(progressView(task, resident, ref.periodKey, count, completed));
    }
    await this.repository.recordViews(resident, refs, now);
    return grouped;
  }

  /** What one more event of this type would pay the resident now: the rewards of its tasks still open in their current period. */
  async openRewardPoints(residentId: Types.ObjectId, type: TaskEventType, now = new Date()): Promise<number> {
    const resident = await this.repository.residentContext(residentId);
    const open = (await this.inAudience(await this.repository.activeDefinitionsForEvent(type, resident), residentId)).flatMap((task) => {
      const periodKey = openPeriodKey(timingOf(task), resident, now);
      return periodKey ? [{ task, ref: { taskId: task._id, periodKey } }] : [];
    });
    const completions = await this.repository.completionsFor(residentId, open.map((entry) => entry.ref));
    return open.filter(({ ref }) => !completions.has(pairKey(ref.taskId, ref.periodKey))).reduce((sum, { task }) => sum + task.rewardPoints, 0);
  }

  /** What a new resident of this store can earn: the sign-up task's points and all newbie tasks' (invite landing pages say so). */
  async newbieRewards(scope: { storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }): Promise<{ signupPoints: number; totalPoints: number }> {
    const newbie = await this.repository.findDefinitions({ kind: 'newbie', active: true, ...audienceFilter(scope) });
    return {
      signupPoints: newbie.filter((task) => task.eventType === 'signup_completed').reduce((sum, task) => sum + task.rewardPoints, 0),
      totalPoints: newbie.reduce((sum, task) => sum + task.rewardPoints, 0),
    };
  }

  async listDefinitions(staff: StaffPrincipal, query: TaskDefinitionQuery = {}): Promise<TaskDefinition[]> {
    const conditions: Record<string, unknown>[] = [];
    if (query.storeId) {
      const store = await assertStoreAccess(staff, toObjectId(query.storeId));
      conditions.push(audienceFilter({ storeId: store._id, cityId: store.cityId }));
    } else {
      conditions.push(await this.visibleTo(staff));
    }
    if (query.kind) conditions.push({ kind: query.kind });
    if (query.active !== undefined) conditions.push({ active: query.active });
    const tasks = await this.repository.findDefinitions({ $and: conditions });
    return tasks.sort(byKindThenOrder).map(definitionView);
  }

  async createDefinition(staff: StaffPrincipal, input: CreateTaskDefinition): Promise<TaskDefinition> {
    const fields = definitionFields(input, staff.id);
    await this.assertCanManage(staff, fields);
    await this.assertAudienceExists(input.audienceId);
    return definitionView(await this.repository.createDefinition(fields));
  }

  /** Changes a task, e.g. `{ active: false }` to switch it off. The result must still be a valid task, within the caller's scope. */
  async updateDefinition(staff: StaffPrincipal, taskId: Types.ObjectId, patch: UpdateTaskDefinition): Promise<TaskDefinition> {
    const existing = await this.repository.findDefinition(taskId);
    if (!existing) throw AppError.notFound('任务');
    await this.assertCanManage(staff, { storeId: existing.storeId ?? null, cityId: existing.cityId ?? null });
    const current = definitionView(existing);
    const merged = taskDefinitionStateSchema.safeParse({ ...current, period: periodInputOf(existing), ...patch });
    if (!merged.success) throw fromZod(merged.error, 'body');
    const next = merged.data;
    const storeId = next.storeId ? toObjectId(next.storeId) : null;
    const cityId = next.cityId ? toObjectId(next.cityId) : null;
    if (String(storeId) !== String(existing.storeId ?? null) || String(cityId) !== String(existing.cityId ?? null)) {
      await this.assertCanManage(staff, { storeId, cityId });
    }
    if (next.audienceId !== current.audienceId) await this.assertAudienceExists(next.audienceId);
    const updated = await this.repository.updateDefinition(taskId, {
      target: next.target,
      period: periodFields(next.period),
      rewardPoints: next.rewardPoints,
      newbieWindowDays: next.newbieWindowDays,
      storeId,
      cityId,
      audienceId: next.audienceId ? toObjectId(next.audienceId) : null,
      active: next.active,
      displayOrder: next.displayOrder,
      title: next.title,
      description: next.description,
      nextStep: next.nextStep,
      updatedBy: staff.id,
    });
    if (!updated) throw AppError.notFound('任务');
    return definitionView(updated);
  }

  /**
   * The review funnel of a store over [from, to): per task, distinct residents of the store who saw
   * it, started it (at least one event counted) and completed it, with open rate = started / saw and
   * completion rate = completed / saw. Each stage is counted on its own, so a task that progresses
   * before the resident ever opens the list (sign-up) can show more starts than views.
   */
  async funnel(staff: StaffPrincipal, query: { storeId: string; from?: string; to?: string }, now = new Date()): Promise<TaskFunnel> {
    const store = await assertStoreAccess(staff, toObjectId(query.storeId));
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - FUNNEL_DEFAULT_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) throw AppError.badRequest('开始时间必须早于结束时间', [{ path: 'query.from', message: 'must be before to' }]);
    const [saw, started, completed] = await Promise.all(
      (['saw', 'started', 'completed'] as const).map((stage) => this.repository.distinctResidentsPerTask(stage, store._id, from, to)),
    );
    const applicable = await this.repository.findDefinitions(audienceFilter({ storeId: store._id, cityId: store.cityId }));
    const known = new Set(applicable.map((task) => String(task._id)));
    const counted = [...new Set([...saw.keys(), ...started.keys(), ...completed.keys()])].filter((id) => !known.has(id));
    const tasks = [...applicable, ...(await this.repository.definitionsByIds(counted.map((id) => toObjectId(id))))].sort(byKindThenOrder);
    return {
      storeId: String(store._id),
      from: from.toISOString(),
      to: to.toISOString(),
      tasks: tasks.map((task) => {
        const id = String(task._id);
        const row = { saw: saw.get(id) ?? 0, started: started.get(id) ?? 0, completed: completed.get(id) ?? 0 };
        return {
          taskId: id,
          kind: task.kind,
          title: task.title,
          active: task.active,
          ...row,
          openRate: row.saw > 0 ? row.started / row.saw : null,
          completionRate: row.saw > 0 ? row.completed / row.saw : null,
        };
      }),
    };
  }

  /** The tasks whose audience (if any) the resident is in now; each audience is checked once. */
  private async inAudience(tasks: TaskDefinitionRecord[], residentId: Types.ObjectId): Promise<TaskDefinitionRecord[]> {
    const audienceIds = [...new Set(tasks.flatMap((task) => (task.audienceId ? [String(task.audienceId)] : [])))];
    if (audienceIds.length === 0) return tasks;
    const audiences = this.audiences;
    const memberOf = new Set<string>();
    if (audiences) {
      const checks = await Promise.all(audienceIds.map((id) => audiences.isMember(toObjectId(id), residentId)));
      audienceIds.forEach((id, index) => checks[index] && memberOf.add(id));
    }
    return tasks.filter((task) => !task.audienceId || memberOf.has(String(task.audienceId)));
  }

  private async assertAudienceExists(audienceId: string | null): Promise<void> {
    if (!audienceId) return;
    if (!this.audiences) throw new AppError('AUDIENCES_UNAVAILABLE', '当前不支持限定人群的任务', 409);
    if (!(await this.audiences.describe(audienceId))) throw AppError.notFound('人群');
  }

  /** Counts one event toward one task period, and completes the task when the count reaches the target. */
  private async countEvent(task: TaskDefinitionRecord, periodKey: string, event: TaskEventRecord, resident: ResidentContext): Promise<TaskProgress> {
    const { residentId } = event;
    // A completion is written only after its reward, so once it exists there is nothing left to do.
    if (await this.repository.completionExists(task._id, residentId, periodKey)) return progressView(task, resident, periodKey, task.target, true);
    await this.repository.insertMark({ taskId: task._id, residentId, periodKey, eventId: event._id, storeId: event.storeId ?? null, occurredAt: event.occurredAt });
    const count = await this.repository.countMarks(task._id, residentId, periodKey);
    const completed = count >= task.target;
    if (completed) await this.complete(task, residentId, periodKey, event.storeId ?? null, event.occurredAt);
    return progressView(task, resident, periodKey, count, completed);
  }

  /** Awards the reward (once, by its idempotency key), then records the completion (once, by its unique key). */
  private async complete(task: TaskDefinitionRecord, residentId: Types.ObjectId, periodKey: string, storeId: Types.ObjectId | null, completedAt: Date): Promise<void> {
    let pointEntryId: Types.ObjectId | null = null;
    if (task.rewardPoints > 0) {
      const entry = await this.points.earn({
        residentId,
        amount: task.rewardPoints,
        reasonCode: 'task_completed',
        note: `完成任务：${task.title}`,
        source: 'task',
        sourceId: String(task._id),
        idempotencyKey: `task:${task._id}:${residentId}:${periodKey}`,
      });
      pointEntryId = entry._id;
    }
    await this.repository.insertCompletion({ taskId: task._id, residentId, periodKey, storeId, rewardPoints: task.rewardPoints, pointEntryId, completedAt });
  }

  /** The tasks a staff member may see: an admin all; city ops their city's and unscoped; others those of their store. */
  private async visibleTo(staff: StaffPrincipal): Promise<Record<string, unknown>> {
    if (staff.role !== 'city_ops') {
      return staff.role === 'admin' ? {} : audienceFilter({ storeId: staff.storeId, cityId: staff.cityId });
    }
    const storeIds = await storeIdsInScope(staff);
    return {
      $or: [
        { storeId: null, cityId: null },
        ...(staff.cityId ? [{ cityId: staff.cityId }] : []),
        ...(storeIds === 'all' ? [] : [{ storeId: { $in: storeIds } }]),
      ],
    };
  }

  /**
   * Who may create or change a task with this scope: a store manager only tasks of their own store,
   * city ops tasks of their city or its stores, an admin any task, including unscoped ones.
   */
  private async assertCanManage(staff: StaffPrincipal, scope: { storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }): Promise<void> {
    if (scope.storeId) {
      await assertStoreAccess(staff, scope.storeId);
      return;
    }
    if (staff.role === 'store_manager') throw AppError.forbidden('店长只能管理限定在自己门店的任务');
    if (scope.cityId) {
      if (!(await CityModel.exists({ _id: scope.cityId }))) throw AppError.notFound('城市');
      if (!canAccessCity(staff, scope.cityId)) throw AppError.forbidden('这个城市不在你的负责范围内');
      return;
    }
    if (staff.role !== 'admin') throw AppError.forbidden('只有管理员可以管理所有城市的任务，请把任务限定在你的城市或其中的门店');
  }
}
