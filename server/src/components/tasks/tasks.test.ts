import { Types } from 'mongoose';
import request from 'supertest';
import type { z } from 'zod';
import type { createTaskDefinitionSchema, TaskProgress } from '@o2o/shared/schemas/tasks';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { PointEntryModel } from '../points/points.model';
import { ResidentModel } from '../residents/resident.model';
import { TaskCompletionModel, TaskDefinitionModel, TaskEventModel, TaskProgressMarkModel, TaskViewModel } from './tasks.model';
import { tasksRouter } from './tasks.router';
import { seedDemoTasks } from './tasks.seed';
import { TaskService } from './tasks.service';

useTestDatabase();
jest.setTimeout(120_000);

const services = testServices();
const app = createTestApp({ routers: [tasksRouter(services)] });
const tasks = new TaskService(services.points);

type Session = Awaited<ReturnType<typeof login>>;
type TaskInput = z.input<typeof createTaskDefinitionSchema>;
let admin: Session;
let ops: Session;
let managerA: Session;
let managerB: Session;
let advisorA: Session;
const brandScene: Record<'A' | 'B', string> = { A: '', B: '' };
let residentCount = 0;

beforeAll(async () => {
  await seedDemoData();
  [admin, ops, managerA, managerB, advisorA] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)),
  );
  for (const [store, manager] of [['A', managerA], ['B', managerB]] as const) {
    const codes = (await request(app).get('/codes?type=brand').set(bearer(manager))).body;
    brandScene[store] = codes[0].scene;
  }
});

beforeEach(async () => {
  // Every test states the tasks it needs; none left over from another test may advance.
  await TaskDefinitionModel.deleteMany({});
});

/** A new resident who signed up by scanning the brand code of store A or B. */
async function newResident(store: 'A' | 'B' = 'A'): Promise<Session & { id: Types.ObjectId }> {
  residentCount += 1;
  const session = await login(app, `dev:task-resident-${residentCount}`, { scene: brandScene[store] });
  return { ...session, id: new Types.ObjectId(session.residentId!) };
}

async function createTask(input: Partial<TaskInput> & Pick<TaskInput, 'eventType'>, by: Session = admin): Promise<{ id: string; title: string; rewardPoints: number }> {
  const response = await request(app)
    .post('/tasks/definitions')
    .set(bearer(by))
    .send({ kind: 'daily', target: 1, period: { kind: 'daily' }, rewardPoints: 5, title: '测试任务', nextStep: '去做任务', ...input });
  if (response.status !== 201) throw new Error(`create task failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const event = (residentId: Types.ObjectId, type: TaskInput['eventType'], key: string, occurredAt = new Date()) =>
  tasks.recordEvent({ residentId, type, idempotencyKey: key, occurredAt, source: 'server' });

const available = async (residentId: Types.ObjectId) => (await services.points.balance(residentId)).available;

async function myTasks(session: Session): Promise<{ newbie: TaskProgress[]; daily: TaskProgress[]; special: TaskProgress[] }> {
  const response = await request(app).get('/tasks/me').set(bearer(session));
  expect(response.status).toBe(200);
  return response.body;
}

const shownIds = (list: { newbie: TaskProgress[]; daily: TaskProgress[]; special: TaskProgress[] }) =>
  [...list.newbie, ...list.daily, ...list.special].map((task) => task.taskId);

describe('counting events toward tasks', () => {
  it('when the same event arrives 20 times at once, then it advances the task once', async () => {
    const task = await createTask({ eventType: 'order_completed', target: 2, period: { kind: 'weekly' }, rewardPoints: 30 });
    const resident = await newResident();
    const results = await Promise.all(Array.from({ length: 20 }, () => event(resident.id, 'order_completed', `order:same-${resident.id}`)));

    expect(new Set(results.map((result) => result.eventId)).size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(results.every((result) => result.tasks[0].progress === 1 && result.tasks[0].state === 'in_progress')).toBe(true);
    expect(await TaskEventModel.countDocuments({ residentId: resident.id })).toBe(1);
    expect(await TaskProgressMarkModel.countDocuments({ taskId: task.id, residentId: resident.id })).toBe(1);
    expect(await available(resident.id)).toBe(0);
  });

  it('refuses to reuse an event key for a different event', async () => {
    const resident = await newResident();
    await event(resident.id, 'order_completed', `order:reused-${resident.id}`);
    await expect(event(resident.id, 'first_order', `order:reused-${resident.id}`)).rejects.toThrow(/已用于另一个任务事件/);
  });

  it('when a target-2 task gets its second distinct event, then it completes and awards its points exactly once', async () => {
    const task = await createTask({ eventType: 'order_completed', target: 2, period: { kind: 'weekly' }, rewardPoints: 30, title: '本周下单 2 次' });
    const resident = await newResident();

    const first = await event(resident.id, 'order_completed', `order:o1-${resident.id}`);
    expect(first.tasks[0]).toMatchObject({ taskId: task.id, progress: 1, target: 2, state: 'in_progress' });
    expect(await available(resident.id)).toBe(0);

    const second = await event(resident.id, 'order_completed', `order:o2-${resident.id}`);
    expect(second.tasks[0]).toMatchObject({ progress: 2, state: 'completed' });
    expect(await available(resident.id)).toBe(30);

    await event(resident.id, 'order_completed', `order:o3-${resident.id}`);
    const retried = await event(resident.id, 'order_completed', `order:o2-${resident.id}`);
    expect(retried.duplicate).toBe(true);
    expect(await available(resident.id)).toBe(30);
    expect(await PointEntryModel.countDocuments({ residentId: resident.id, source: 'task', sourceId: task.id })).toBe(1);
    const entry = await PointEntryModel.findOne({ residentId: resident.id, sourceId: task.id }).lean();
    expect(entry).toMatchObject({ reasonCode: 'task_completed', note: '完成任务：本周下单 2 次' });
    expect(await TaskCompletionModel.countDocuments({ taskId: task.id, residentId: resident.id })).toBe(1);
  });

  it('when 20 distinct events race against a target-1 task, then exactly one award is made', async () => {
    const task = await createTask({ eventType: 'group_checkin', target: 1, period: { kind: 'daily' }, rewardPoints: 5 });
    const resident = await newResident();
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => event(resident.id, 'group_checkin', `checkin:race-${resident.id}-${n}`)));

    expect(results.every((result) => result.tasks[0].state === 'completed')).toBe(true);
    expect(await available(resident.id)).toBe(5);
    expect(await PointEntryModel.countDocuments({ residentId: resident.id, source: 'task', sourceId: task.id })).toBe(1);
    expect(await TaskCompletionModel.countDocuments({ taskId: task.id, residentId: resident.id })).toBe(1);
  });

  it('when the award failed after the event was stored, then a retry of the event, or listing the tasks, finishes it', async () => {
    const task = await createTask({ eventType: 'order_completed', kind: 'special', period: { kind: 'once' }, rewardPoints: 40 });
    const earn = jest.spyOn(services.points, 'earn');
    try {
      const viaRetry = await newResident();
      earn.mockRejectedValueOnce(new Error('crashed before the award'));
      await expect(event(viaRetry.id, 'order_completed', `order:crash-${viaRetry.id}`)).rejects.toThrow('crashed');
      expect(await TaskEventModel.countDocuments({ residentId: viaRetry.id })).toBe(1);
      expect(await available(viaRetry.id)).toBe(0);

      const retry = await event(viaRetry.id, 'order_completed', `order:crash-${viaRetry.id}`);
      expect(retry).toMatchObject({ duplicate: true, tasks: [{ taskId: task.id, state: 'completed' }] });
      expect(await available(viaRetry.id)).toBe(40);
      expect(await TaskCompletionModel.countDocuments({ taskId: task.id, residentId: viaRetry.id })).toBe(1);

      const viaList = await newResident();
      earn.mockRejectedValueOnce(new Error('crashed before the award'));
      await expect(event(viaList.id, 'order_completed', `order:crash-${viaList.id}`)).rejects.toThrow('crashed');
      expect((await myTasks(viaList)).special).toMatchObject([{ taskId: task.id, state: 'completed', progress: 1 }]);
      expect(await available(viaList.id)).toBe(40);
    } finally {
      earn.mockRestore();
    }
  });

  it('starts a daily task afresh on the next China-time day: 15:59:59Z and 16:00:00Z are different days', async () => {
    const task = await createTask({ eventType: 'group_checkin', rewardPoints: 5 });
    const resident = await newResident();

    const lateFirstDay = await event(resident.id, 'group_checkin', `checkin:d1-${resident.id}`, new Date('2026-03-01T15:59:59Z'));
    const earlyFirstDay = await event(resident.id, 'group_checkin', `checkin:d1b-${resident.id}`, new Date('2026-03-01T01:00:00Z'));
    const secondDay = await event(resident.id, 'group_checkin', `checkin:d2-${resident.id}`, new Date('2026-03-01T16:00:00Z'));

    expect(lateFirstDay.tasks[0]).toMatchObject({ periodKey: '2026-03-01', state: 'completed' });
    expect(earlyFirstDay.tasks[0]).toMatchObject({ periodKey: '2026-03-01', state: 'completed' });
    expect(secondDay.tasks[0]).toMatchObject({ periodKey: '2026-03-02', state: 'completed' });
    expect(await available(resident.id)).toBe(10);
    const completions = await TaskCompletionModel.find({ taskId: task.id, residentId: resident.id }).sort({ periodKey: 1 }).lean();
    expect(completions.map((completion) => completion.periodKey)).toEqual(['2026-03-01', '2026-03-02']);
  });
});

describe('which tasks a resident sees', () => {
  it('shows a newbie task during the first N days after registration and hides it after', async () => {
    const task = await createTask({ kind: 'newbie', eventType: 'profile_completed', period: { kind: 'once' }, newbieWindowDays: 7, title: '完善资料', nextStep: '去“我的”页面完善资料' });
    const resident = await newResident();
    expect((await myTasks(resident)).newbie).toMatchObject([{ taskId: task.id, state: 'not_started', nextStep: '去“我的”页面完善资料', periodKey: 'once' }]);

    await ResidentModel.updateOne({ _id: resident.id }, { $set: { registeredAt: new Date(Date.now() - 8 * 24 * 3600_000) } });
    expect((await myTasks(resident)).newbie).toEqual([]);
    const late = await event(resident.id, 'profile_completed', `profile:late-${resident.id}`);
    expect(late.tasks).toEqual([]);
    expect(await TaskProgressMarkModel.countDocuments({ taskId: task.id, residentId: resident.id })).toBe(0);
    expect(await available(resident.id)).toBe(0);
  });

  it("shows a store's special task only to that store's residents, and to nobody once operations switch it off", async () => {
    const storeA = managerA.staff!.storeId!;
    const task = await createTask({ kind: 'special', eventType: 'invite_succeeded', period: { kind: 'once' }, storeId: storeA, rewardPoints: 50, title: '邀请邻居' }, managerA);
    const residentA = await newResident('A');
    const residentB = await newResident('B');

    expect((await myTasks(residentA)).special.map((row) => row.taskId)).toEqual([task.id]);
    expect(shownIds(await myTasks(residentB))).not.toContain(task.id);
    expect((await event(residentB.id, 'invite_succeeded', `invite:b-${residentB.id}`)).tasks).toEqual([]);

    expect((await request(app).patch(`/tasks/definitions/${task.id}`).set(bearer(managerB)).send({ active: false })).status).toBe(403);
    const off = await request(app).patch(`/tasks/definitions/${task.id}`).set(bearer(ops)).send({ active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await TaskDefinitionModel.findById(task.id).lean())!.active).toBe(false);
    expect(shownIds(await myTasks(residentA))).not.toContain(task.id);
    expect((await event(residentA.id, 'invite_succeeded', `invite:a-${residentA.id}`)).tasks).toEqual([]);

    const on = await request(app).patch(`/tasks/definitions/${task.id}`).set(bearer(managerA)).send({ active: true });
    expect(on.status).toBe(200);
    expect((await event(residentA.id, 'invite_succeeded', `invite:a2-${residentA.id}`)).tasks).toMatchObject([{ taskId: task.id, state: 'completed' }]);
    expect(await available(residentA.id)).toBe(50);
  });
});

describe('events reported by the mini-program', () => {
  it('accepts an activity view once per key and refuses event types only the server may report', async () => {
    const task = await createTask({ eventType: 'activity_viewed', rewardPoints: 2, title: '浏览今日特惠' });
    const resident = await newResident();
    const send = (body: object) => request(app).post('/tasks/events').set(bearer(resident)).send(body);

    const first = await send({ type: 'activity_viewed', idempotencyKey: 'view-today-0001', meta: { activityId: 'deal-42' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, tasks: [{ taskId: task.id, state: 'completed' }] });
    expect((await send({ type: 'activity_viewed', idempotencyKey: 'view-today-0001' })).body.duplicate).toBe(true);
    expect(await available(resident.id)).toBe(2);
    expect(await TaskEventModel.findOne({ residentId: resident.id }).lean()).toMatchObject({ source: 'miniprogram', type: 'activity_viewed', meta: { activityId: 'deal-42' } });

    for (const type of ['first_order', 'order_completed', 'invite_succeeded', 'profile_completed', 'group_checkin']) {
      const refused = await send({ type, idempotencyKey: `forged-${type}` });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('EVENT_NOT_REPORTABLE');
      expect(refused.body.error.message).toBe('这个任务进度由系统自动记录，无需手动上报');
      expect(refused.body.error.details).toMatchObject({ type });
    }
    expect(await TaskEventModel.countDocuments({ residentId: resident.id })).toBe(1);

    const keyless = await send({ type: 'activity_viewed' });
    expect(keyless.status).toBe(400);
    expect(keyless.body.error.details.map((detail: { path: string }) => detail.path)).toContain('body.idempotencyKey');
    expect((await request(app).post('/tasks/events').set(bearer(managerA)).send({ type: 'activity_viewed', idempotencyKey: 'staff-view-0001' })).status).toBe(403);
  });

  it("keeps two residents' identical client keys apart", async () => {
    await createTask({ eventType: 'activity_viewed', rewardPoints: 2 });
    const [one, two] = [await newResident(), await newResident()];
    for (const resident of [one, two]) {
      const response = await request(app).post('/tasks/events').set(bearer(resident)).send({ type: 'activity_viewed', idempotencyKey: 'same-client-key' });
      expect(response.body.duplicate).toBe(false);
      expect(await available(resident.id)).toBe(2);
    }
  });
});

describe('the review funnel', () => {
  it("counts the store's residents who saw, started and completed each task, as an independent count finds them", async () => {
    const task = await createTask({ kind: 'special', eventType: 'order_completed', period: { kind: 'once' }, target: 2, rewardPoints: 10 });
    const [sawOnly, sawAndStarted, sawAndCompleted, startedUnseen] = [await newResident('A'), await newResident('A'), await newResident('A'), await newResident('A')];
    const otherStore = await newResident('B');
    for (const resident of [sawOnly, sawAndStarted, sawAndCompleted, otherStore]) {
      await myTasks(resident);
      await myTasks(resident); // seeing it again is still one view
    }
    await event(sawAndStarted.id, 'order_completed', `order:f1-${sawAndStarted.id}`);
    await event(startedUnseen.id, 'order_completed', `order:f2-${startedUnseen.id}`);
    for (const resident of [sawAndCompleted, otherStore]) {
      await event(resident.id, 'order_completed', `order:f3-${resident.id}`);
      await event(resident.id, 'order_completed', `order:f4-${resident.id}`);
    }

    const storeA = managerA.staff!.storeId!;
    const response = await request(app).get(`/tasks/funnel?storeId=${storeA}`).set(bearer(managerA));
    expect(response.status).toBe(200);
    const row = response.body.tasks.find((entry: { taskId: string }) => entry.taskId === task.id);

    // Independent count: the residents registered to store A, and which of them have each kind of record.
    const storeResidents = (await ResidentModel.find({ storeId: storeA }, { _id: 1 }).lean()).map((resident) => resident._id);
    const distinct = async (model: typeof TaskViewModel | typeof TaskProgressMarkModel | typeof TaskCompletionModel) =>
      (await (model as typeof TaskViewModel).distinct('residentId', { taskId: task.id, residentId: { $in: storeResidents } })).length;
    const expected = { saw: await distinct(TaskViewModel), started: await distinct(TaskProgressMarkModel), completed: await distinct(TaskCompletionModel) };
    expect(expected).toEqual({ saw: 3, started: 3, completed: 1 });
    expect(row).toMatchObject({ ...expected, openRate: 1, completionRate: 1 / 3 });
    expect(await TaskViewModel.countDocuments({ taskId: task.id })).toBe(4);

    const other = await request(app).get(`/tasks/funnel?storeId=${managerB.staff!.storeId}`).set(bearer(ops));
    expect(other.body.tasks.find((entry: { taskId: string }) => entry.taskId === task.id)).toMatchObject({ saw: 1, started: 1, completed: 1, completionRate: 1 });

    const later = new Date(Date.now() + 3600_000).toISOString();
    const empty = await request(app).get('/tasks/funnel').query({ storeId: storeA, from: later, to: new Date(Date.now() + 7200_000).toISOString() }).set(bearer(admin));
    expect(empty.body.tasks.find((entry: { taskId: string }) => entry.taskId === task.id)).toMatchObject({ saw: 0, started: 0, completed: 0, openRate: null });
  });

  it("denies a manager another store's funnel, and advisors any", async () => {
    const storeA = managerA.staff!.storeId!;
    expect((await request(app).get(`/tasks/funnel?storeId=${storeA}`).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get(`/tasks/funnel?storeId=${storeA}`).set(bearer(advisorA))).status).toBe(403);
    expect((await request(app).get(`/tasks/funnel?storeId=${storeA}`).set(bearer(ops))).status).toBe(200);
  });
});

describe('task definitions', () => {
  it('rejects inconsistent tasks with the field at fault', async () => {
    const post = (body: object) => request(app).post('/tasks/definitions').set(bearer(admin)).send({ kind: 'daily', eventType: 'group_checkin', target: 1, period: { kind: 'daily' }, rewardPoints: 5, title: '社群签到', nextStep: '在社群发送“签到”', ...body });
    const paths = async (body: object) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      return response.body.error.details.map((detail: { path: string }) => detail.path);
    };
    expect(await paths({ kind: 'newbie' })).toContain('body.newbieWindowDays');
    expect(await paths({ newbieWindowDays: 7 })).toContain('body.newbieWindowDays');
    expect(await paths({ period: { kind: 'range', startsAt: '2026-03-10T00:00:00+08:00', endsAt: '2026-03-01T00:00:00+08:00' } })).toContain('body.period.endsAt');
    expect(await paths({ storeId: managerA.staff!.storeId, cityId: managerA.staff!.cityId })).toContain('body.cityId');
    expect(await paths({ eventType: 'dancing' })).toContain('body.eventType');

    const task = await createTask({ eventType: 'group_checkin' });
    const patch = await request(app).patch(`/tasks/definitions/${task.id}`).set(bearer(admin)).send({ newbieWindowDays: 3 });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details[0].path).toBe('body.newbieWindowDays');
  });

  it('lets managers manage only tasks of their own store, city ops their city, and admins any', async () => {
    const base = { kind: 'special', eventType: 'invite_succeeded', target: 1, period: { kind: 'weekly' }, rewardPoints: 10, title: '邀请邻居', nextStep: '去分享' };
    const post = (by: Session, body: object) => request(app).post('/tasks/definitions').set(bearer(by)).send({ ...base, ...body });
    expect((await post(managerA, { storeId: managerB.staff!.storeId })).status).toBe(403);
    expect((await post(managerA, {})).status).toBe(403);
    expect((await post(advisorA, { storeId: advisorA.staff!.storeId })).status).toBe(403);
    expect((await post(ops, {})).status).toBe(403);
    expect((await post(ops, { cityId: ops.staff!.cityId })).status).toBe(201);
    expect((await post(ops, { storeId: managerB.staff!.storeId })).status).toBe(201);
    expect((await post(admin, {})).status).toBe(201);
    const own = await post(managerA, { storeId: managerA.staff!.storeId });
    expect(own.status).toBe(201);
    expect(await TaskDefinitionModel.countDocuments({ createdBy: managerA.staff!.id })).toBe(1);

    const seenByB = (await request(app).get('/tasks/definitions').set(bearer(managerB))).body.map((row: { id: string }) => row.id);
    expect(seenByB).not.toContain(own.body.id);
    expect(seenByB).toHaveLength(3); // the city's, store B's and the unscoped one
    expect((await request(app).get('/tasks/definitions').set(bearer(ops))).body).toHaveLength(4);
  });

  it('seeds the Chinese demo tasks once', async () => {
    expect(await seedDemoTasks()).toEqual({ created: 10 });
    expect(await seedDemoTasks()).toEqual({ created: 0 });
    const resident = await newResident();
    const list = await myTasks(resident);
    expect(list.newbie.map((task) => task.title)).toEqual(['完成注册', '完善资料', '加入门店社群', '完成首单', '发一条晒单']);
    expect(list.daily.map((task) => [task.title, task.period, task.target])).toEqual([
      ['每日签到', 'daily', 1],
      ['浏览今日特惠', 'daily', 1],
      ['本周下单 2 次', 'weekly', 2],
    ]);
    expect(list.daily[0].nextStep).toBe('在首页签到，或在社群发送“签到”');
    expect(list.special).toMatchObject([
      { title: '邀请邻居', eventType: 'invite_succeeded' },
      { title: '本周评论 3 次', eventType: 'comment_posted', period: 'weekly', target: 3 },
    ]);
    expect(list.newbie.find((task) => task.title === '完成首单')).toMatchObject({ rewardPoints: 100, availableUntil: expect.any(String) });

    await event(resident.id, 'signup_completed', `signup:${resident.id}`);
    expect(await available(resident.id)).toBe(20);
  });
});

describe('content tasks (邻里圈)', () => {
  // Keys as the content routes record them: one event per post or comment, so a retried request repeats its key.
  const seeded = async () => {
    await seedDemoTasks();
    const [showOrder, comment] = await Promise.all([
      TaskDefinitionModel.findOne({ title: '发一条晒单' }).lean(),
      TaskDefinitionModel.findOne({ title: '本周评论 3 次' }).lean(),
    ]);
    return { showOrder: showOrder!, comment: comment! };
  };

  it('when a new resident\'s 晒单 is recorded 10 times at once and then again, then "发一条晒单" completes once and pays its points once', async () => {
    const { showOrder } = await seeded();
    const resident = await newResident();
    const key = `order_shown:post-${resident.id}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => event(resident.id, 'order_shown', key)));
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect((await event(resident.id, 'order_shown', key)).duplicate).toBe(true);
    // A second 晒单 later is a new event, but the once-only task stays completed and unpaid again.
    await event(resident.id, 'order_shown', `order_shown:post-2-${resident.id}`);

    expect(await TaskCompletionModel.countDocuments({ taskId: showOrder._id, residentId: resident.id })).toBe(1);
    expect(await PointEntryModel.countDocuments({ residentId: resident.id, source: 'task', sourceId: String(showOrder._id) })).toBe(1);
    expect(await available(resident.id)).toBe(showOrder.rewardPoints);
    expect((await myTasks(resident)).newbie.find((task) => task.title === '发一条晒单')).toMatchObject({ state: 'completed', progress: 1 });
  });

  it('when three comments are recorded in a week, each retried, then "本周评论 3 次" completes once; the next China-time week starts afresh', async () => {
    const { comment } = await seeded();
    const resident = await newResident();
    // Monday 2026-03-02 to Sunday 2026-03-08 in China; 2026-03-08T16:00Z is Monday 00:00 of the next week.
    const week1 = ['2026-03-02T02:00:00Z', '2026-03-05T10:00:00Z', '2026-03-08T15:59:59Z'];
    for (const [index, at] of week1.entries()) {
      const key = `comment_posted:c${index}-${resident.id}`;
      await Promise.all([event(resident.id, 'comment_posted', key, new Date(at)), event(resident.id, 'comment_posted', key, new Date(at))]);
      const retried = await event(resident.id, 'comment_posted', key, new Date(at));
      expect(retried.tasks.find((task) => task.taskId === String(comment._id))).toMatchObject({ progress: index + 1, state: index === 2 ? 'completed' : 'in_progress' });
    }
    const nextWeek = await event(resident.id, 'comment_posted', `comment_posted:c3-${resident.id}`, new Date('2026-03-08T16:00:00Z'));
    expect(nextWeek.tasks.find((task) => task.taskId === String(comment._id))).toMatchObject({ periodKey: '2026-W11', progress: 1, state: 'in_progress' });

    const completions = await TaskCompletionModel.find({ taskId: comment._id, residentId: resident.id }).lean();
    expect(completions.map((completion) => completion.periodKey)).toEqual(['2026-W10']);
    expect(await TaskProgressMarkModel.countDocuments({ taskId: comment._id, residentId: resident.id })).toBe(4);
    expect(await available(resident.id)).toBe(comment.rewardPoints);
  });

  it('does not count likes, saves or shares toward the comment task', async () => {
    const { comment } = await seeded();
    const resident = await newResident();
    await event(resident.id, 'post_liked', `post_liked:p1-${resident.id}`);
    await event(resident.id, 'post_saved', `post_saved:p1-${resident.id}`);
    await event(resident.id, 'post_shared', `post_shared:p1-${resident.id}`);
    expect(await TaskProgressMarkModel.countDocuments({ taskId: comment._id, residentId: resident.id })).toBe(0);
    expect(await TaskEventModel.countDocuments({ residentId: resident.id, type: { $in: ['post_liked', 'post_saved', 'post_shared'] } })).toBe(3);
  });
});
