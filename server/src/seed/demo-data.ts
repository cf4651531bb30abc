import type { Types } from 'mongoose';
import { CampaignModel, ChannelModel, PlacementModel, QrCodeModel } from '../components/acquisition/acquisition.model';
import { CityModel, CommunityModel, SectionAssignmentModel, SectionModel, StoreModel } from '../components/organisation/organisation.model';
import { StaffModel } from '../components/staff/staff.model';
import { randomShortId } from '../lib/ids';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** Demo stores around Shanghai's Xuhui district; communities sit within (and one outside) 3 km. */
const STORES = [
  { key: 'xujiahui', name: '邻里鲜生·徐家汇店', address: '上海市徐汇区漕溪北路 88 号', location: { lat: 31.1925, lng: 121.4376 }, hours: [{ weekdays: EVERY_DAY, open: '07:00', close: '22:00' }] },
  { key: 'tianlin', name: '邻里鲜生·田林店', address: '上海市徐汇区田林路 200 号', location: { lat: 31.1752, lng: 121.4223 }, hours: [{ weekdays: [1, 2, 3, 4, 5], open: '07:30', close: '21:30' }, { weekdays: [6, 7], open: '08:00', close: '22:30' }] },
  { key: 'longhua', name: '邻里鲜生·龙华店', address: '上海市徐汇区龙华中路 596 号', location: { lat: 31.1830, lng: 121.4560 }, hours: [{ weekdays: EVERY_DAY, open: '06:30', close: '01:00' }] },
];

const COMMUNITIES = [
  { name: '汇翠花园', location: { lat: 31.1950, lng: 121.4400 }, households: 1200, buildings: 18, sections: ['东区', '西区'] },
  { name: '东方曼哈顿', location: { lat: 31.1905, lng: 121.4330 }, households: 860, buildings: 9, sections: ['A 区', 'B 区'] },
  { name: '田林十二村', location: { lat: 31.1760, lng: 121.4250 }, households: 2100, buildings: 42, sections: ['1-20 号楼', '21-42 号楼', '沿街商铺'] },
  { name: '华鼎公寓', location: { lat: 31.1730, lng: 121.4190 }, households: 640, buildings: 6, sections: ['全区'] },
  { name: '龙华新苑', location: { lat: 31.1845, lng: 121.4585 }, households: 980, buildings: 14, sections: ['南区', '北区'] },
  { name: '滨江一品', location: { lat: 31.1800, lng: 121.4620 }, households: 520, buildings: 5, sections: ['全区'] },
  { name: '漕河泾苑', location: { lat: 31.1690, lng: 121.4050 }, households: 1500, buildings: 25, sections: ['一期', '二期'] },
  { name: '莘庄远郊小区', location: { lat: 31.1100, lng: 121.3850 }, households: 800, buildings: 10, sections: ['全区'] },
];

export interface DemoLogins {
  admin: string;
  cityOps: string;
  managers: string[];
  advisors: string[];
}

/** Every demo staff member signs in with dev login as `dev:<name>`. */
export const DEMO_LOGINS: DemoLogins = {
  admin: 'dev:admin',
  cityOps: 'dev:ops',
  managers: ['dev:manager-xujiahui', 'dev:manager-tianlin', 'dev:manager-longhua'],
  advisors: ['dev:advisor-xujiahui-1', 'dev:advisor-xujiahui-2', 'dev:advisor-tianlin-1', 'dev:advisor-tianlin-2', 'dev:advisor-longhua-1', 'dev:advisor-longhua-2'],
};

export interface DemoSeedResult {
  created: boolean;
  cityId: Types.ObjectId;
}

/**
 * Creates a demo city with stores, communities, sections, staff, attribution dimensions and QR
 * codes of all four types. Does nothing if any city exists, so `npm start` can call it every time.
 */
export async function seedDemoData(now = new Date()): Promise<DemoSeedResult> {
  const existing = await CityModel.findOne().lean();
  if (existing) return { created: false, cityId: existing._id };

  const city = await CityModel.create({ name: '上海', code: 'shanghai' });
  const admin = await StaffModel.create({ name: '系统管理员', role: 'admin', openid: DEMO_LOGINS.admin });
  await StaffModel.create({ name: '上海城市运营·陈敏', role: 'city_ops', cityId: city._id, openid: DEMO_LOGINS.cityOps });

  const channels = await ChannelModel.insertMany([
    { key: 'in_store', name: '门店扫码' },
    { key: 'invite', name: '邻居邀请' },
    { key: 'ad', name: '广告投放' },
    { key: 'partner', name: '合作伙伴' },
    { key: 'community_group', name: '社群' },
  ]);
  const channel = (key: string) => channels.find((entry) => entry.key === key)!._id;
  const placements = await PlacementModel.insertMany([
    { name: '收银台立牌', description: '门店收银台旁的桌面立牌' },
    { name: '门口海报', description: '门店入口 X 展架' },
    { name: '配送小票', description: '配送订单小票上的二维码' },
    { name: '小区公告栏', description: '小区公告栏张贴海报' },
  ]);
  const yearEnd = new Date(Date.UTC(now.getUTCFullYear() + 1, 0, 1));
  const campaigns = await CampaignModel.insertMany([
    { name: '新人首单立减', startsAt: now, endsAt: yearEnd, cityId: city._id },
    { name: '周末社区团购', startsAt: now, endsAt: yearEnd, cityId: city._id },
  ]);

  const stores = [];
  for (const [index, spec] of STORES.entries()) {
    const store = await StoreModel.create({
      cityId: city._id, name: spec.name, address: spec.address, location: spec.location, openingHours: spec.hours,
      delivery: { radiusKm: 3, feeCents: 500, freeAboveCents: 3900, minOrderCents: 1500 }, serviceRadiusKm: 3, contactPhone: `021-6488${1000 + index}`,
      // A placeholder group link: a store manager sets the real group's QR content with PATCH /stores/:id.
      groupQr: { name: `${spec.name.split('·')[1]}邻里群`, qrContent: `https://weixin.qq.com/g/demo-${spec.key}` },
    });
    const manager = await StaffModel.create({ name: `${spec.name.split('·')[1]}店长`, role: 'store_manager', storeId: store._id, cityId: city._id, openid: DEMO_LOGINS.managers[index] });
    const advisors = await StaffModel.insertMany(
      [1, 2].map((n) => ({ name: `${spec.name.split('·')[1]}顾问${n}`, role: 'advisor', storeId: store._id, cityId: city._id, openid: `dev:advisor-${spec.key}-${n}`, goalConsumerUsers: 1000 })),
    );
    stores.push({ store, manager, advisors });
  }

  for (const spec of COMMUNITIES) {
    const community = await CommunityModel.create({
      cityId: city._id, name: spec.name, address: `上海市徐汇区${spec.name}`, location: spec.location, households: spec.households, buildings: spec.buildings, portrait: {},
    });
    for (const sectionName of spec.sections) await SectionModel.create({ communityId: community._id, name: sectionName });
  }

  // Each advisor owns a section of a community near their store; some sections stay unowned.
  const sections = await SectionModel.find().sort({ _id: 1 }).lean();
  const communities = await CommunityModel.find().lean();
  for (const { store, manager, advisors } of stores) {
    const nearby = communities
      .map((community) => ({ community, d: Math.hypot(community.location!.lat - store.location!.lat, community.location!.lng - store.location!.lng) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 2);
    for (const [index, advisor] of advisors.entries()) {
      const free = sections.find((section) => nearby[index]?.community._id.equals(section.communityId) && !section.ownerStaffId);
      if (!free) continue;
      free.ownerStaffId = advisor._id;
      await SectionAssignmentModel.create({ _id: `${free._id}:1`, sectionId: free._id, version: 1, fromStaffId: null, toStaffId: advisor._id, kind: 'assign', byStaffId: manager._id, reason: '初始分配', at: now });
      await SectionModel.updateOne({ _id: free._id }, { $set: { ownerStaffId: advisor._id, assignedAt: now } });
    }
  }

  const codes = [];
  for (const { store, manager, advisors } of stores) {
    const base = { storeId: store._id, createdBy: manager._id };
    codes.push(
      { ...base, type: 'brand', name: `${store.name} 品牌码`, channelId: channel('in_store'), campaignId: campaigns[0]._id, placementId: placements[0]._id },
      { ...base, type: 'store_activity', name: `${store.name} 周末团购活动码`, channelId: channel('in_store'), campaignId: campaigns[1]._id, placementId: placements[1]._id },
    );
    for (const advisor of advisors) {
      codes.push(
        { ...base, type: 'advisor', advisorId: advisor._id, name: `${advisor.name} 顾问码`, channelId: channel('in_store'), campaignId: campaigns[0]._id, placementId: placements[0]._id },
        { ...base, type: 'advisor_activity', advisorId: advisor._id, createdBy: advisor._id, name: `${advisor.name} 小区推广码`, channelId: channel('ad'), campaignId: campaigns[0]._id, placementId: placements[3]._id },
      );
    }
  }
  await QrCodeModel.insertMany(codes.map((code) => ({ ...code, shortId: randomShortId(8) })));
  void admin;
  return { created: true, cityId: city._id };
}
