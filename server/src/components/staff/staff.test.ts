import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { createInvite } from './staff.service';
import { StaffInviteModel, StaffModel } from './staff.model';

useTestDatabase();
const app = createTestApp();

type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;
let otherManager: Session;
let advisor: Session;

beforeAll(async () => {
  await seedDemoData();
  [manager, otherManager, advisor] = await Promise.all([DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)));
});

describe('staff invites', () => {
  it('a manager invites an advisor, who binds it to their WeChat identity once and then signs in as staff', async () => {
    const invite = await request(app).post('/staff/invites').set(bearer(manager)).send({ name: '新顾问小李', role: 'advisor', storeId: manager.staff!.storeId });
    expect(invite.status).toBe(201);
    expect(invite.body).toMatchObject({ name: '新顾问小李', role: 'advisor', storeId: manager.staff!.storeId, cityId: manager.staff!.cityId });

    const accepted = await request(app).post('/staff/invites/accept').send({ inviteCode: invite.body.inviteCode, code: 'dev:xiaoli' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ kind: 'staff', staff: { name: '新顾问小李', role: 'advisor', goalConsumerUsers: 1000, boundToWechat: true } });
    const retried = await request(app).post('/staff/invites/accept').send({ inviteCode: invite.body.inviteCode, code: 'dev:xiaoli' });
    expect(retried.status).toBe(200);
    expect(retried.body.staff.id).toBe(accepted.body.staff.id);
    expect(await StaffModel.countDocuments({ openid: 'dev:xiaoli' })).toBe(1);

    const stolen = await request(app).post('/staff/invites/accept').send({ inviteCode: invite.body.inviteCode, code: 'dev:someone-else' });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.code).toBe('INVITE_INVALID');

    const later = await login(app, 'dev:xiaoli');
    expect(later).toMatchObject({ kind: 'staff', residentId: null, staff: { id: accepted.body.staff.id } });
  });

  it('refuses an expired invite and role escalation', async () => {
    const expired = await createInvite(null, { name: '过期', role: 'advisor', storeId: manager.staff!.storeId!, validHours: 1 }, new Date('2020-01-01T00:00:00Z'));
    expect((await request(app).post('/staff/invites/accept').send({ inviteCode: expired.inviteCode, code: 'dev:late' })).status).toBe(409);
    expect((await request(app).post('/staff/invites').set(bearer(manager)).send({ name: '想当管理员', role: 'admin' })).status).toBe(403);
    expect((await request(app).post('/staff/invites').set(bearer(manager)).send({ name: '别家店员', role: 'advisor', storeId: otherManager.staff!.storeId })).status).toBe(403);
    expect((await request(app).post('/staff/invites').set(bearer(advisor)).send({ name: 'x', role: 'advisor', storeId: advisor.staff!.storeId })).status).toBe(403);
    const missingStore = await request(app).post('/staff/invites').set(bearer(manager)).send({ name: 'x', role: 'advisor' });
    expect(missingStore.status).toBe(400);
    expect(missingStore.body.error.details).toEqual([{ path: 'body.storeId', message: '顾问和店长要选择所属门店' }]);
  });

  it('bootstraps the first admin through a command-created invite', async () => {
    const invite = await createInvite(null, { name: '首位管理员', role: 'admin', validHours: 72 });
    const accepted = await request(app).post('/staff/invites/accept').send({ inviteCode: invite.inviteCode, code: 'dev:first-admin' });
    expect(accepted.body.staff).toMatchObject({ role: 'admin', storeId: null });
    expect(await StaffInviteModel.countDocuments({ code: invite.inviteCode, usedByOpenid: 'dev:first-admin' })).toBe(1);
  });
});

describe("advisor goals", () => {
  it("a manager edits their advisor's goal; an advisor or another store's manager cannot", async () => {
    const ok = await request(app).patch(`/staff/${advisor.staff!.id}/goal`).set(bearer(manager)).send({ goalConsumerUsers: 1200 });
    expect(ok.status).toBe(200);
    expect(ok.body.goalConsumerUsers).toBe(1200);
    expect((await StaffModel.findById(advisor.staff!.id).lean())!.goalConsumerUsers).toBe(1200);
    expect((await request(app).patch(`/staff/${advisor.staff!.id}/goal`).set(bearer(otherManager)).send({ goalConsumerUsers: 5 })).status).toBe(403);
    expect((await request(app).patch(`/staff/${advisor.staff!.id}/goal`).set(bearer(advisor)).send({ goalConsumerUsers: 5 })).status).toBe(403);
    expect((await request(app).patch(`/staff/${advisor.staff!.id}/goal`).set(bearer(manager)).send({ goalConsumerUsers: 0 })).status).toBe(400);
  });
});
