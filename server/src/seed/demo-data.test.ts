import { CODE_TYPES } from '@o2o/shared/schemas/acquisition';
import { QrCodeModel } from '../components/acquisition/acquisition.model';
import { CityModel, CommunityModel, SectionModel, StoreModel } from '../components/organisation/organisation.model';
import { StaffModel } from '../components/staff/staff.model';
import { useTestDatabase } from '../testing/test-database';
import { seedDemoData } from './demo-data';

useTestDatabase();

describe('demo seed', () => {
  it('creates a demo city with stores, communities, sections, staff and codes of all four types, once', async () => {
    expect((await seedDemoData()).created).toBe(true);
    expect(await CityModel.countDocuments()).toBe(1);
    expect(await StoreModel.countDocuments()).toBe(3);
    expect(await CommunityModel.countDocuments()).toBeGreaterThanOrEqual(8);
    expect(await SectionModel.countDocuments({ ownerStaffId: { $ne: null } })).toBeGreaterThan(0);
    expect(await SectionModel.countDocuments({ ownerStaffId: null })).toBeGreaterThan(0);
    expect((await StaffModel.distinct('role')).sort()).toEqual(['admin', 'advisor', 'city_ops', 'store_manager']);
    expect((await QrCodeModel.distinct('type')).sort()).toEqual([...CODE_TYPES].sort());

    const counts = await Promise.all([CityModel, StoreModel, StaffModel, QrCodeModel].map((model) => (model as typeof CityModel).countDocuments()));
    expect((await seedDemoData()).created).toBe(false);
    expect(await Promise.all([CityModel, StoreModel, StaffModel, QrCodeModel].map((model) => (model as typeof CityModel).countDocuments()))).toEqual(counts);
  });
});
