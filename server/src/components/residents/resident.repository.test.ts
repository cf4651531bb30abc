import { Types } from 'mongoose';
import { seedDemoData } from '../../seed/demo-data';
import { useTestDatabase } from '../../testing/test-database';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { StaffModel } from '../staff/staff.model';
import { staffRepository } from '../staff/staff.repository';
import { ResidentModel } from './resident.model';
import { residentRepository } from './resident.repository';

// What each scoped read returns to whom: an advisor their own residents, a manager their store,
// city ops their city, an admin everything. The expected sets are written out by hand below.
useTestDatabase();

type Name = 'ownByCredit' | 'ownByCode' | 'colleague' | 'otherStore' | 'otherCity';
const residents = {} as Record<Name, Types.ObjectId>;
const who = {} as Record<'advisor' | 'manager' | 'ops' | 'admin', StaffPrincipal>;

const principal = async (openid: string): Promise<StaffPrincipal> => {
  const staff = (await StaffModel.findOne({ openid }).lean())!;
  return { id: staff._id, name: staff.name, role: staff.role, storeId: staff.storeId ?? null, cityId: staff.cityId ?? null };
};

async function insertResident(name: Name, storeId: Types.ObjectId, attribution: { advisorId?: Types.ObjectId; codeOwnerId?: Types.ObjectId }, registeredAt: Date): Promise<void> {
  const _id = new Types.ObjectId();
  await ResidentModel.collection.insertOne({
    _id, openid: `o-${name}`, inviteCode: `i${String(_id).slice(-12)}`, creationToken: 't', registeredAt, storeId, communityId: null,
    attribution: { source: 'code', at: registeredAt, storeId, advisorId: attribution.advisorId ?? null, codeOwnerId: attribution.codeOwnerId ?? null, codeType: 'advisor' },
  });
  residents[name] = _id;
}

const names = (ids: Types.ObjectId[]) => ids.map((id) => (Object.keys(residents) as Name[]).find((name) => residents[name].equals(id))).sort();

beforeAll(async () => {
  await seedDemoData();
  [who.advisor, who.manager, who.ops, who.admin] = await Promise.all(['dev:advisor-xujiahui-1', 'dev:manager-xujiahui', 'dev:ops', 'dev:admin'].map(principal));
  const colleague = await principal('dev:advisor-xujiahui-2');
  const tianlin = (await StoreModel.findOne({ name: /田林/ }).lean())!;
  const day = (n: number) => new Date(Date.UTC(2026, 2, n));
  await insertResident('ownByCredit', who.advisor.storeId!, { advisorId: who.advisor.id }, day(1));
  await insertResident('ownByCode', who.advisor.storeId!, { codeOwnerId: who.advisor.id }, day(2));
  await insertResident('colleague', who.advisor.storeId!, { advisorId: colleague.id }, day(3));
  await insertResident('otherStore', tianlin._id, {}, day(4));
  // A store of another city: not among the demo city's stores.
  await insertResident('otherCity', new Types.ObjectId(), {}, day(5));
});

const everyone = ['colleague', 'otherCity', 'otherStore', 'ownByCode', 'ownByCredit'];
const expected: Record<keyof typeof who, string[]> = {
  advisor: ['ownByCode', 'ownByCredit'],
  manager: ['colleague', 'ownByCode', 'ownByCredit'],
  ops: ['colleague', 'otherStore', 'ownByCode', 'ownByCredit'],
  admin: everyone,
};

describe('residentRepository', () => {
  it.each(Object.keys(expected) as (keyof typeof who)[])('listInScope and idsInScope return to the %s exactly their residents, newest first', async (role) => {
    const page = await residentRepository.listInScope(who[role], {}, { offset: 0, limit: 50 });
    expect(page.total).toBe(expected[role].length);
    expect(names(page.items.map((resident) => resident._id)).sort()).toEqual(expected[role]);
    expect(page.items.map((resident) => resident.registeredAt.getTime())).toEqual([...page.items.map((resident) => resident.registeredAt.getTime())].sort((a, b) => b - a));
    expect(names(await residentRepository.idsInScope(who[role]))).toEqual(expected[role]);
  });

  it.each(Object.keys(expected) as (keyof typeof who)[])('findInScope gives the %s their residents and 403 for the others', async (role) => {
    for (const name of everyone as Name[]) {
      const found = residentRepository.findInScope(who[role], residents[name]);
      if (expected[role].includes(name)) await expect(found).resolves.toMatchObject({ _id: residents[name] });
      else await expect(found).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    await expect(residentRepository.findInScope(who[role], new Types.ObjectId())).rejects.toMatchObject({ status: 404 });
  });

  it('a narrowing is combined with the scope, never replaces it', async () => {
    const otherStore = (await ResidentModel.findById(residents.otherStore).lean())!.storeId!;
    expect((await residentRepository.listInScope(who.manager, { storeId: otherStore }, { offset: 0, limit: 50 })).total).toBe(0);
    expect((await residentRepository.listInScope(who.ops, { storeId: otherStore }, { offset: 0, limit: 50 })).total).toBe(1);
    const colleague = await principal('dev:advisor-xujiahui-2');
    expect(names((await residentRepository.listInScope(who.advisor, { advisorId: colleague.id }, { offset: 0, limit: 50 })).items.map((r) => r._id))).toEqual([]);
    expect(names((await residentRepository.listInScope(who.manager, { advisorId: colleague.id }, { offset: 0, limit: 50 })).items.map((r) => r._id))).toEqual(['colleague']);
  });
});

describe('staffRepository', () => {
  it('listInScope: a manager sees their store, city ops their city, an admin everyone; a store narrowing stays inside the scope', async () => {
    const all = await StaffModel.countDocuments();
    const store = await StaffModel.countDocuments({ storeId: who.manager.storeId });
    const city = await StaffModel.countDocuments({ cityId: who.ops.cityId });
    expect((await staffRepository.listInScope(who.manager, {})).map((staff) => String(staff.storeId))).toEqual(Array(store).fill(String(who.manager.storeId)));
    expect(await staffRepository.listInScope(who.ops, {})).toHaveLength(city);
    expect(await staffRepository.listInScope(who.admin, {})).toHaveLength(all);
    const tianlin = (await StoreModel.findOne({ name: /田林/ }).lean())!;
    expect(await staffRepository.listInScope(who.manager, { storeId: tianlin._id })).toEqual([]);
    expect((await staffRepository.listInScope(who.ops, { storeId: tianlin._id, role: 'advisor' })).map((staff) => staff.name).sort()).toEqual(['田林店顾问1', '田林店顾问2']);
  });

  it("advisorInScope: a manager may change their own advisors' goals only", async () => {
    const tianlinAdvisor = await principal('dev:advisor-tianlin-1');
    await expect(staffRepository.advisorInScope(who.manager, who.advisor.id)).resolves.toMatchObject({ _id: who.advisor.id });
    await expect(staffRepository.advisorInScope(who.manager, tianlinAdvisor.id)).rejects.toMatchObject({ status: 403 });
    await expect(staffRepository.advisorInScope(who.ops, tianlinAdvisor.id)).resolves.toMatchObject({ _id: tianlinAdvisor.id });
    await expect(staffRepository.advisorInScope(who.admin, who.manager.id)).rejects.toMatchObject({ status: 400 });
  });
});
