import mongoose from 'mongoose';
import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { GroupDeliveryModel } from '../groups/groups.model';
import { groupsRouter } from '../groups/groups.router';
import { GroupCodeAssignmentModel, GroupSeatModel } from './group-codes.model';
import { groupCodesRouter } from './group-codes.router';

useTestDatabase();
// 450 logins and scans: minutes on a loaded 2-core machine.
jest.setTimeout(900_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const SWITCH_AT = 180;
const services = testServices({ BOT_API_TOKEN: TOKEN });
const app = createTestApp({
  env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000000' },
  routers: [groupsRouter(services), groupCodesRouter(services, { switchAt: SWITCH_AT, alertRemaining: 30 })],
});
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;
let storeId: string;
let groupIds: string[];
let codeId: string;
let placementCodeId: string;

beforeAll(async () => {
  await seedDemo();
  manager = await login(app, DEMO_LOGINS.managers[0]);
  storeId = manager.staff!.storeId!;
  groupIds = [];
  for (const room of ['gc-1@chatroom', 'gc-2@chatroom', 'gc-3@chatroom']) {
    const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
    const bound = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-gc-manager', name: '店长', roomId: room, topic: `徐家汇 ${room}` });
    groupIds.push(bound.body.groupId);
    const target = await request(app).put(`/group-codes/groups/${bound.body.groupId}`).set(bearer(manager)).send({ qrImageUrl: `https://example.com/qr/${room}.png` });
    expect(target.status).toBe(200);
  }
  // The first group already has 40 members: it is the fullest from the start.
  await request(app).post('/groups/bot/members').set(asBot).send({
    roomId: 'gc-1@chatroom', topic: null, complete: true, observedAt: new Date().toISOString(),
    members: Array.from({ length: 40 }, (_, i) => ({ wxid: `old-member-${i}`, name: `老邻居${i}` })),
  });
  const placement = await mongoose.connection.collection('placements').findOne({});
  codeId = (await request(app).post('/group-codes').set(bearer(manager)).send({ storeId, name: '门店群活码' })).body.id;
  placementCodeId = (await request(app).post('/group-codes').set(bearer(manager)).send({ storeId, placementId: String(placement!._id), name: '收银台立牌' })).body.id;
});

async function joinMany(count: number, prefix: string, code: string): Promise<request.Response[]> {
  const sessions: Session[] = [];
  for (let start = 0; start < count; start += 25) {
    sessions.push(...(await Promise.all(Array.from({ length: Math.min(25, count - start) }, (_, i) => login(app, `dev:${prefix}-${start + i}`)))));
  }
  const responses: request.Response[] = [];
  for (let start = 0; start < sessions.length; start += 30) {
    responses.push(...(await Promise.all(sessions.slice(start, start + 30).map((session) => request(app).post(`/group-codes/${code}/join`).set(bearer(session)).send()))));
  }
  return responses;
}

describe('a live group code', () => {
  it('is one stable code per store and placement: asking again returns the same code', async () => {
    const again = await request(app).post('/group-codes').set(bearer(manager)).send({ storeId, name: '另一个名字' });
    expect(again.body.id).toBe(codeId);
    expect(placementCodeId).not.toBe(codeId);
    const other = await login(app, DEMO_LOGINS.managers[1]);
    expect((await request(app).post('/group-codes').set(bearer(other)).send({ storeId, name: 'x' })).status).toBe(403);
  });

  it('sends 450 residents scanning at once into three groups: the least full first, none above the limit, nobody in two', async () => {
    const responses = [...(await joinMany(400, 'gc-resident', codeId)), ...(await joinMany(50, 'gc-placed', placementCodeId))];
    expect(responses.map((response) => response.status).filter((status) => status !== 200)).toEqual([]);
    const assignments = await GroupCodeAssignmentModel.find({}).lean();
    expect(assignments).toHaveLength(450);
    expect(new Set(assignments.map((assignment) => assignment.residentKey)).size).toBe(450);
    const seats = await GroupSeatModel.find({}).lean();
    for (const groupId of groupIds) {
      const taken = seats.filter((seat) => String(seat.groupId) === groupId).map((seat) => seat.n);
      expect(Math.max(...taken)).toBeLessThanOrEqual(SWITCH_AT);
      expect(new Set(taken).size).toBe(taken.length);
    }
    // The group with 40 members got about 40 fewer new residents: every group ends within a few seats of the others.
    const occupied = groupIds.map((groupId) => Math.max(0, ...seats.filter((seat) => String(seat.groupId) === groupId).map((seat) => seat.n)));
    expect(Math.max(...occupied) - Math.min(...occupied)).toBeLessThanOrEqual(5);
    expect(seats.filter((seat) => String(seat.groupId) === groupIds[0]).length).toBeLessThan(seats.filter((seat) => String(seat.groupId) === groupIds[1]).length);
  });

  it('sends a resident who scans again to the same group, and credits joins to the placement', async () => {
    const session = await login(app, 'dev:gc-resident-7');
    const viaStoreCode = await request(app).post(`/group-codes/${codeId}/join`).set(bearer(session)).send();
    const viaPlacement = await request(app).post(`/group-codes/${placementCodeId}/join`).set(bearer(session)).send();
    expect(viaStoreCode.body.again).toBe(true);
    expect(viaPlacement.body).toMatchObject({ again: true, groupId: viaStoreCode.body.groupId });
    expect(viaPlacement.body.qrImageUrl).toMatch(/^https:\/\/example\.com\/qr\/gc-\d@chatroom\.png$/);
    expect(await GroupCodeAssignmentModel.countDocuments({})).toBe(450);
    const stats = await request(app).get(`/group-codes/${placementCodeId}/stats`).set(bearer(manager));
    expect(stats.body.assigned).toBe(50);
    expect(stats.body.groups.reduce((sum: number, group: { assignedByThisCode: number }) => sum + group.assignedByThisCode, 0)).toBe(50);
  });

  it('tells the store\'s staff once when every group is near full, and turns residents away in Chinese when all are full', async () => {
    // 50 seats are left after the 450: no alert yet.
    expect(await GroupDeliveryModel.countDocuments({ kind: 'staff_alert' })).toBe(0);
    const late = await joinMany(SWITCH_AT * 3 - 40 - 450 + 1, 'gc-late', codeId);
    const refused = late.filter((response) => response.status === 409);
    expect(refused).toHaveLength(1);
    expect(refused[0].body.error.message).toContain('都满了');
    const alerts = await GroupDeliveryModel.find({ kind: 'staff_alert' }).lean();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ toWxid: 'wx-gc-manager' });
    expect(alerts[0].text).toContain('新建一个群');
    expect(await GroupSeatModel.countDocuments({})).toBe(SWITCH_AT * 3 - 40);
  });
});
