import type { Model, Types } from 'mongoose';
import type { TaskEventSource, TaskEventType } from '@o2o/shared/schemas/tasks';
import { AppError } from '../../lib/app-error';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import {
  TaskCompletionModel,
  TaskDefinitionModel,
  TaskEventModel,
  TaskProgressMarkModel,
  TaskViewModel,
  type TaskCompletionRecord,
  type TaskDefinitionRecord,
  type TaskEventRecord,
} from './tasks.model';
import { insertOnce, isDuplicateKey } from '../../db/unique-insert';


/** What task rules need to know about a resident. */
export interface ResidentContext {
  _id: Types.ObjectId;
  registeredAt: Date;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
}

/** A task and the period an event or a view counts in. */
export interface TaskPeriodRef {
  taskId: Types.ObjectId;
  periodKey: string;
}

export interface NewTaskEvent {
  residentId: Types.ObjectId;
  type: TaskEventType;
  idempotencyKey: string;
  occurredAt: Date;
  source: TaskEventSource;
  meta: Record<string, unknown> | null;
  storeId: Types.ObjectId | null;
  counts: TaskPeriodRef[];
}

/** The tasks a resident of this store and city may see: unscoped ones, their city's and their store's. */
export function audienceFilter(scope: { storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }): Record<string, unknown> {
  return {
    $and: [
      { $or: scope.storeId ? [{ storeId: null }, { storeId: scope.storeId }] : [{ storeId: null }] },
      { $or: scope.cityId ? [{ cityId: null }, { cityId: scope.cityId }] : [{ cityId: null }] },
    ],
  };
}

/** One key for a task and a period, for lookups in maps and sets. */
export const pairKey = (taskId: Types.ObjectId | string, periodKey: string) => `${taskId}|${periodKey}`;

/** Data access for tasks; returns plain objects. */
export class TaskRepository {
  async residentContext(residentId: Types.ObjectId): Promise<ResidentContext> {
    const resident = await ResidentModel.findById(residentId, { registeredAt: 1, storeId: 1 }).lean();
    if (!resident) throw AppError.notFound('居民');
    const storeId = resident.storeId ?? null;
    const store = storeId ? await StoreModel.findById(storeId, { cityId: 1 }).lean() : null;
    return { _id: resident._id, registeredAt: resident.registeredAt, storeId, cityId: store?.cityId ?? null };
  }

  async anyDefinitionExists(): Promise<boolean> {
    return Boolean(await TaskDefinitionModel.exists({}));
  }

  async findDefinition(taskId: Types.ObjectId): Promise<TaskDefinitionRecord | null> {
    return TaskDefinitionModel.findById(taskId).lean<TaskDefinitionRecord>();
  }

  async definitionsByIds(taskIds: Types.ObjectId[]): Promise<TaskDefinitionRecord[]> {
    if (taskIds.length === 0) return [];
    return TaskDefinitionModel.find({ _id: { $in: taskIds } }).lean<TaskDefinitionRecord[]>();
  }

  async findDefinitions(filter: Record<string, unknown>, limit = 500): Promise<TaskDefinitionRecord[]> {
    return TaskDefinitionModel.find(filter).sort({ kind: 1, displayOrder: 1, createdAt: 1 }).limit(limit).lean<TaskDefinitionRecord[]>();
  }

  /** Active tasks advanced by this event type that apply to residents of this store and city. */
  async activeDefinitionsForEvent(type: TaskEventType, resident: ResidentContext): Promise<TaskDefinitionRecord[]> {
    return TaskDefinitionModel.find({ eventType: type, active: true, ...audienceFilter(resident) }).lean<TaskDefinitionRecord[]>();
  }

  /** Active tasks shown to a resident, in display order. */
  async activeDefinitionsFor(resident: ResidentContext): Promise<TaskDefinitionRecord[]> {
    return this.findDefinitions({ active: true, ...audienceFilter(resident) });
  }

  async createDefinition(fields: Record<string, unknown>): Promise<TaskDefinitionRecord> {
    return (await TaskDefinitionModel.create(fields)).toObject() as TaskDefinitionRecord;
  }

  async updateDefinition(taskId: Types.ObjectId, fields: Record<string, unknown>): Promise<TaskDefinitionRecord | null> {
    return TaskDefinitionModel.findOneAndUpdate({ _id: taskId }, { $set: fields }, { returnDocument: 'after' }).lean<TaskDefinitionRecord>();
  }

  async insertDefinitions(docs: Record<string, unknown>[]): Promise<void> {
    await TaskDefinitionModel.insertMany(docs);
  }

  /** Stores an event once per idempotency key; a repeat gets the stored one back. */
  async insertEvent(event: NewTaskEvent): Promise<{ event: TaskEventRecord; duplicate: boolean }> {
    try {
      const created = await TaskEventModel.create({ ...event, recordedAt: new Date() });
      return { event: created.toObject() as TaskEventRecord, duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await TaskEventModel.findOne({ idempotencyKey: event.idempotencyKey }).lean<TaskEventRecord>();
      if (!existing) throw error;
      return { event: existing, duplicate: true };
    }
  }

  async insertMark(mark: { taskId: Types.ObjectId; residentId: Types.ObjectId; periodKey: string; eventId: Types.ObjectId; storeId: Types.ObjectId | null; occurredAt: Date }): Promise<void> {
    await insertOnce(TaskProgressMarkModel, mark);
  }

  async countMarks(taskId: Types.ObjectId, residentId: Types.ObjectId, periodKey: string): Promise<number> {
    return TaskProgressMarkModel.countDocuments({ taskId, residentId, periodKey });
  }

  /** Marks counted per task and period for one resident, keyed `<taskId>|<periodKey>`. */
  async countMarksFor(residentId: Types.ObjectId, refs: TaskPeriodRef[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (refs.length === 0) return counts;
    const rows = await TaskProgressMarkModel.aggregate<{ _id: { taskId: Types.ObjectId; periodKey: string }; n: number }>([
      { $match: { residentId, taskId: { $in: refs.map((ref) => ref.taskId) }, periodKey: { $in: [...new Set(refs.map((ref) => ref.periodKey))] } } },
      { $group: { _id: { taskId: '$taskId', periodKey: '$periodKey' }, n: { $sum: 1 } } },
    ]);
    for (const row of rows) counts.set(pairKey(row._id.taskId, row._id.periodKey), row.n);
    return counts;
  }

  /** The resident's rewarded completions of tasks that count this event type. */
  async rewardedCompletions(residentId: Types.ObjectId, eventType: TaskEventType): Promise<{ pointEntryId: Types.ObjectId }[]> {
    const tasks = await TaskDefinitionModel.find({ eventType }, { _id: 1 }).lean();
    if (tasks.length === 0) return [];
    const completions = await TaskCompletionModel.find({ residentId, taskId: { $in: tasks.map((task) => task._id) } }, { pointEntryId: 1 }).lean();
    return completions.flatMap((completion) => (completion.pointEntryId ? [{ pointEntryId: completion.pointEntryId }] : []));
  }

  async completionExists(taskId: Types.ObjectId, residentId: Types.ObjectId, periodKey: string): Promise<boolean> {
    return Boolean(await TaskCompletionModel.exists({ taskId, residentId, periodKey }));
  }

  /** The resident's completions among these task periods, keyed `<taskId>|<periodKey>`. */
  async completionsFor(residentId: Types.ObjectId, refs: TaskPeriodRef[]): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows = await TaskCompletionModel.find(
      { residentId, taskId: { $in: refs.map((ref) => ref.taskId) }, periodKey: { $in: [...new Set(refs.map((ref) => ref.periodKey))] } },
      { taskId: 1, periodKey: 1 },
    ).lean<Pick<TaskCompletionRecord, 'taskId' | 'periodKey'>[]>();
    return new Set(rows.map((row) => pairKey(row.taskId, row.periodKey)));
  }

  async insertCompletion(completion: Omit<TaskCompletionRecord, '_id'>): Promise<void> {
    await insertOnce(TaskCompletionModel, completion);
  }

  /** Records that the resident was shown these task periods; each at most once. */
  async recordViews(resident: ResidentContext, refs: TaskPeriodRef[], seenAt: Date): Promise<void> {
    if (refs.length === 0) return;
    const seen = await TaskViewModel.find(
      { residentId: resident._id, taskId: { $in: refs.map((ref) => ref.taskId) }, periodKey: { $in: [...new Set(refs.map((ref) => ref.periodKey))] } },
      { taskId: 1, periodKey: 1 },
    ).lean();
    const already = new Set(seen.map((view) => pairKey(view.taskId, view.periodKey)));
    const fresh = refs.filter((ref) => !already.has(pairKey(ref.taskId, ref.periodKey)));
    await Promise.all(
      fresh.map((ref) => insertOnce(TaskViewModel, { taskId: ref.taskId, residentId: resident._id, periodKey: ref.periodKey, storeId: resident.storeId, seenAt })),
    );
  }

  /**
   * Distinct residents per task among a store's views, marks or completions in [from, to): each
   * resident is counted once however many periods or events they have.
   */
  async distinctResidentsPerTask(
    stage: 'saw' | 'started' | 'completed',
    storeId: Types.ObjectId,
    from: Date,
    to: Date,
  ): Promise<Map<string, number>> {
    const [model, timeField] = {
      saw: [TaskViewModel, 'seenAt'],
      started: [TaskProgressMarkModel, 'occurredAt'],
      completed: [TaskCompletionModel, 'completedAt'],
    }[stage] as [Model<any>, string];
    const rows = await model.aggregate<{ _id: Types.ObjectId; residents: number }>([
      { $match: { storeId, [timeField]: { $gte: from, $lt: to } } },
      { $group: { _id: { taskId: '$taskId', residentId: '$residentId' }, n: { $sum: 1 } } },
      { $group: { _id: '$_id.taskId', residents: { $sum: 1 } } },
    ]);
    return new Map(rows.map((row) => [String(row._id), row.residents]));
  }

  async storeCity(storeId: Types.ObjectId): Promise<Types.ObjectId | null> {
    return (await StoreModel.findById(storeId, { cityId: 1 }).lean())?.cityId ?? null;
  }
}
