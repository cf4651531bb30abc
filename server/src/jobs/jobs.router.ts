import { z } from 'zod';
import { ApiRouter } from '../lib/api-router';
import { AppError } from '../lib/app-error';
import { idString, isoString } from '../lib/ids';
import { staffOf, type Guards } from '../components/auth/auth.guard';
import type { JobRunRecord } from './job.model';
import type { Scheduler } from './scheduler';

const jobRunSchema = z.object({
  id: z.string(),
  job: z.string(),
  periodKey: z.string(),
  trigger: z.enum(['schedule', 'catch_up', 'manual']),
  holder: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'abandoned']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  counts: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  triggeredBy: z.string().nullable(),
});

function runView(run: JobRunRecord) {
  return {
    id: String(run._id), job: run.job, periodKey: run.periodKey, trigger: run.trigger, holder: run.holder, status: run.status,
    startedAt: run.startedAt.toISOString(), endedAt: isoString(run.endedAt), counts: (run.counts ?? {}) as Record<string, unknown>,
    error: run.error ?? null, triggeredBy: idString(run.triggeredBy),
  };
}

/** Admins see every job and its runs, and can run a job by hand. */
export function jobsRouter(guards: Guards, scheduler: Scheduler): ApiRouter {
  const tags = ['jobs'];
  const admins = guards.staff('admin');
  return new ApiRouter('/jobs')
    .route({
      method: 'get', path: '', summary: 'Scheduled jobs with their last run', tags, guards: admins, authenticated: true,
      response: z.array(z.object({ name: z.string(), title: z.string(), schedule: z.record(z.string(), z.unknown()), lastRun: jobRunSchema.nullable() })),
      handler: async () =>
        Promise.all(
          scheduler.jobs.map(async (job) => {
            const last = await scheduler.lastRun(job.name);
            return { name: job.name, title: job.title, schedule: job.schedule as Record<string, unknown>, lastRun: last ? runView(last) : null };
          }),
        ),
    })
    .route({
      method: 'get', path: '/runs', summary: 'Recent job runs, newest first', tags, guards: admins, authenticated: true,
      query: z.object({ job: z.string().max(60).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: z.array(jobRunSchema),
      handler: async ({ query }) =>
        (await scheduler.recentRuns(query)).map(runView),
    })
    .route({
      method: 'post', path: '/:name/run', summary: 'Run a job now (waits for it); 409 if it is already running elsewhere', tags, errors: [404, 409],
      guards: admins, authenticated: true, params: z.object({ name: z.string().max(60) }), response: jobRunSchema,
      handler: async ({ params, req }) => {
        const job = scheduler.get(params.name);
        if (!job) throw AppError.notFound('定时任务');
        const run = await scheduler.tick(job, 'manual', { triggeredBy: staffOf(req).id });
        if (!run) throw AppError.conflict('这个任务正在运行，请等它结束后再试');
        return runView(run);
      },
    });
}
