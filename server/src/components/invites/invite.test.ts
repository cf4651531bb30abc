import request from 'supertest';
import { Types } from 'mongoose';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentModel } from '../residents/resident.model';
import { FraudDecisionModel, FraudFlagModel, InviteModel } from './invite.model';
import { InviteService } from './invite.service';

useTestDatabase();
jest.setTimeout(60_000);

const env = { FRAUD_MAX_INVITEES_PER_DAY: '3', FRAUD_MAX_INVITEES_PER_WINDOW: '5', FRAUD_WINDOW_DAYS: '7', INVITE_REWARD_POINTS: '50', INVITE_QUALIFY_DAYS: '14' };
const app = createTestApp({ env });
const services = testServices(env);
let counter = 0;

beforeAll(async () => {
  await seedDemoData();
});

async function inviterWithScene(name: string): Promise<{ session: Awaited<ReturnType<typeof login>>; scene: string }> {
  const session = await login(app, `dev:${name}`);
  const mine = (await request(app).get('/invites/me').set(bearer(session))).body;
  return { session, scene: mine.scene };
}

/** Registers an invitee through the real login, at a chosen registration time. */
async function invite(scene: string, registeredAt?: Date): Promise<Types.ObjectId> {
  counter += 1;
  const session = await login(app, `dev:invitee-${counter}`, { scene });
  const id = new Types.ObjectId(session.residentId!);
  if (registeredAt) {
    await ResidentModel.updateOne({ _id: id }, { $set: { registeredAt } });
    await InviteModel.updateOne({ _id: id }, { $set: { registeredAt, qualifyBy: new Date(registeredAt.getTime() + 14 * 86_400_000) } });
  }
  return id;
}

describe('invite rewards', () => {
  it('holds the reward at sign-up and makes it available when the invitee completes a first order', async () => {
    const { session, scene } = await inviterWithScene('inviter-happy');
    const invitee = await invite(scene);
    const inviterId = new Types.ObjectId(session.residentId!);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 50 });
    const listed = (await request(app).get('/invites/me').set(bearer(session))).body;
    expect(listed.invited).toEqual([expect.objectContaining({ inviteeId: String(invitee), rewardState: 'pending', rewardPoints: 50, displayName: '新邻居' })]);

    await services.invites.onQualifyingAction(invitee, new Date());
    await services.invites.onQualifyingAction(invitee, new Date());
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 0 });
    expect((await request(app).get('/invites/me').set(bearer(session))).body.invited[0].rewardState).toBe('available');
  });

  it('lets the reward lapse when the first order never comes within the window', async () => {
    const { session, scene } = await inviterWithScene('inviter-lapse');
    const invitee = await invite(scene, new Date(Date.now() - 20 * 86_400_000));
    const inviterId = new Types.ObjectId(session.residentId!);
    expect((await services.invites.lapseExpired()).lapsed).toBeGreaterThanOrEqual(1);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 0 });
    expect((await InviteModel.findById(invitee).lean())!.state).toBe('lapsed');
    await services.invites.onQualifyingAction(invitee, new Date());
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 0 });
  });

  it('repairs an invite that a crash left unrecorded, without double rewards', async () => {
    const { session, scene } = await inviterWithScene('inviter-crash');
    const invitee = await invite(scene);
    await InviteModel.deleteOne({ _id: invitee });
    expect((await services.invites.repairMissing()).repaired).toBeGreaterThanOrEqual(1);
    await services.invites.repairMissing();
    expect(await InviteModel.countDocuments({ _id: invitee })).toBe(1);
    expect(await services.points.balance(new Types.ObjectId(session.residentId!))).toMatchObject({ pending: 50 });
  });
});

describe('fraud rules', () => {
  it('flags an inviter with more than the daily threshold of invitees and holds their rewards, exactly at the edge not', async () => {
    const edge = await inviterWithScene('inviter-edge');
    for (let i = 0; i < 3; i += 1) await invite(edge.scene);
    expect(await FraudFlagModel.countDocuments({ inviterId: edge.session.residentId })).toBe(0);

    const burst = await inviterWithScene('inviter-burst');
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    const flag = await FraudFlagModel.findOne({ inviterId: burst.session.residentId }).lean();
    expect(flag).toMatchObject({ rule: 'burst_1d', status: 'open', evidence: { count: 4, threshold: 3 } });

    await services.invites.onQualifyingAction(invitees[0], new Date());
    const inviterId = new Types.ObjectId(burst.session.residentId!);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 0, pending: 200 });
    expect((await InviteModel.findById(invitees[0]).lean())!.state).toBe('held_for_review');
  });

  it('flags more than the N-day threshold spread over several days', async () => {
    const slow = await inviterWithScene('inviter-window');
    const day = 86_400_000;
    for (let i = 0; i < 6; i += 1) await invite(slow.scene, new Date(Date.now() - (6 - i) * day + 60_000));
    await FraudFlagModel.deleteMany({ inviterId: slow.session.residentId });
    await services.invites.scanFraud();
    expect(await FraudFlagModel.find({ inviterId: slow.session.residentId }).distinct('rule')).toEqual(['burst_window']);
    await services.invites.scanFraud();
    expect(await FraudFlagModel.countDocuments({ inviterId: slow.session.residentId })).toBe(1);
  });

  it('flags an inviter whose invitees only collect points', async () => {
    const collector = await inviterWithScene('inviter-collector');
    const day = 86_400_000;
    const invitees = [];
    for (let i = 0; i < 5; i += 1) invitees.push(await invite(collector.scene, new Date(Date.now() - (10 + i * 2) * day)));
    const events = (await import('mongoose')).default.connection.db!.collection('task_events');
    await events.insertMany(invitees.slice(0, 3).map((residentId) => ({ residentId, type: 'group_checkin' })));
    await ResidentModel.updateOne({ _id: invitees[4] }, { $set: { firstOrderAt: new Date() } });
    // 4 of 5 low quality (3 check-in only, 1 inactive): 80% >= 60%
    const service = new InviteService(services.points, { rewardPoints: 50, qualifyDays: 14, thresholds: { maxInviteesPerDay: 100, maxInviteesPerWindow: 100, windowDays: 7, lowQualityShare: 0.6, lowQualityMinInvitees: 5, judgeAfterDays: 3 } }, services.logger);
    await service.scanFraud();
    expect(await FraudFlagModel.findOne({ inviterId: collector.session.residentId, rule: 'low_quality_invitees' }).lean()).toMatchObject({ evidence: { judged: 5, lowQuality: 4 } });

    const good = await inviterWithScene('inviter-good');
    const goodInvitees = [];
    for (let i = 0; i < 5; i += 1) goodInvitees.push(await invite(good.scene, new Date(Date.now() - (10 + i * 2) * day)));
    await ResidentModel.updateMany({ _id: { $in: goodInvitees.slice(0, 3) } }, { $set: { firstOrderAt: new Date() } });
    // 2 of 5 low quality: 40% < 60%
    await service.scanFraud();
    expect(await FraudFlagModel.countDocuments({ inviterId: good.session.residentId, rule: 'low_quality_invitees' })).toBe(0);
  });

  it('lets city ops release or cancel held rewards, once, with an audit record; managers cannot', async () => {
    const burst = await inviterWithScene('inviter-review');
    const invitees = [];
    for (let i = 0; i < 4; i += 1) invitees.push(await invite(burst.scene));
    await services.invites.onQualifyingAction(invitees[0], new Date());
    const inviterId = new Types.ObjectId(burst.session.residentId!);
    // Put the inviter in a store so the flag is in the city's scope.
    const stores = (await request(app).get('/stores')).body;
    await ResidentModel.updateOne({ _id: inviterId }, { $set: { storeId: stores[0].id } });
    await FraudFlagModel.updateMany({ inviterId }, { $set: { storeId: new Types.ObjectId(stores[0].id) } });

    const ops = await login(app, DEMO_LOGINS.cityOps);
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const flags = (await request(app).get('/invites/flags?status=open').set(bearer(ops))).body;
    const flag = flags.find((candidate: { inviterId: string }) => candidate.inviterId === String(inviterId));
    expect(flag).toMatchObject({ rule: 'burst_1d', heldRewards: 4 });
    expect((await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(manager)).send({ decision: 'release', note: '核实为真实邻居' })).status).toBe(403);

    const decided = await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(ops)).send({ decision: 'release', note: '核实为真实邻居' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'released', decidedBy: ops.staff!.id, decisionNote: '核实为真实邻居' });
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 150 });
    expect((await InviteModel.findById(invitees[1]).lean())!.state).toBe('pending');
    expect(await FraudDecisionModel.countDocuments({ _id: flag.id })).toBe(1);

    const again = await request(app).post(`/invites/flags/${flag.id}/decision`).set(bearer(ops)).send({ decision: 'cancel', note: '改判' });
    expect(again.status).toBe(409);
    expect(await services.points.balance(inviterId)).toMatchObject({ available: 50, pending: 150 });
  });
});
