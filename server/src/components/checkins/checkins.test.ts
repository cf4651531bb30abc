import { Types } from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { GroupCheckinModel } from '../groups/groups.model';
import { CommunityModel } from '../organisation/organisation.model';
import { PointEntryModel } from '../points/points.model';
import { TaskEventModel } from '../tasks/tasks.model';
import { CheckinService } from './checkins.service';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' } });
const services = testServices({ BOT_API_TOKEN: TOKEN });
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let roomId = '';
let communityId = '';

beforeAll(async () => {
  await seedDemo();
  communityId = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
  const manager = await login(app, DEMO_LOGINS.managers[0]);
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId: manager.staff!.storeId })).body.code;
  roomId = 'checkin-room@chatroom';
  await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-manager', name: '店长', roomId, topic: '徐家汇邻里群' }).expect(200);
});

async function resident(name: string, wxid?: string): Promise<Session> {
  const session = await login(app, `dev:${name}`);
  await request(app).post('/residents/me/sign-up').set(bearer(session)).send({ communityId }).expect(200);
  if (wxid) {
    const code = (await request(app).post('/groups/identity-codes').set(bearer(session))).body.code;
    await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid, name, roomId: null, topic: null }).expect(200);
  }
  return session;
}

const checkinPoints = (residentId: string) => PointEntryModel.countDocuments({ residentId, reasonCode: 'task_completed', note: /签到/ });
const groupCheckin = (wxid: string) => request(app).post('/groups/bot/checkins').set(asBot).send({ roomId, wxid, name: wxid, at: new Date().toISOString() });

describe('the daily check-in in the app', () => {
  it('checks in once a day with the daily task reward, and says so when asked again', async () => {
    const session = await resident('app-checker');
    expect((await request(app).get('/me/checkin').set(bearer(session)).expect(200)).body).toMatchObject({ checkedInToday: false, streak: 0, rewardPoints: 5 });
    const first = (await request(app).post('/me/checkin').set(bearer(session)).expect(200)).body;
    expect(first).toMatchObject({ status: 'checked_in', pointsEarned: 5, available: 25, checkedInToday: true, todayVia: 'app', streak: 1, rewardPoints: 0 });
    expect(first.week).toHaveLength(7);
    expect(first.week[6]).toEqual({ day: first.today, checkedIn: true });
    const again = (await request(app).post('/me/checkin').set(bearer(session)).expect(200)).body;
    expect(again).toMatchObject({ status: 'already_checked_in', pointsEarned: 0, available: 25 });
    expect(await GroupCheckinModel.find({ residentId: session.residentId }).lean()).toEqual([expect.objectContaining({ _id: `${session.residentId}:${first.today}`, via: 'app', groupId: null, pointsEarned: 5 })]);
    expect(await TaskEventModel.countDocuments({ residentId: session.residentId, type: 'group_checkin' })).toBe(1);
  });

  it('is the same check-in as the group\'s, whichever comes first', async () => {
    const appFirst = await resident('app-then-group', 'wx-app-then-group');
    await request(app).post('/me/checkin').set(bearer(appFirst)).expect(200);
    expect((await groupCheckin('wx-app-then-group')).body).toMatchObject({ status: 'already_checked_in', pointsEarned: 0 });
    expect(await checkinPoints(appFirst.residentId!)).toBe(1);

    const groupFirst = await resident('group-then-app', 'wx-group-then-app');
    expect((await groupCheckin('wx-group-then-app')).body).toMatchObject({ status: 'checked_in', pointsEarned: 5 });
    const inApp = (await request(app).post('/me/checkin').set(bearer(groupFirst)).expect(200)).body;
    expect(inApp).toMatchObject({ status: 'already_checked_in', todayVia: 'group', pointsEarned: 0, streak: 1 });
    expect(await checkinPoints(groupFirst.residentId!)).toBe(1);
  });

  it('when the app and the group check in at the same moment, then the day counts once', async () => {
    const session = await resident('racing-checker', 'wx-racing');
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => request(app).post('/me/checkin').set(bearer(session))),
      groupCheckin('wx-racing'),
    ]);
    expect(results.filter((result) => result.body.status === 'checked_in')).toHaveLength(1);
    expect(await checkinPoints(session.residentId!)).toBe(1);
    expect(await GroupCheckinModel.countDocuments({ residentId: session.residentId })).toBe(1);
  });

  it('counts days in China time and keeps the streak while it is unbroken', async () => {
    const session = await resident('streak-keeper');
    const residentId = new Types.ObjectId(session.residentId!);
    const checkins = new CheckinService({ tasks: services.tasks, points: services.points });
    // 23:59 and 00:01 China time are two days.
    await checkins.checkIn(residentId, new Date('2026-03-01T15:59:00Z'));
    const second = await checkins.checkIn(residentId, new Date('2026-03-01T16:01:00Z'));
    expect(second).toMatchObject({ status: 'checked_in', today: '2026-03-02', streak: 2 });
    expect((await checkins.mine(residentId, new Date('2026-03-03T08:00:00Z'))).streak).toBe(2);
    expect((await checkins.mine(residentId, new Date('2026-03-04T08:00:00Z'))).streak).toBe(0);
    const after = await checkins.checkIn(residentId, new Date('2026-03-04T08:00:00Z'));
    expect(after.streak).toBe(1);
    expect(after.week.map((entry) => entry.checkedIn)).toEqual([false, false, false, true, true, false, true]);
  });

  it('asks a resident who has not signed up to do so first, in Chinese', async () => {
    const fresh = await login(app, 'dev:checkin-before-signup');
    const refused = await request(app).post('/me/checkin').set(bearer(fresh));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'SIGN_UP_REQUIRED', message: '请先选择小区完成注册，再来签到' });
  });
});
