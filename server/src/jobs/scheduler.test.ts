import mongoose from 'mongoose';
import request from 'supertest';
import { createLogger } from '../lib/logger';
import { DEMO_LOGINS, seedDemoData } from '../seed/demo-data';
import { bearer, login } from '../testing/api-helpers';
import { createTestApp, createTestApplication } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';
import { JobLeaseModel, JobRunModel } from './job.model';
import { Scheduler, type JobDefinition } from './scheduler';

useTestDatabase();
jest.setTimeout(60_000);

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingJob(name: string, intervals: { start: number; end: number }[], workMs = 60, leaseMs?: number): JobDefinition {
  return {
    name,
    title: name,
    schedule: { kind: 'daily', at: '03:00' },
    leaseMs,
    run: async () => {
      const start = Date.now();
      await sleep(workMs);
      intervals.push({ start, end: Date.now() });
      return { worked: 1 };
    },
  };
}

describe('scheduler', () => {
  it('never runs one job in two instances at once', async () => {
    const intervals: { start: number; end: number }[] = [];
    const job = recordingJob('overlap-check', intervals);
    const first = new Scheduler([job], logger);
    const second = new Scheduler([job], logger);
    for (let round = 0; round < 8; round += 1) {
      await Promise.all([first, second, first, second].map((scheduler) => scheduler.tick(job, 'manual')));
    }
    expect(intervals.length).toBeGreaterThanOrEqual(8);
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i += 1) expect(sorted[i].start).toBeGreaterThanOrEqual(sorted[i - 1].end);
    expect(await JobRunModel.countDocuments({ job: 'overlap-check', status: 'succeeded' })).toBe(intervals.length);
  });

  it('runs a scheduled period once across instances, and catches up a missed one at start', async () => {
    const intervals: { start: number; end: number }[] = [];
    const job = recordingJob('daily-once', intervals, 10);
    const instances = [new Scheduler([job], logger), new Scheduler([job], logger)];
    const now = new Date('2026-03-02T01:00:00Z'); // 09:00 in Shanghai: the 03:00 run of 03-02 is due
    await Promise.all(instances.map((scheduler) => scheduler.tick(job, 'catch_up', { now })));
    await Promise.all(instances.map((scheduler) => scheduler.tick(job, 'schedule', { now })));
    expect(intervals).toHaveLength(1);
    const run = await JobRunModel.findOne({ job: 'daily-once' }).lean();
    expect(run).toMatchObject({ periodKey: '2026-03-02', trigger: 'catch_up', status: 'succeeded', counts: { worked: 1 } });
    await instances[0].tick(job, 'schedule', { now: new Date('2026-03-02T19:00:00Z') });
    expect(intervals).toHaveLength(2);
  });

  it("lets a killed job's lease expire, marks its run abandoned, and the next run proceeds", async () => {
    const intervals: { start: number; end: number }[] = [];
    const job = recordingJob('killed-job', intervals, 10, 300);
    // An instance took the lease and died without releasing it.
    await JobLeaseModel.create({ _id: 'killed-job:1', job: 'killed-job', n: 1, holder: 'dead:1', acquiredAt: new Date(), expiresAt: new Date(Date.now() + 300) });
    const dead = await JobRunModel.create({ job: 'killed-job', periodKey: 'x', trigger: 'schedule', holder: 'dead:1', lease: 'killed-job:1', status: 'running', startedAt: new Date() });
    await JobLeaseModel.updateOne({ _id: 'killed-job:1' }, { $set: { runId: dead._id } });

    const scheduler = new Scheduler([job], logger);
    expect(await scheduler.tick(job, 'manual')).toBeNull();
    await sleep(350);
    const run = await scheduler.tick(job, 'manual');
    expect(run).toMatchObject({ status: 'succeeded', lease: 'killed-job:2' });
    expect((await JobRunModel.findById(dead._id).lean())!.status).toBe('abandoned');
  });

  it('records a failed run with its error and keeps the period due', async () => {
    const job: JobDefinition = { name: 'failing', title: 'failing', schedule: { kind: 'daily', at: '03:00' }, run: async () => { throw new Error('boom'); } };
    const scheduler = new Scheduler([job], logger);
    const now = new Date('2026-03-02T01:00:00Z');
    expect(await scheduler.tick(job, 'schedule', { now })).toMatchObject({ status: 'failed', error: 'boom' });
    expect(await scheduler.tick(job, 'schedule', { now })).toMatchObject({ status: 'failed' });
  });
});

describe('jobs registered by their components', () => {
  it('the app runs every component job, in catch-up order, each with a Chinese title', () => {
    const { scheduler } = createTestApplication();
    expect(scheduler.jobs.map((job) => job.name)).toEqual([
      'points-expiry', 'points-reconcile', 'points-repair', 'scan-dedupe-sweep', 'bind-codes-sweep', 'invites-maintenance', 'invites-fraud-scan', 'invites-tier-sweep',
      'rewards-repair', 'orders-repair', 'metrics-rollup', 'metrics-today', 'metrics-review', 'scorecards-rollup', 'interest-rebuild', 'labels-recompute', 'campaign-pushes-resume',
      'sop-materialise', 'churn-detect',
    ]);
    for (const job of scheduler.jobs) expect(job.title).toMatch(/[\u4e00-\u9fff]/);
  });

  it('the sweeps delete expired scan keys and bind codes and keep fresh ones', async () => {
    const { scheduler } = createTestApplication();
    const now = new Date('2026-03-02T04:00:00Z');
    const scans = mongoose.connection.collection('scan_dedupes');
    await scans.insertMany([{ _id: 'old' as never, touchId: new mongoose.Types.ObjectId(), at: new Date(now.getTime() - 3600_000) }, { _id: 'fresh' as never, touchId: new mongoose.Types.ObjectId(), at: now }]);
    const sweep = await scheduler.tick(scheduler.get('scan-dedupe-sweep')!, 'manual', { now });
    expect(sweep).toMatchObject({ status: 'succeeded', counts: { scanDedupes: 1 } });
    expect((await scans.find().toArray()).map((doc) => doc._id)).toEqual(['fresh']);
    expect(await scheduler.tick(scheduler.get('bind-codes-sweep')!, 'manual', { now })).toMatchObject({ status: 'succeeded' });
  });
});

describe('admin job endpoints', () => {
  it('lists jobs, runs one by hand and shows the run; other roles are refused', async () => {
    await seedDemoData();
    const app = createTestApp();
    const admin = await login(app, DEMO_LOGINS.admin);
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const jobs = (await request(app).get('/jobs').set(bearer(admin))).body;
    expect(jobs.map((job: { name: string }) => job.name)).toEqual(expect.arrayContaining(['points-expiry', 'points-reconcile', 'invites-fraud-scan', 'rewards-repair']));
    const run = await request(app).post('/jobs/points-reconcile/run').set(bearer(admin));
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ job: 'points-reconcile', trigger: 'manual', status: 'succeeded', triggeredBy: admin.staff!.id });
    expect(run.body.counts.checked).toBeGreaterThanOrEqual(0);
    const runs = (await request(app).get('/jobs/runs?job=points-reconcile').set(bearer(admin))).body;
    expect(runs[0].id).toBe(run.body.id);
    expect((await request(app).post('/jobs/points-reconcile/run').set(bearer(manager))).status).toBe(403);
    expect((await request(app).post('/jobs/nope/run').set(bearer(admin))).status).toBe(404);
  });
});

describe('catching up at start', () => {
  it('runs the missed periods one job after another, and retries a failed catch-up until it succeeds', async () => {
    await seedDemoData();
    const app = createTestApp();
    const admin = await login(app, DEMO_LOGINS.admin);
    let sequence = 0;
    const runs: { name: string; start: number; end: number }[] = [];
    let failuresLeft = 1;
    let succeededOnRetry!: () => void;
    const retried = new Promise<void>((resolve) => (succeededOnRetry = resolve));
    // The retry (after 50 ms) may succeed before the first pass reaches the last job: wait for both.
    let lastRan!: () => void;
    const firstPassDone = new Promise<void>((resolve) => (lastRan = resolve));
    const job = (name: string, failFirst = false): JobDefinition => ({
      name, title: name, schedule: { kind: 'daily', at: '03:00' },
      run: async () => {
        const start = (sequence += 1);
        await JobRunModel.exists({ job: name });
        runs.push({ name, start, end: (sequence += 1) });
        if (failFirst && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('E11000 duplicate key error collection: metric_rollups');
        }
        if (failFirst) succeededOnRetry();
        if (name === 'catch-up-third') lastRan();
        return { ran: 1 };
      },
    });
    const scheduler = new Scheduler([job('catch-up-first', true), job('catch-up-second'), job('catch-up-third')], logger, { retryDelaysMs: [50] });
    scheduler.start();
    await Promise.all([retried, firstPassDone]);
    await scheduler.stop();

    // The first pass: in definition order, never two at once.
    const firstRuns = ['catch-up-first', 'catch-up-second', 'catch-up-third'].map((name) => runs.find((run) => run.name === name)!);
    expect(firstRuns[0].end).toBeLessThan(firstRuns[1].start);
    expect(firstRuns[1].end).toBeLessThan(firstRuns[2].start);
    expect(runs.filter((run) => run.name === 'catch-up-first')).toHaveLength(2);

    const history = await request(app).get('/jobs/runs').query({ job: 'catch-up-first' }).set(bearer(admin));
    expect(history.status).toBe(200);
    expect(history.body.map((run: { trigger: string; status: string }) => [run.trigger, run.status])).toEqual([['catch_up', 'succeeded'], ['catch_up', 'failed']]);
    expect(history.body[1].error).toMatch(/E11000/);
    expect(history.body[0].periodKey).toBe(history.body[1].periodKey);
  });
});
