import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel, SectionAssignmentModel, SectionModel, StoreModel } from './organisation.model';

useTestDatabase();
const app = createTestApp();

type Session = Awaited<ReturnType<typeof login>>;
let admin: Session;
let ops: Session;
let managerA: Session;
let managerB: Session;
let advisorA1: Session;
let advisorA2: Session;
let advisorB1: Session;

beforeAll(async () => {
  await seedDemoData();
  [admin, ops, managerA, managerB, advisorA1, advisorA2, advisorB1] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0], DEMO_LOGINS.advisors[1], DEMO_LOGINS.advisors[2]].map((code) => login(app, code)),
  );
});

describe('stores and the communities they serve', () => {
  it('shows a store to anyone with its hours, open-now flag and delivery terms', async () => {
    const storeId = managerA.staff!.storeId!;
    const response = await request(app).get(`/stores/${storeId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: storeId, serviceRadiusKm: 3, hoursText: '每天 07:00-22:00', delivery: { feeCents: 500 } });
    expect(typeof response.body.openNow).toBe('boolean');
  });

  it('lists only communities within the service radius, computed in code, nearest first', async () => {
    const storeId = managerA.staff!.storeId!;
    const response = await request(app).get(`/stores/${storeId}/communities`).set(bearer(managerA));
    expect(response.status).toBe(200);
    const names = response.body.map((row: { name: string }) => row.name);
    expect(names).not.toContain('莘庄远郊小区');
    expect(names[0]).toBe('汇翠花园'); // about 0.35 km from the store; 东方曼哈顿 is about 0.48 km
    const distances = response.body.map((row: { distanceKm: number }) => row.distanceKm);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(Math.max(...distances)).toBeLessThanOrEqual(3);
  });

  it("shows a manager which communities still have a section nobody owns", async () => {
    const storeId = managerA.staff!.storeId!;
    const response = await request(app).get(`/stores/${storeId}/communities?unownedOnly=true`).set(bearer(managerA));
    const expected = [];
    for (const row of (await request(app).get(`/stores/${storeId}/communities`).set(bearer(managerA))).body) {
      if ((await SectionModel.countDocuments({ communityId: row.id, ownerStaffId: null })) > 0) expected.push(row.name);
    }
    expect(response.body.map((row: { name: string }) => row.name)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });
});

describe('section ownership', () => {
  async function freeSectionNear(storeId: string): Promise<string> {
    const served = (await request(app).get(`/stores/${storeId}/communities`).set(bearer(admin))).body;
    const section = await SectionModel.findOne({ communityId: { $in: served.map((row: { id: string }) => row.id) }, ownerStaffId: null }).lean();
    return String(section!._id);
  }

  it('assigns a free section, refuses a second owner with 409, and moves it only by explicit transfer with history', async () => {
    const sectionId = await freeSectionNear(managerA.staff!.storeId!);
    const assign = await request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisorA1.staff!.id });
    expect(assign.status).toBe(200);
    expect(assign.body.ownerStaffId).toBe(advisorA1.staff!.id);

    const overlap = await request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisorA2.staff!.id });
    expect(overlap.status).toBe(409);
    expect(overlap.body.error.details).toEqual({ ownerStaffId: advisorA1.staff!.id });
    expect(String((await SectionModel.findById(sectionId).lean())!.ownerStaffId)).toBe(advisorA1.staff!.id);

    const transfer = await request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisorA2.staff!.id, transfer: true, reason: '顾问调岗' });
    expect(transfer.status).toBe(200);
    expect(transfer.body.ownerStaffId).toBe(advisorA2.staff!.id);

    const history = (await request(app).get(`/sections/${sectionId}/history`).set(bearer(managerA))).body;
    expect(history.map((entry: { kind: string; fromStaffId: string | null; toStaffId: string }) => [entry.kind, entry.fromStaffId, entry.toStaffId])).toEqual([
      ['assign', null, advisorA1.staff!.id],
      ['transfer', advisorA1.staff!.id, advisorA2.staff!.id],
    ]);
    expect(history[1]).toMatchObject({ byStaffId: managerA.staff!.id, reason: '顾问调岗' });
  });

  it('lets only one of two racing assignments win', async () => {
    const sectionId = await freeSectionNear(managerA.staff!.storeId!);
    const results = await Promise.all(
      [advisorA1, advisorA2].map((advisor) => request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisor.staff!.id })),
    );
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    expect(await SectionAssignmentModel.countDocuments({ sectionId })).toBe(1);
  });

  it("refuses to give a section to another store's advisor or to a section outside the radius", async () => {
    const sectionId = await freeSectionNear(managerA.staff!.storeId!);
    const foreign = await request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisorB1.staff!.id });
    expect(foreign.status).toBe(403);
    const far = await CommunityModel.findOne({ name: '莘庄远郊小区' }).lean();
    const farSection = await SectionModel.findOne({ communityId: far!._id }).lean();
    const outside = await request(app).put(`/sections/${farSection!._id}/owner`).set(bearer(admin)).send({ advisorId: advisorA1.staff!.id });
    expect(outside.status).toBe(400);
  });

  it('releases a section back to no owner', async () => {
    const sectionId = await freeSectionNear(managerA.staff!.storeId!);
    await request(app).put(`/sections/${sectionId}/owner`).set(bearer(managerA)).send({ advisorId: advisorA1.staff!.id });
    const release = await request(app).delete(`/sections/${sectionId}/owner?reason=离职`).set(bearer(managerA));
    expect(release.body.ownerStaffId).toBeNull();
    expect((await SectionAssignmentModel.findOne({ sectionId, kind: 'release' }).lean())!.reason).toBe('离职');
  });
});

describe('community portrait', () => {
  it('lets the advisor who owns a section fill it in, and no other advisor', async () => {
    const owned = await SectionModel.findOne({ ownerStaffId: advisorB1.staff!.id }).lean();
    const response = await request(app)
      .patch(`/communities/${owned!.communityId}/portrait`)
      .set(bearer(advisorB1))
      .send({ ageMix: 'elderly', priceSensitivity: 'high', competitorStores: ['某某超市'], notes: '老人多，早市需求大' });
    expect(response.status).toBe(200);
    expect(response.body.portrait).toMatchObject({ ageMix: 'elderly', priceSensitivity: 'high' });
    expect(response.body.portraitUpdatedBy).toBe(advisorB1.staff!.id);
    const stored = await CommunityModel.findById(owned!.communityId).lean();
    expect(stored!.portrait).toMatchObject({ notes: '老人多，早市需求大' });

    const stranger = await request(app).patch(`/communities/${owned!.communityId}/portrait`).set(bearer(advisorA1)).send({ ageMix: 'young' });
    expect(stranger.status).toBe(403);
    const invalid = await request(app).patch(`/communities/${owned!.communityId}/portrait`).set(bearer(advisorB1)).send({ ageMix: 'teenagers' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].path).toBe('body.ageMix');
  });
});

describe('role scoping', () => {
  it("denies a manager another store's communities, codes and staff", async () => {
    const otherStore = managerB.staff!.storeId!;
    expect((await request(app).get(`/stores/${otherStore}/communities`).set(bearer(managerA))).status).toBe(403);
    expect((await request(app).patch(`/stores/${otherStore}`).set(bearer(managerA)).send({ contactPhone: '021-00000000' })).status).toBe(403);
    const codes = (await request(app).get('/codes').set(bearer(managerA))).body;
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((code: { storeId: string }) => code.storeId === managerA.staff!.storeId)).toBe(true);
    const otherCodes = (await request(app).get('/codes').set(bearer(managerB))).body;
    expect((await request(app).get(`/codes/${otherCodes[0].id}`).set(bearer(managerA))).status).toBe(403);
    const staff = (await request(app).get('/staff').set(bearer(managerA))).body;
    expect(new Set(staff.map((member: { storeId: string }) => member.storeId))).toEqual(new Set([managerA.staff!.storeId]));
  });

  it('gives city ops every store of their city and admins everything', async () => {
    const stores = await StoreModel.find().lean();
    for (const store of stores) {
      expect((await request(app).get(`/stores/${store._id}/communities`).set(bearer(ops))).status).toBe(200);
    }
    const allCodes = (await request(app).get('/codes').set(bearer(admin))).body;
    const opsCodes = (await request(app).get('/codes').set(bearer(ops))).body;
    expect(opsCodes.length).toBe(allCodes.length);
  });

  it('keeps residents and anonymous callers out of staff endpoints', async () => {
    const resident = await login(app, 'dev:curious-resident');
    expect((await request(app).get('/codes').set(bearer(resident))).status).toBe(403);
    expect((await request(app).get('/residents').set(bearer(resident))).status).toBe(403);
    expect((await request(app).get('/codes')).status).toBe(401);
    expect((await request(app).get('/codes').set({ authorization: 'Bearer not-a-real-token-at-all' })).body.error.code).toBe('SESSION_EXPIRED');
  });

  it("shows an advisor only their own residents and a manager only their store's", async () => {
    const codesA1 = (await request(app).get('/codes').set(bearer(advisorA1))).body;
    const ownActivity = codesA1.find((code: { type: string; advisorId: string }) => code.type === 'advisor_activity' && code.advisorId === advisorA1.staff!.id);
    const otherActivity = (await request(app).get('/codes').set(bearer(advisorB1))).body.find((code: { type: string }) => code.type === 'advisor_activity');
    const mine = await login(app, 'dev:resident-of-a1', { scene: ownActivity.scene });
    const theirs = await login(app, 'dev:resident-of-b1', { scene: otherActivity.scene });

    const listA1 = (await request(app).get('/residents').set(bearer(advisorA1))).body;
    expect(listA1.items.map((resident: { id: string }) => resident.id)).toEqual([mine.residentId]);
    expect((await request(app).get(`/residents/${theirs.residentId}`).set(bearer(advisorA1))).status).toBe(403);
    expect((await request(app).get(`/residents/${mine.residentId}`).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get(`/residents/${mine.residentId}`).set(bearer(managerA))).status).toBe(200);
    expect((await request(app).get(`/residents/${theirs.residentId}/touches`).set(bearer(mine))).status).toBe(403);
  });
});
