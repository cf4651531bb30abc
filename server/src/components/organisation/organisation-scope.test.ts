import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { StaffModel } from '../staff/staff.model';
import { CommunityModel, SectionAssignmentModel, SectionModel, StoreModel } from './organisation.model';

// Scope holes found by attacking the running API (issue 12, items 1-4), each reproduced through HTTP.
useTestDatabase();
const app = createTestApp();

type Session = Awaited<ReturnType<typeof login>>;
let ops: Session;
let managerXujiahui: Session;
let managerTianlin: Session;
let advisorXujiahui: Session;
let advisorTianlin: Session;

beforeAll(async () => {
  await seedDemoData();
  [ops, managerXujiahui, managerTianlin, advisorXujiahui, advisorTianlin] = await Promise.all(
    [DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0], DEMO_LOGINS.advisors[2]].map((code) => login(app, code)),
  );
});

describe('GET /staff?storeId= narrows the scope, never replaces it', () => {
  it("a store manager asking for another store's staff gets nobody; their own store still lists", async () => {
    const foreign = await request(app).get(`/staff?storeId=${managerTianlin.staff!.storeId}`).set(bearer(managerXujiahui));
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual([]);

    const own = await request(app).get(`/staff?storeId=${managerXujiahui.staff!.storeId}&role=advisor`).set(bearer(managerXujiahui));
    expect(own.body.map((staff: { name: string }) => staff.name).sort()).toEqual(['徐家汇店顾问1', '徐家汇店顾问2']);
    expect(await StaffModel.countDocuments({ storeId: managerTianlin.staff!.storeId })).toBeGreaterThan(0);
  });
});

describe("PUT /sections/:id/owner with transfer checks the current owner's store", () => {
  it("a manager cannot take a section owned by another store's advisor, even by transfer", async () => {
    // A community both stores serve; give one of its sections to a Tianlin advisor.
    const tianlinStore = (await StoreModel.findById(managerTianlin.staff!.storeId).lean())!;
    const shared = await CommunityModel.findOne({ name: '东方曼哈顿' }).lean();
    const section = await SectionModel.create({ communityId: shared!._id, name: '争议片区' });
    const assigned = await request(app).put(`/sections/${section._id}/owner`).set(bearer(managerTianlin)).send({ advisorId: advisorTianlin.staff!.id });
    expect(assigned.status).toBe(200);
    expect(tianlinStore).toBeTruthy();

    const taken = await request(app).put(`/sections/${section._id}/owner`).set(bearer(managerXujiahui)).send({ advisorId: advisorXujiahui.staff!.id, transfer: true, reason: '抢' });
    expect(taken.status).toBe(403);
    expect((await SectionModel.findById(section._id).lean())!.ownerStaffId!.toString()).toBe(advisorTianlin.staff!.id);
    expect(await SectionAssignmentModel.countDocuments({ sectionId: section._id })).toBe(1);

    // City ops cover both stores and may move it.
    const moved = await request(app).put(`/sections/${section._id}/owner`).set(bearer(ops)).send({ advisorId: advisorXujiahui.staff!.id, transfer: true, reason: '调整' });
    expect(moved.status).toBe(200);
    expect(moved.body.ownerStaffId).toBe(advisorXujiahui.staff!.id);
  });
});

describe('section reads are scoped', () => {
  it('an advisor cannot list the sections of a community only another store serves, nor read its history', async () => {
    // 漕河泾苑 is about 1.8 km from the Tianlin store and about 4 km from Xujiahui.
    const community = (await CommunityModel.findOne({ name: '漕河泾苑' }).lean())!;
    const section = (await SectionModel.findOne({ communityId: community._id }).lean())!;
    const listed = await request(app).get(`/communities/${community._id}/sections`).set(bearer(advisorXujiahui));
    expect(listed.status).toBe(403);
    const history = await request(app).get(`/sections/${section._id}/history`).set(bearer(advisorXujiahui));
    expect(history.status).toBe(403);

    // Staff of the serving store, and city ops, read both.
    expect((await request(app).get(`/communities/${community._id}/sections`).set(bearer(advisorTianlin))).status).toBe(200);
    expect((await request(app).get(`/sections/${section._id}/history`).set(bearer(managerTianlin))).status).toBe(200);
    expect((await request(app).get(`/sections/${section._id}/history`).set(bearer(ops))).status).toBe(200);
    expect((await request(app).get('/sections/000000000000000000000000/history').set(bearer(ops))).status).toBe(404);
  });
});

describe('PATCH /stores/:id', () => {
  it('changes only the fields sent: editing the phone keeps a 5 km service radius', async () => {
    const storeId = managerXujiahui.staff!.storeId!;
    const widened = await request(app).patch(`/stores/${storeId}`).set(bearer(ops)).send({ serviceRadiusKm: 5 });
    expect(widened.status).toBe(200);
    const edited = await request(app).patch(`/stores/${storeId}`).set(bearer(managerXujiahui)).send({ contactPhone: '021-64889999' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ contactPhone: '021-64889999', serviceRadiusKm: 5 });
    expect((await StoreModel.findById(storeId).lean())!.serviceRadiusKm).toBe(5);
  });

  it("refuses a store manager moving their store or widening its radius into other stores' communities", async () => {
    const storeId = managerXujiahui.staff!.storeId!;
    const before = (await StoreModel.findById(storeId).lean())!;
    const wider = await request(app).patch(`/stores/${storeId}`).set(bearer(managerXujiahui)).send({ serviceRadiusKm: 20 });
    expect(wider.status).toBe(403);
    const moved = await request(app).patch(`/stores/${storeId}`).set(bearer(managerXujiahui)).send({ location: { lat: 31.169, lng: 121.405 } });
    expect(moved.status).toBe(403);
    expect(moved.body.error.details).toEqual([{ path: 'body.location' }]);
    const after = (await StoreModel.findById(storeId).lean())!;
    expect(after.serviceRadiusKm).toBe(before.serviceRadiusKm);
    expect(after.location).toEqual(before.location);
  });
});
