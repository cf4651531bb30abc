import type { Types } from 'mongoose';
import type { PointBalance, PointEntry, PointSource } from '@o2o/shared/schemas/points';
import { applyIntent, EMPTY_POINTS_STATE, expiringSoon, type PointsIntent, type PointsOutcome, type PointsState } from '@o2o/shared/rules/points-ledger';
import { expiryFor, type ExpiryPolicy } from '@o2o/shared/rules/points-expiry';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { AppError } from '../../lib/app-error';
import { isoString } from '../../lib/ids';
import { ResidentModel } from '../residents/resident.model';
import { PointAuditModel, PointEntryModel, PointStepModel, type PointEntryRecord, type PointStepRecord } from './points.model';
import { insertOnce, isDuplicateKey } from '../../db/unique-insert';

interface EntryMeta {
  residentId: Types.ObjectId;
  reasonCode: string;
  note: string;
  source: PointSource;
  sourceId?: string | null;
  idempotencyKey: string;
  actorStaffId?: Types.ObjectId | null;
  now?: Date;
  /**
   * The resident's `points.version` mirror as the caller just read it (e.g. in its scope check):
   * where the head is looked for first, saving a read. Only a hint; a stale one costs a retry.
   */
  knownVersion?: number;
}

export interface EarnInput extends EntryMeta {
  amount: number;
  /** Held points count as pending until released or cancelled. */
  held?: boolean;
}

export interface SpendInput extends EntryMeta {
  /** The positive number of points to take. */
  amount: number;
}

export interface ReconcileReport {
  checked: number;
  finishedEntries: number;
  repaired: { residentId: string; before: { available: number; pending: number }; after: { available: number; pending: number } }[];
}

/** An entry as applied, with the state after its step (null when it was applied before this call and not looked up). */
interface Applied {
  entry: PointEntryRecord;
  state: PointsState | null;
  /** True when this call wrote the entry; false when it found it by its idempotency key. */
  fresh: boolean;
}

/** A write that goes with a fresh entry's mirrors once its step is taken (and not rejected), e.g. its audit. */
type Alongside = (entryId: Types.ObjectId, state: PointsState) => Promise<unknown>;

type IntentWithoutId = PointsIntent extends infer T ? (T extends { entryId: string } ? Omit<T, 'entryId'> : never) : never;

const MAX_STEP_ATTEMPTS = 500;

type Head = { version: number; state: PointsState };
const EXPIRY_WARNING_DAYS = 30;

export function entryView(entry: PointEntryRecord): PointEntry {
  return {
    id: String(entry._id),
    residentId: String(entry.residentId),
    amount: entry.applied?.amount ?? 0,
    pendingAmount: entry.applied?.pendingAmount ?? 0,
    reasonCode: entry.reasonCode,
    note: entry.note,
    source: entry.source,
    sourceId: entry.sourceId ?? null,
    idempotencyKey: entry.idempotencyKey,
    state: !entry.applied ? 'applying' : entry.applied.rejected ? 'rejected' : 'applied',
    hold: entry.holdStatus ?? null,
    expiresAt: isoString(entry.expiresAt),
    createdAt: entry.createdAt.toISOString(),
  };
}

export class InsufficientPointsError extends AppError {
  constructor(details: { needed: number; entryId: string }) {
    super('INSUFFICIENT_POINTS', '积分不足', 409, details);
  }
}

/**
 * The points ledger. Every change is an entry with a unique idempotency key (a retry finds it and
 * changes nothing). An entry takes effect as the next step of the resident's points state: a pure
 * transition (`shared/rules/points-ledger.ts`) persisted under the unique key `<resident>:<version>`,
 * so of two concurrent writers exactly one gets each step and the other recomputes on top of it.
 * Spending therefore never goes below zero, lots are spent oldest first, and anything a crash leaves
 * half-done (an entry without its step, a stale mirror) is finished by a retry or by `reconcile()`.
 */
const HOLD_STATUS_NAMES: Record<string, string> = { released: '已经到账', cancelled: '已经取消', held: '仍在等待' };

export class PointsService {
  constructor(private readonly expiryPolicy: ExpiryPolicy) {}

  async earn(input: EarnInput): Promise<PointEntryRecord> {
    return (await this.earnApplied(input)).entry;
  }

  async spend(input: SpendInput): Promise<PointEntryRecord> {
    return (await this.spendApplied(input)).entry;
  }

  private async earnApplied(input: EarnInput, alongside?: Alongside): Promise<Applied> {
    assertPositive(input.amount);
    const now = input.now ?? new Date();
    const expiresAt = input.held ? null : expiryFor(this.expiryPolicy, now);
    const intent: IntentWithoutId = input.held
      ? { kind: 'hold', amount: input.amount }
      : { kind: 'earn', amount: input.amount, expiresAt: isoString(expiresAt) };
    return this.submitApplied(input, intent, { expiresAt, holdStatus: input.held ? 'held' : null }, alongside);
  }

  private async spendApplied(input: SpendInput, alongside?: Alongside): Promise<Applied> {
    assertPositive(input.amount);
    const applied = await this.submitApplied(input, { kind: 'spend', amount: input.amount }, {}, alongside);
    if (applied.entry.applied?.rejected) throw new InsufficientPointsError({ needed: input.amount, entryId: String(applied.entry._id) });
    return applied;
  }

  /** Makes held points available (e.g. the invitee's first order came). */
  async release(heldEntryId: Types.ObjectId, note: string, now = new Date()): Promise<PointEntryRecord> {
    const held = await this.heldEntry(heldEntryId);
    const expiresAt = expiryFor(this.expiryPolicy, now);
    const entry = await this.submit(
      { residentId: held.residentId, reasonCode: `${held.reasonCode}_released`, note, source: held.source, sourceId: held.sourceId, idempotencyKey: `release:${held._id}`, now },
      { kind: 'release', heldId: String(held._id), expiresAt: isoString(expiresAt) },
      { expiresAt },
    );
    if (entry.applied?.rejected) throw AppError.conflict(`这笔待到账积分${HOLD_STATUS_NAMES[(await this.heldEntry(heldEntryId)).holdStatus ?? ''] ?? '已处理'}`);
    return entry;
  }

  /** Drops held points (the invite lapsed, fraud review said no). */
  async cancelHold(heldEntryId: Types.ObjectId, note: string, now = new Date()): Promise<PointEntryRecord> {
    const held = await this.heldEntry(heldEntryId);
    const entry = await this.submit(
      { residentId: held.residentId, reasonCode: `${held.reasonCode}_cancelled`, note, source: 'reversal', sourceId: String(held._id), idempotencyKey: `cancel:${held._id}`, now },
      { kind: 'cancel_hold', heldId: String(held._id) },
    );
    if (entry.applied?.rejected) throw AppError.conflict(`这笔待到账积分${HOLD_STATUS_NAMES[(await this.heldEntry(heldEntryId)).holdStatus ?? ''] ?? '已处理'}`);
    return entry;
  }

  /**
   * Claws back what a source (an order) earned: held points are dropped, available ones are taken
   * from the lot they created. Points already spent from that lot cannot be taken back.
   */
  async clawback(source: PointSource, sourceId: string, note: string, now = new Date()): Promise<PointEntryRecord[]> {
    const earned = await PointEntryModel.find({ source, sourceId, 'intent.kind': { $in: ['earn', 'hold'] } }).lean<PointEntryRecord[]>();
    const results: PointEntryRecord[] = [];
    for (const entry of earned) results.push(await this.clawbackEntry(entry, note, now));
    return results;
  }

  /** Claws back one earn or hold entry (once, by its key), e.g. one resident's task reward. */
  async clawbackEntry(entry: Pick<PointEntryRecord, '_id' | 'residentId'>, note: string, now = new Date()): Promise<PointEntryRecord> {
    return this.submit(
      { residentId: entry.residentId, reasonCode: 'points_clawed_back', note, source: 'reversal', sourceId: String(entry._id), idempotencyKey: `clawback:${entry._id}`, now },
      { kind: 'clawback', targetId: String(entry._id) },
    );
  }

  /** Writes one expiry entry per resident whose lots have passed their date (at most one per resident per day). */
  async expireDue(now = new Date()): Promise<{ residents: number; expiredPoints: number }> {
    const residentIds: Types.ObjectId[] = await PointEntryModel.distinct('residentId', { expiresAt: { $lte: now }, expiryProcessed: false });
    let expiredPoints = 0;
    for (const residentId of residentIds) {
      const entry = await this.submit(
        { residentId, reasonCode: 'points_expired', note: '积分已过期', source: 'expiry', sourceId: null, idempotencyKey: `expiry:${residentId}:${chinaDateKey(now)}`, now },
        { kind: 'expire', now: now.toISOString() },
      );
      expiredPoints += -(entry.applied?.amount ?? 0);
      await PointEntryModel.updateMany({ residentId, expiresAt: { $lte: new Date(entry.intent.now ?? now.toISOString()) }, expiryProcessed: false }, { $set: { expiryProcessed: true } });
    }
    return { residents: residentIds.length, expiredPoints };
  }

  async balance(residentId: Types.ObjectId, now = new Date()): Promise<PointBalance> {
    const { state } = await this.head(residentId);
    const soon = expiringSoon(state, new Date(now.getTime() + EXPIRY_WARNING_DAYS * 24 * 3600_000).toISOString());
    return { available: state.available, pending: state.pending, expiringSoon: soon, expiringSoonTotal: soon.reduce((sum, lot) => sum + lot.amount, 0) };
  }

  /** Applied entries, newest first. */
  async history(residentId: Types.ObjectId, limit: number, beforeVersion?: number): Promise<PointEntryRecord[]> {
    return PointEntryModel.find({
      residentId,
      applied: { $ne: null },
      'applied.rejected': null,
      ...(beforeVersion !== undefined ? { 'applied.version': { $lt: beforeVersion } } : {}),
    })
      .sort({ 'applied.version': -1 })
      .limit(limit)
      .lean<PointEntryRecord[]>();
  }

  /**
   * Manual grant or deduction by staff; audited with who, when and why. The audit record takes the
   * entry's `_id`, so of a request and its retries exactly one audit is stored (a unique insert).
   */
  async adjustManually(input: { residentId: Types.ObjectId; amount: number; reason: string; idempotencyKey: string; staff: { id: Types.ObjectId; role: string }; now?: Date; knownVersion?: number }): Promise<PointEntryRecord> {
    const now = input.now ?? new Date();
    const meta = {
      residentId: input.residentId,
      note: `人工调整：${input.reason}`,
      source: 'manual' as const,
      sourceId: String(input.staff.id),
      idempotencyKey: `manual:${input.idempotencyKey}`,
      actorStaffId: input.staff.id,
      now,
      knownVersion: input.knownVersion,
    };
    // A fresh entry's audit is written together with its mirrors, from the state its step produced.
    const audit = (entryId: Types.ObjectId, after: PointsState | null) =>
      insertOnce(PointAuditModel, {
        _id: entryId,
        kind: 'manual_adjustment',
        residentId: input.residentId,
        entryId,
        staffId: input.staff.id,
        staffRole: input.staff.role,
        reason: input.reason,
        after: after ? { available: after.available, pending: after.pending } : null,
        at: now,
      });
    const { entry, fresh } =
      input.amount > 0
        ? await this.earnApplied({ ...meta, amount: input.amount, reasonCode: 'manual_grant' }, audit)
        : await this.spendApplied({ ...meta, amount: -input.amount, reasonCode: 'manual_deduct' }, audit);
    if (fresh) return entry;
    // A retry may follow a crash between the step and the audit; audits written before audits were
    // keyed by their entry are found by their fields.
    if (await PointAuditModel.exists({ kind: 'manual_adjustment', entryId: entry._id })) return entry;
    const step = await PointStepModel.findOne({ entryId: entry._id }).lean<PointStepRecord>();
    await audit(entry._id, (step?.state as PointsState | undefined) ?? null);
    return entry;
  }

  /**
   * Applies entries a crash left without their step, then compares each resident's balance
   * mirror with the balance of record and repairs the difference, with an audit record each.
   */
  async reconcile(now = new Date(), graceMs = 60_000): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, finishedEntries: 0, repaired: [] };
    const unapplied = PointEntryModel.find({ applied: null, createdAt: { $lt: new Date(now.getTime() - graceMs) } }).cursor();
    for await (const entry of unapplied) {
      await this.applyEntry(entry.toObject() as PointEntryRecord);
      report.finishedEntries += 1;
    }
    const residents = ResidentModel.find({}, { points: 1 }).cursor();
    for await (const resident of residents) {
      report.checked += 1;
      const head = await this.head(resident._id);
      const before = { available: resident.points?.available ?? 0, pending: resident.points?.pending ?? 0 };
      const after = { available: head.state.available, pending: head.state.pending };
      if (before.available === after.available && before.pending === after.pending && (resident.points?.version ?? 0) === head.version) continue;
      await ResidentModel.updateOne({ _id: resident._id }, { $set: { points: { ...after, version: head.version } } });
      if (before.available === after.available && before.pending === after.pending) continue;
      report.repaired.push({ residentId: String(resident._id), before, after });
      await PointAuditModel.create({ kind: 'reconcile_repair', residentId: resident._id, reason: 'balance mirror differed from the ledger', before, after, at: now });
    }
    return report;
  }

  /**
   * The quick repair after a crash, run on start and every few minutes: entries written in the last
   * `windowMs` but never applied get their step, and the balance mirror of every resident with a
   * recent entry is set from the ledger. The nightly `reconcile` still checks everyone.
   */
  async repairRecent(now = new Date(), windowMs = 24 * 3600_000, graceMs = 60_000): Promise<{ finishedEntries: number; checked: number; repaired: number }> {
    const recent = await PointEntryModel.find({ createdAt: { $gte: new Date(now.getTime() - windowMs) } }).lean<PointEntryRecord[]>();
    let finishedEntries = 0;
    for (const entry of recent) {
      if (entry.applied || entry.createdAt.getTime() > now.getTime() - graceMs) continue;
      await this.applyEntry(entry);
      finishedEntries += 1;
    }
    const residentIds = [...new Map(recent.map((entry) => [String(entry.residentId), entry.residentId])).values()];
    let repaired = 0;
    for (const residentId of residentIds) {
      const resident = await ResidentModel.findById(residentId, { points: 1 }).lean();
      if (!resident) continue;
      const head = await this.head(residentId);
      const before = { available: resident.points?.available ?? 0, pending: resident.points?.pending ?? 0 };
      const after = { available: head.state.available, pending: head.state.pending };
      if (before.available === after.available && before.pending === after.pending && (resident.points?.version ?? 0) === head.version) continue;
      await ResidentModel.updateOne({ _id: residentId }, { $set: { points: { ...after, version: head.version } } });
      if (before.available === after.available && before.pending === after.pending) continue;
      repaired += 1;
      await PointAuditModel.create({ kind: 'reconcile_repair', residentId, reason: 'balance mirror differed from the ledger (recent repair)', before, after, at: now });
    }
    return { finishedEntries, checked: residentIds.length, repaired };
  }

  /** Replays a resident's steps from the start and checks they reproduce the balance of record. */
  async verify(residentId: Types.ObjectId): Promise<{ consistent: boolean; replayed: PointsState; recorded: PointsState }> {
    const steps = await PointStepModel.find({ residentId }).sort({ version: 1 }).lean();
    const entries = new Map((await PointEntryModel.find({ residentId }).lean<PointEntryRecord[]>()).map((entry) => [String(entry._id), entry]));
    let replayed: PointsState = EMPTY_POINTS_STATE;
    for (const step of steps) {
      const entry = entries.get(String(step.entryId));
      if (!entry) return { consistent: false, replayed, recorded: step.state as PointsState };
      replayed = applyIntent(replayed, toIntent(entry)).state;
    }
    const recorded = (steps.at(-1)?.state as PointsState | undefined) ?? EMPTY_POINTS_STATE;
    return { consistent: JSON.stringify(replayed) === JSON.stringify(recorded), replayed, recorded };
  }

  /**
   * The latest step. Found by `_id` from the mirror's version, walking forward while a next step
   * exists: `_id` lookups are the cheapest reads the embedded database has.
   */
  private async head(residentId: Types.ObjectId): Promise<{ version: number; state: PointsState }> {
    const mirror = await ResidentModel.findById(residentId, { 'points.version': 1 }).lean();
    let { version, step } = await this.stepAt(residentId, mirror?.points?.version ?? 0);
    for (;;) {
      const next = await PointStepModel.findById(`${residentId}:${version + 1}`).lean<PointStepRecord>();
      if (!next) break;
      step = next;
      version += 1;
    }
    return step ? { version: step.version, state: step.state as PointsState } : { version: 0, state: EMPTY_POINTS_STATE };
  }

  /** Step `version` (none for 0), or the latest one when the mirror named a step that does not exist. */
  private async stepAt(residentId: Types.ObjectId, version: number): Promise<{ version: number; step: PointStepRecord | null }> {
    if (version <= 0) return { version: 0, step: null };
    const step = await PointStepModel.findById(`${residentId}:${version}`).lean<PointStepRecord>();
    if (step) return { version, step };
    // The mirror is ahead of the ledger (it was corrupted): fall back to the sorted query.
    const latest = await PointStepModel.findOne({ residentId }).sort({ version: -1 }).lean<PointStepRecord>();
    return { version: latest?.version ?? 0, step: latest };
  }

  private async heldEntry(entryId: Types.ObjectId): Promise<PointEntryRecord> {
    const held = await PointEntryModel.findOne({ _id: entryId, 'intent.kind': 'hold' }).lean<PointEntryRecord>();
    if (!held) throw AppError.notFound('待到账积分');
    if (!held.applied) return this.applyEntry(held);
    return held;
  }

  private async submit(meta: EntryMeta, intent: IntentWithoutId, extra: Partial<Pick<PointEntryRecord, 'expiresAt' | 'holdStatus'>> = {}): Promise<PointEntryRecord> {
    return (await this.submitApplied(meta, intent, extra)).entry;
  }

  private async submitApplied(meta: EntryMeta, intent: IntentWithoutId, extra: Partial<Pick<PointEntryRecord, 'expiresAt' | 'holdStatus'>> = {}, alongside?: Alongside): Promise<Applied> {
    const now = meta.now ?? new Date();
    const fields = {
      residentId: meta.residentId,
      intent: { amount: null, heldId: null, targetId: null, now: null, ...intent },
      reasonCode: meta.reasonCode,
      note: meta.note,
      source: meta.source,
      sourceId: meta.sourceId ?? null,
      idempotencyKey: meta.idempotencyKey,
      actorStaffId: meta.actorStaffId ?? null,
      createdAt: now,
      ...extra,
    };
    // The step the caller's fresh mirror read names does not depend on the entry: read both at once.
    const guess = meta.knownVersion === undefined ? undefined : this.optimisticHead(meta.residentId, meta.knownVersion);
    guess?.catch(() => undefined); // awaited below, or left unused after a duplicate key
    let entry: PointEntryRecord;
    try {
      entry = (await PointEntryModel.create(fields)).toObject() as PointEntryRecord;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await PointEntryModel.findOne({ idempotencyKey: meta.idempotencyKey }).lean<PointEntryRecord>();
      if (!existing) throw error;
      const same = existing.residentId.equals(meta.residentId) && existing.intent.kind === intent.kind && (existing.intent.amount ?? null) === ('amount' in intent ? intent.amount : null);
      if (!same) throw AppError.conflict('这个请求编号已用于另一笔积分变动', { idempotencyKey: meta.idempotencyKey });
      return { ...(await this.applyEntryWithState(existing)), fresh: false };
    }
    return { ...(await this.applyEntryWithState(entry, guess, alongside)), fresh: true };
  }

  /** Takes the next step of the resident's points with this entry, exactly once. */
  private async applyEntry(entry: PointEntryRecord): Promise<PointEntryRecord> {
    return (await this.applyEntryWithState(entry)).entry;
  }

  /**
   * The first attempt inserts the step after the one `guess` (read from the caller's fresh mirror
   * version while the entry was inserted) or the mirror names, without first checking that no
   * later step exists: the unique `_id` refuses it if one does, and the retry then walks forward to
   * the real head. Mirrors lag only after a crash or a race, so the common case costs one step read
   * and one step insert. `alongside` is written with the mirrors.
   */
  private async applyEntryWithState(entry: PointEntryRecord, guess?: Promise<Head>, alongside?: Alongside): Promise<Omit<Applied, 'fresh'>> {
    if (entry.applied) return { entry, state: null };
    for (let attempt = 0; attempt < MAX_STEP_ATTEMPTS; attempt += 1) {
      // Only after a conflict can the entry have been applied by someone else (or before a crash).
      const done = attempt > 0 || entry.createdAt.getTime() < Date.now() - 1000 ? await PointStepModel.findOne({ entryId: entry._id }).lean() : null;
      if (done) return this.mirror(entry, done.version, done.outcome as PointsOutcome, done.state as PointsState, alongside);
      const head = attempt === 0 ? await (guess ?? this.optimisticHead(entry.residentId)) : await this.head(entry.residentId);
      const { state, outcome } = applyIntent(head.state, toIntent(entry));
      const version = head.version + 1;
      try {
        await PointStepModel.create({ _id: `${entry.residentId}:${version}`, residentId: entry.residentId, version, entryId: entry._id, outcome, state, at: new Date() });
        // Not awaited here: only the step insert's duplicate key means "look again".
        return this.mirror(entry, version, outcome, state, alongside);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another writer took this step (or applied this very entry); look again.
      }
    }
    throw new AppError('BUSY', '积分同时有太多变动，请稍后重试', 503);
  }

  /** The step the mirror (or the caller's fresh read of it) names, without walking forward. */
  private async optimisticHead(residentId: Types.ObjectId, knownVersion?: number): Promise<Head> {
    const mirrored = knownVersion ?? (await ResidentModel.findById(residentId, { 'points.version': 1 }).lean())?.points?.version ?? 0;
    const { version, step } = await this.stepAt(residentId, mirrored);
    return { version, state: (step?.state as PointsState | undefined) ?? EMPTY_POINTS_STATE };
  }

  /**
   * Copies a step's result onto the entry and the resident; deterministic, so any writer may do it,
   * in any order (a crash between them leaves what `repairRecent` finishes), so they go together.
   */
  private async mirror(entry: PointEntryRecord, version: number, outcome: PointsOutcome, state: PointsState, alongside?: Alongside): Promise<{ entry: PointEntryRecord; state: PointsState }> {
    const applied = { version, amount: outcome.amount, pendingAmount: outcome.pendingAmount, rejected: outcome.rejected, at: new Date() };
    const heldId = outcome.rejected ? null : (entry.intent.heldId ?? (entry.intent.kind === 'clawback' && outcome.pendingAmount < 0 ? entry.intent.targetId : null));
    await Promise.all([
      PointEntryModel.updateOne({ _id: entry._id, applied: null }, { $set: { applied } }),
      outcome.rejected ? null : alongside?.(entry._id, state),
      heldId ? PointEntryModel.updateOne({ _id: heldId }, { $set: { holdStatus: entry.intent.kind === 'release' ? 'released' : 'cancelled' } }) : null,
      ResidentModel.updateOne(
        { _id: entry.residentId, 'points.version': { $lt: version } },
        { $set: { points: { available: state.available, pending: state.pending, version } } },
      ),
    ]);
    return { entry: { ...entry, applied } as PointEntryRecord, state };
  }
}

function assertPositive(amount: number): void {
  if (!Number.isInteger(amount) || amount <= 0) throw AppError.badRequest('积分数必须是正整数');
}

function toIntent(entry: PointEntryRecord): PointsIntent {
  const entryId = String(entry._id);
  const intent = entry.intent;
  switch (intent.kind) {
    case 'earn':
      return { kind: 'earn', entryId, amount: intent.amount ?? 0, expiresAt: isoString(entry.expiresAt) };
    case 'hold':
      return { kind: 'hold', entryId, amount: intent.amount ?? 0 };
    case 'release':
      return { kind: 'release', entryId, heldId: intent.heldId!, expiresAt: isoString(entry.expiresAt) };
    case 'cancel_hold':
      return { kind: 'cancel_hold', entryId, heldId: intent.heldId! };
    case 'spend':
      return { kind: 'spend', entryId, amount: intent.amount ?? 0 };
    case 'clawback':
      return { kind: 'clawback', entryId, targetId: intent.targetId! };
    case 'expire':
      return { kind: 'expire', entryId, now: intent.now! };
  }
}
