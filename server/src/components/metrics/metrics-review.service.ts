import type { Types } from 'mongoose';
import { chinaDateKey, DAY_MS } from '@o2o/shared/rules/china-time';
import { addDays, addMonths, advisorProgress, dayRangeInstants, hardestFirst, lastEndedReviewPeriod, REVIEW_PERIOD_DAYS } from '@o2o/shared/rules/metrics';
import type { Review } from '@o2o/shared/schemas/metrics';
import { AppError } from '../../lib/app-error';
import { reviewContent } from '../content/content-review';
import { CommunityModel, type CommunityRecord } from '../organisation/organisation.model';
import { StaffModel } from '../staff/staff.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskProgressMarkModel, TaskViewModel } from '../tasks/tasks.model';
import type { MetricsContext } from './metrics-context';
import type { MetricsProgress } from './metrics-progress.service';
import type { MetricsQueries } from './metrics-query.service';
import type { MetricScope } from './metrics-scope';
import { MetricReviewModel } from './metrics.model';
import { BATCH_SIZE } from './metrics.repository';

/** The biweekly review, built by the `metrics-review` job and kept in `metric_reviews`. */
export class MetricsReviews {
  constructor(
    private readonly context: MetricsContext,
    private readonly queries: MetricsQueries,
    private readonly progress: MetricsProgress,
  ) {}

  /**
   * Builds the review of the 14 days ending on `endDay` and stores it in `metric_reviews` under
   * `<from>_<to>` (rebuilding replaces it): the newbie-task funnel, 7-day conversion of the last
   * four 14-day cohorts, repurchase of the last three complete month pairs, the ten hardest
   * communities, the ten advisors furthest from their goal, and the content section (with the
   * previous 14 days beside it).
   */
  async buildReview(endDay: string): Promise<Review> {
    const from = addDays(endDay, -(REVIEW_PERIOD_DAYS - 1));
    const id = `${from}_${endDay}`;
    const { start, end } = dayRangeInstants(from, endDay);
    const everything: MetricScope = { dimension: 'all', values: ['all'], label: 'all' };

    const newbie = await TaskDefinitionModel.find({ kind: 'newbie' }, { title: 1 }).lean();
    const taskIds = newbie.map((task) => task._id);
    const stage = async (cursor: AsyncIterable<{ taskId: Types.ObjectId; residentId: Types.ObjectId }>) => {
      const perTask = new Map<string, Set<string>>();
      const overall = new Set<string>();
      for await (const row of cursor) {
        const task = String(row.taskId);
        if (!perTask.has(task)) perTask.set(task, new Set());
        perTask.get(task)!.add(String(row.residentId));
        overall.add(String(row.residentId));
      }
      return { perTask, overall };
    };
    const projection = { projection: { taskId: 1, residentId: 1 }, batchSize: BATCH_SIZE };
    type Row = { taskId: Types.ObjectId; residentId: Types.ObjectId };
    const [saw, started, completed] = await Promise.all([
      stage(TaskViewModel.collection.find<Row>({ taskId: { $in: taskIds }, seenAt: { $gte: start, $lt: end } }, projection)),
      stage(TaskProgressMarkModel.collection.find<Row>({ taskId: { $in: taskIds }, occurredAt: { $gte: start, $lt: end } }, projection)),
      stage(TaskCompletionModel.collection.find<Row>({ taskId: { $in: taskIds }, completedAt: { $gte: start, $lt: end } }, projection)),
    ]);
    const rates = (s: number, st: number, c: number) => ({ saw: s, started: st, completed: c, openRate: s > 0 ? st / s : null, completionRate: s > 0 ? c / s : null });

    const conversionTrend = [];
    for (let back = 3; back >= 0; back -= 1) {
      const periodTo = addDays(endDay, -back * REVIEW_PERIOD_DAYS);
      const periodFrom = addDays(periodTo, -(REVIEW_PERIOD_DAYS - 1));
      const conversion = await this.queries.conversionFor(everything, periodFrom, periodTo, 7);
      conversionTrend.push({ from: periodFrom, to: periodTo, registrations: conversion.registrations, converted7: conversion.converted, rate: conversion.rate });
    }
    const lastCompleteBase = addMonths(endDay.slice(0, 7), -1);
    const repurchaseTrend = [];
    for (let back = 3; back >= 1; back -= 1) {
      const month = addMonths(lastCompleteBase, -back + 1);
      const repurchase = await this.queries.repurchaseFor(everything, month);
      repurchaseTrend.push({ month, all: repurchase.all, newResidents: repurchase.newResidents });
    }
    const hardestCommunities = hardestFirst(await this.progress.penetrationOf(await CommunityModel.find({}).lean<CommunityRecord[]>())).slice(0, 10);
    const advisors = await StaffModel.find({ role: 'advisor', active: true }).lean();
    const consumers = await this.progress.consumersBy('advisor', advisors.map((advisor) => advisor._id));
    const advisorsBehind = advisors
      .map((advisor) => {
        const progress = advisorProgress(consumers.get(String(advisor._id)) ?? 0, advisor.goalConsumerUsers);
        return { advisorId: String(advisor._id), name: advisor.name, storeId: advisor.storeId ? String(advisor.storeId) : null, goal: progress.goal, consumers: progress.consumers, remaining: progress.remaining };
      })
      .sort((a, b) => b.remaining - a.remaining || (a.advisorId < b.advisorId ? -1 : 1))
      .slice(0, 10);

    const createdAt = this.context.now();
    const review: Review = {
      id, from, to: endDay, createdAt: createdAt.toISOString(),
      newbieTasks: {
        ...rates(saw.overall.size, started.overall.size, completed.overall.size),
        tasks: newbie.map((task) => {
          const key = String(task._id);
          return { taskId: key, title: task.title, ...rates(saw.perTask.get(key)?.size ?? 0, started.perTask.get(key)?.size ?? 0, completed.perTask.get(key)?.size ?? 0) };
        }),
      },
      conversionTrend,
      repurchaseTrend,
      hardestCommunities,
      advisorsBehind,
      content: await reviewContent(from, endDay),
    };
    await MetricReviewModel.updateOne({ _id: id }, { $set: { from, to: endDay, createdAt, body: review } }, { upsert: true });
    return review;
  }

  /** Builds the review of the last 14-day period that ended before `now`'s day, unless it exists (so a missed day is caught up). */
  async reviewIfDue(now: Date): Promise<Record<string, unknown>> {
    const period = lastEndedReviewPeriod(chinaDateKey(new Date(now.getTime() - DAY_MS)));
    if (await MetricReviewModel.exists({ _id: period.key })) return { built: false, period: period.key };
    await this.buildReview(period.to);
    return { built: true, period: period.key };
  }

  async listReviews(limit: number): Promise<{ id: string; from: string; to: string; createdAt: string }[]> {
    const reviews = await MetricReviewModel.find({}, { from: 1, to: 1, createdAt: 1 }).sort({ to: -1 }).limit(limit).lean();
    return reviews.map((review) => ({ id: String(review._id), from: review.from, to: review.to, createdAt: review.createdAt.toISOString() }));
  }

  async getReview(id: string): Promise<Review> {
    const review = await MetricReviewModel.findById(id).lean();
    if (!review) throw AppError.notFound('复盘报告');
    const body = review.body as Review;
    // Reviews built before the content section existed get it computed on reading.
    return body.content ? body : { ...body, content: await reviewContent(body.from, body.to) };
  }
}
