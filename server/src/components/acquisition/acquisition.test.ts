import request from 'supertest';
import type { QrCode } from '@o2o/shared/schemas/acquisition';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ResidentModel } from '../residents/resident.model';
import { QrCodeModel, TouchModel } from './acquisition.model';
import { SceneSigner } from './scene-signer';

useTestDatabase();
jest.setTimeout(60_000);
const app = createTestApp();

let managerCodes: QrCode[];
let advisorCodes: QrCode[];
let manager: Awaited<ReturnType<typeof login>>;
let advisor: Awaited<ReturnType<typeof login>>;

function codeOfType(type: QrCode['type']): QrCode {
  const code = managerCodes.find((candidate) => candidate.type === type && candidate.enabled);
  if (!code) throw new Error(`no ${type} code`);
  return code;
}

beforeAll(async () => {
  await seedDemoData();
  manager = await login(app, DEMO_LOGINS.managers[0]);
  advisor = await login(app, DEMO_LOGINS.advisors[0]);
  managerCodes = (await request(app).get('/codes').set(bearer(manager))).body;
  advisorCodes = (await request(app).get('/codes').set(bearer(advisor))).body;
});

describe('first-touch attribution for each code type', () => {
  it.each([
    ['brand', 'store'],
    ['advisor', 'store'],
    ['advisor_activity', 'advisor'],
    ['store_activity', 'store'],
  ] as const)('when a new resident signs up from a %s code, then the %s gets the credit with all three dimensions', async (type, credited) => {
    const code = codeOfType(type);
    const session = await login(app, `dev:new-${type}`, { scene: code.scene });
    expect(session).toMatchObject({ kind: 'resident', isNewResident: true, needsSignUp: true, scan: { status: 'attributable' } });

    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({
      source: 'code',
      codeId: code.id,
      codeType: type,
      storeId: code.storeId,
      advisorId: credited === 'advisor' ? code.advisorId : null,
      codeOwnerId: code.advisorId,
      channelId: code.channelId,
      campaignId: code.campaignId,
      placementId: code.placementId,
    });
    const stored = await ResidentModel.findById(me.id).lean();
    expect(String(stored!.attribution.channelId)).toBe(code.channelId);
    expect(String(stored!.attribution.placementId)).toBe(code.placementId);
    const firstTouch = await TouchModel.findOne({ residentId: stored!._id, isFirstTouch: true }).lean();
    expect(String(firstTouch!.codeId)).toBe(code.id);
  });

  it('when an advisor shares their activity code, then it carries that advisor', async () => {
    const own = advisorCodes.find((code) => code.type === 'advisor_activity');
    expect(own?.advisorId).toBe(advisor.staff!.id);
    const session = await login(app, 'dev:neighbour-of-advisor', { scene: own!.scene });
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution.advisorId).toBe(advisor.staff!.id);
  });

  it('when a resident scanned anonymously before logging in, then the login from that device credits the scan', async () => {
    const code = codeOfType('store_activity');
    const scan = await request(app).post('/scans').send({ scene: code.scene, deviceId: 'device-anon-0001' });
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({ status: 'attributable', store: { id: code.storeId }, codeType: 'store_activity' });
    const session = await login(app, 'dev:scanned-first', { deviceId: 'device-anon-0001' });
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'code', codeId: code.id, touchId: scan.body.touchId });
    const touch = await TouchModel.findById(scan.body.touchId).lean();
    expect(String(touch!.residentId)).toBe(me.id);
    expect(touch!.isFirstTouch).toBe(true);
  });

  it('when a resident arrives with no code, then they are organic', async () => {
    const session = await login(app, 'dev:walked-in');
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'organic', codeId: null, storeId: null, advisorId: null, channelId: null });
  });

  it("when a resident arrives from a neighbour's invite, then the inviter is recorded", async () => {
    const inviter = await login(app, 'dev:inviter');
    const inviterRecord = await ResidentModel.findById(inviter.residentId).lean();
    const signer = new SceneSigner('development-scene-secret-change-me');
    const session = await login(app, 'dev:invitee', { scene: signer.sign('invite', inviterRecord!.inviteCode) });
    expect(session.scan?.status).toBe('invite');
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'invite', inviterResidentId: inviter.residentId });
  });
});

describe('the first touch is the earliest touch that credits someone', () => {
  it("when code A was scanned before logging in through code B's scene, then A is the first touch and gets the credit", async () => {
    const otherManager = await login(app, DEMO_LOGINS.managers[1]);
    const codeA = ((await request(app).get('/codes').set(bearer(otherManager))).body as QrCode[]).find((code) => code.type === 'store_activity' && code.enabled)!;
    const codeB = advisorCodes.find((code) => code.type === 'advisor_activity')!;
    expect(codeA.storeId).not.toBe(codeB.storeId);
    const scanA = await request(app).post('/scans').send({ scene: codeA.scene, deviceId: 'device-order-0001' });
    expect(scanA.body.status).toBe('attributable');
    const session = await login(app, 'dev:scanned-a-then-b', { scene: codeB.scene, deviceId: 'device-order-0001' });
    expect(session.scan?.status).toBe('attributable');

    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'code', touchId: scanA.body.touchId, codeId: codeA.id, storeId: codeA.storeId, advisorId: null, channelId: codeA.channelId });
    expect(me.storeId).toBe(codeA.storeId);
    const touches = (await request(app).get(`/residents/${session.residentId}/touches`).set(bearer(session))).body;
    expect(touches.map((touch: { codeId: string; isFirstTouch: boolean }) => [touch.codeId, touch.isFirstTouch])).toEqual([
      [codeA.id, true],
      [codeB.id, false],
    ]);
  });

  it('when the earlier scan credits nobody (a disabled code), then the later attributable one is the first touch', async () => {
    const disabled = managerCodes.find((code) => code.type === 'brand' && code.enabled)!;
    const later = codeOfType('store_activity');
    await request(app).post('/scans').send({ scene: disabled.scene, deviceId: 'device-order-0002' }).expect(200);
    await request(app).patch(`/codes/${disabled.id}`).set(bearer(manager)).send({ enabled: false }).expect(200);
    const session = await login(app, 'dev:disabled-then-valid', { scene: later.scene, deviceId: 'device-order-0002' });
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'code', codeId: later.id });
    const first = await TouchModel.find({ residentId: me.id, isFirstTouch: true }).lean();
    expect(first.map((touch) => String(touch.codeId))).toEqual([later.id]);
    await request(app).patch(`/codes/${disabled.id}`).set(bearer(manager)).send({ enabled: true }).expect(200);
  });

  it("when a neighbour's invite was opened before a store code, then the invite is the first touch", async () => {
    const inviter = await login(app, 'dev:early-inviter');
    const scene = (await request(app).get('/invites/me').set(bearer(inviter))).body.scene;
    await request(app).post('/scans').send({ scene, deviceId: 'device-order-0003' }).expect(200);
    const session = await login(app, 'dev:invite-then-code', { scene: codeOfType('brand').scene, deviceId: 'device-order-0003' });
    const me = (await request(app).get('/residents/me').set(bearer(session))).body;
    expect(me.attribution).toMatchObject({ source: 'invite', inviterResidentId: inviter.residentId, codeId: null });
  });
});

describe('scenes that must not credit anyone', () => {
  it('rejects a forged signature and a tampered code id, but still lets the resident in', async () => {
    const code = codeOfType('brand');
    const [prefix, id, signature] = code.scene.split('.');
    const forged = `${prefix}.${id}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const otherId = advisorCodes.find((candidate) => candidate.type === 'advisor_activity')!.shortId;
    const tampered = `${prefix}.${otherId}.${signature}`;
    for (const [name, scene] of [['forged', forged], ['tampered', tampered], ['garbage', 'hello-world']] as const) {
      const session = await login(app, `dev:victim-${name}`, { scene });
      expect(session.scan).toEqual({ status: 'forged', message: expect.stringContaining('仍可正常注册') });
      const me = (await request(app).get('/residents/me').set(bearer(session))).body;
      expect(me.attribution.source).toBe('organic');
    }
  });

  it('records no attribution for a disabled, expired or not-yet-valid code and says why', async () => {
    const brand = codeOfType('brand');
    const disable = await request(app).patch(`/codes/${brand.id}`).set(bearer(manager)).send({ enabled: false });
    expect(disable.status).toBe(200);
    expect(disable.body.enabled).toBe(false);
    const activity = codeOfType('store_activity');
    await request(app).patch(`/codes/${activity.id}`).set(bearer(manager)).send({ validTo: '2020-01-01T00:00:00Z' });
    const advisorCode = codeOfType('advisor');
    await request(app).patch(`/codes/${advisorCode.id}`).set(bearer(manager)).send({ validFrom: '2099-01-01T00:00:00Z' });

    for (const [code, status, words] of [[brand, 'disabled', '已停用'], [activity, 'expired', '已过期'], [advisorCode, 'not_yet_valid', '尚未生效']] as const) {
      const session = await login(app, `dev:late-${status}`, { scene: code.scene });
      expect(session.scan).toEqual({ status, message: expect.stringContaining(words) });
      expect(session.isNewResident).toBe(true);
      const me = (await request(app).get('/residents/me').set(bearer(session))).body;
      expect(me.attribution.source).toBe('organic');
      expect(await TouchModel.countDocuments({ residentId: me.id, codeId: code.id, status })).toBe(1);
    }
    await QrCodeModel.updateMany({}, { $set: { enabled: true, validFrom: null, validTo: null } });
  });
});

describe('returning residents', () => {
  it('when a registered resident scans a second code, then the first-touch credit does not change', async () => {
    const first = codeOfType('brand');
    const second = advisorCodes.find((code) => code.type === 'advisor_activity')!;
    const session = await login(app, 'dev:loyal', { scene: first.scene });
    const again = await login(app, 'dev:loyal', { scene: second.scene });
    expect(again).toMatchObject({ isNewResident: false, residentId: session.residentId, scan: { status: 'attributable' } });
    const scanAfter = await request(app).post('/scans').set(bearer(again)).send({ scene: second.scene });
    expect(scanAfter.body.status).toBe('attributable');

    const me = (await request(app).get('/residents/me').set(bearer(again))).body;
    expect(me.attribution).toMatchObject({ codeId: first.id, advisorId: null });
    const touches = (await request(app).get(`/residents/${session.residentId}/touches`).set(bearer(again))).body;
    expect(touches.map((touch: { codeId: string; isFirstTouch: boolean }) => [touch.codeId, touch.isFirstTouch])).toEqual([
      [first.id, true],
      [second.id, false],
      [second.id, false],
    ]);
  });

  it('when the same person logs in from 12 concurrent requests, then exactly one resident is created', async () => {
    const code = codeOfType('store_activity');
    const sessions = await Promise.all(Array.from({ length: 12 }, () => login(app, 'dev:double-tapper', { scene: code.scene })));
    expect(new Set(sessions.map((session) => session.residentId)).size).toBe(1);
    expect(sessions.filter((session) => session.isNewResident)).toHaveLength(1);
    expect(await ResidentModel.countDocuments({ openid: 'dev:double-tapper' })).toBe(1);
    const resident = await ResidentModel.findOne({ openid: 'dev:double-tapper' }).lean();
    expect(await TouchModel.countDocuments({ residentId: resident!._id, isFirstTouch: true })).toBe(1);
  });
});

describe('codes', () => {
  it('fits every scene into WeChat\'s 32 characters and serves a PNG of the H5 URL without WeChat', async () => {
    for (const code of managerCodes) {
      expect(code.scene.length).toBeLessThanOrEqual(32);
      expect(code.scene).toMatch(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/);
      expect(code.h5Url).toContain(`scene=${encodeURIComponent(code.scene)}`);
    }
    const image = await request(app).get(`/codes/${managerCodes[0].id}/image`).set(bearer(manager)).buffer(true);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-code-source']).toBe('h5');
    expect((image.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
  });

  it('lets an advisor create only their own activity codes, with channel, campaign and placement kept apart', async () => {
    const [channels, campaigns, placements] = await Promise.all(
      ['channels', 'campaigns', 'placements'].map(async (kind) => (await request(app).get(`/attribution/${kind}`).set(bearer(advisor))).body),
    );
    const body = { name: '电梯广告码', channelId: channels[2].id, campaignId: campaigns[1].id, placementId: placements[2].id };
    const created = await request(app).post('/codes').set(bearer(advisor)).send({ ...body, type: 'advisor_activity' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'advisor_activity', advisorId: advisor.staff!.id, storeId: advisor.staff!.storeId, ...body });
    const stored = await QrCodeModel.findById(created.body.id).lean();
    expect([String(stored!.channelId), String(stored!.campaignId), String(stored!.placementId)]).toEqual([body.channelId, body.campaignId, body.placementId]);

    const brand = await request(app).post('/codes').set(bearer(advisor)).send({ ...body, type: 'brand' });
    expect(brand.status).toBe(403);
    const unknownPlacement = await request(app).post('/codes').set(bearer(advisor)).send({ ...body, type: 'advisor_activity', placementId: '0'.repeat(24) });
    expect(unknownPlacement.status).toBe(400);
    expect(unknownPlacement.body.error.details).toEqual([{ path: 'body.placementId', message: 'no such record' }]);
  });
});
