import { randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import cron, { type ScheduledTask } from 'node-cron';
import { cronExpression, duePeriodKey, type JobSchedule } from '@o2o/shared/rules/job-schedule';
import type { Logger } from '../lib/logger';
import { JobLeaseModel, JobRunModel, type JobRunRecord } from './job.model';
import { isDuplicateKey } from '../db/unique-insert';

export interface JobDefinition {
  name: string;
  /** Simplified Chinese, for the admin list. */
  title: string;
  schedule: JobSchedule;
  /** A run that holds its lease longer than this without renewing is considered dead. */
  leaseMs?: number;
  /** Must be safe to rerun: every job writes through idempotency keys and unique inserts. */
  run(now: Date): Promise<Record<string, unknown>>;
}

export type Trigger = 'schedule' | 'catch_up' | 'manual';

const DEFAULT_LEASE_MS = 5 * 60_000;
/** A failed scheduled or caught-up run is tried again after these delays, then waits for its next period. */
const DEFAULT_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000];

export interface SchedulerOptions {
  retryDelaysMs?: readonly number[];
}

/**
 * Runs scheduled jobs with node-cron (Asia/Shanghai). Several instances may run the scheduler: a
 * run first takes the job's next lease by a unique insert, so one job never runs twice at once;
 * the lease is renewed while the job runs and expires if its holder dies. Each run is recorded;
 * a period with no successful run is caught up at start, one job after another in definition
 * order (so a job that reads another's output runs after it, and start-up is not a stampede), and a
 * failed run is retried after `retryDelaysMs`.
 */
export class Scheduler {
  readonly holder = `${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly retryDelaysMs: readonly number[];
  private stopped = false;

  constructor(
    readonly jobs: JobDefinition[],
    private readonly logger: Logger,
    options: SchedulerOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  }

  get(name: string): JobDefinition | undefined {
    return this.jobs.find((job) => job.name === name);
  }

  /** The job's latest run, or null. */
  async lastRun(name: string): Promise<JobRunRecord | null> {
    return JobRunModel.findOne({ job: name }).sort({ startedAt: -1 }).lean<JobRunRecord>();
  }

  /** Recent runs, newest first, of one job or all. */
  async recentRuns(query: { job?: string; limit: number }): Promise<JobRunRecord[]> {
    return JobRunModel.find(query.job ? { job: query.job } : {}).sort({ startedAt: -1 }).limit(query.limit).lean<JobRunRecord[]>();
  }

  /** Schedules every job and catches up the periods whose run was missed. */
  start(): void {
    for (const job of this.jobs) {
      this.tasks.push(
        cron.schedule(cronExpression(job.schedule), () => void this.track(this.runWithRetry(job, 'schedule')), { timezone: 'Asia/Shanghai', name: job.name }),
      );
    }
    void this.track(this.catchUp());
  }

  /** Each job's missed period, one job at a time. */
  private async catchUp(): Promise<void> {
    for (const job of this.jobs) {
      if (this.stopped) return;
      await this.track(this.runWithRetry(job, 'catch_up'));
    }
  }

  /** Runs the job if due; when the run fails, tries again later (as a catch-up of whatever period is then due). */
  private async runWithRetry(job: JobDefinition, trigger: Trigger, attempt = 0): Promise<JobRunRecord | null> {
    const run = await this.tick(job, trigger);
    if (run?.status !== 'failed' || this.stopped || attempt >= this.retryDelaysMs.length) return run;
    const delay = this.retryDelaysMs[attempt];
    this.logger.warn({ job: job.name, attempt: attempt + 1, delayMs: delay }, 'job failed; retrying');
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.track(this.runWithRetry(job, 'catch_up', attempt + 1));
    }, delay);
    timer.unref();
    this.retries.add(timer);
    return run;
  }

  /** Stops scheduling and retries, and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await Promise.all(this.tasks.map((task) => task.stop()));
    await Promise.allSettled([...this.running]);
  }

  /**
   * Runs the job if it is due (or always, when triggered by hand) and nobody else is running it.
   * Returns the run record, or null when it did not run.
   */
  async tick(job: JobDefinition, trigger: Trigger, options: { now?: Date; triggeredBy?: Types.ObjectId } = {}): Promise<JobRunRecord | null> {
    if (this.stopped && trigger !== 'manual') return null;
    const now = options.now ?? new Date();
    const periodKey = trigger === 'manual' ? `manual:${now.toISOString()}` : duePeriodKey(job.schedule, now);
    if (trigger !== 'manual' && (await JobRunModel.exists({ job: job.name, periodKey, status: 'succeeded' }))) return null;
    const lease = await this.acquire(job, now);
    if (!lease) return null;

    const run = await JobRunModel.create({
      job: job.name, periodKey, trigger, holder: this.holder, lease, status: 'running', startedAt: new Date(), triggeredBy: options.triggeredBy ?? null,
    });
    await JobLeaseModel.updateOne({ _id: lease }, { $set: { runId: run._id } });
    const leaseMs = job.leaseMs ?? DEFAULT_LEASE_MS;
    const heartbeat = setInterval(() => {
      JobLeaseModel.updateOne({ _id: lease }, { $set: { expiresAt: new Date(Date.now() + leaseMs) } }).catch(() => undefined);
    }, Math.max(50, leaseMs / 3));
    try {
      const counts = await job.run(now);
      await JobRunModel.updateOne({ _id: run._id }, { $set: { status: 'succeeded', endedAt: new Date(), counts } });
      this.logger.info({ job: job.name, trigger, periodKey, counts }, 'job succeeded');
    } catch (error) {
      await JobRunModel.updateOne({ _id: run._id }, { $set: { status: 'failed', endedAt: new Date(), error: (error as Error).message?.slice(0, 2000) ?? String(error) } });
      this.logger.error({ err: error, job: job.name, trigger, periodKey }, 'job failed');
    } finally {
      clearInterval(heartbeat);
      await JobLeaseModel.updateOne({ _id: lease }, { $set: { released: true } });
    }
    return JobRunModel.findById(run._id).lean<JobRunRecord>();
  }

  /** Takes lease N+1 when lease N is released or expired; a unique insert decides between instances. */
  private async acquire(job: JobDefinition, now: Date): Promise<string | null> {
    const latest = await JobLeaseModel.findOne({ job: job.name }).sort({ n: -1 }).lean();
    if (latest && !latest.released && latest.expiresAt > now) return null;
    const n = (latest?.n ?? 0) + 1;
    const id = `${job.name}:${n}`;
    try {
      await JobLeaseModel.create({ _id: id, job: job.name, n, holder: this.holder, acquiredAt: now, expiresAt: new Date(now.getTime() + (job.leaseMs ?? DEFAULT_LEASE_MS)) });
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    if (latest && !latest.released && latest.runId) {
      // Its holder died mid-run.
      await JobRunModel.updateOne({ _id: latest.runId, status: 'running' }, { $set: { status: 'abandoned', endedAt: now, error: 'lease expired: the instance running it stopped' } });
    }
    return id;
  }

  private track<T>(promise: Promise<T>): Promise<T | undefined> {
    const guarded = promise.catch((error: unknown) => {
      this.logger.error({ err: error }, 'scheduler tick failed');
      return undefined;
    });
    this.running.add(guarded);
    void guarded.finally(() => this.running.delete(guarded));
    return guarded;
  }
}
