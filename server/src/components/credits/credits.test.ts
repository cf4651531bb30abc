import { ObjectId } from 'mongodb';
import { createCipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { touchFromQuery } from '@o2o/shared/rules/order-credit';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { startFakeWechatServer, type FakeWechatServer } from '../../testing/fake-wechat-server';
import { latestCalendarSlot } from '@o2o/shared/rules/sop';
import { DAY_MS } from '@o2o/shared/rules/china-time';
import type { Application } from '../../app';
import { createTestApplication, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { CommunityModel } from '../organisation/organisation.model';
import { GroupOpengidModel, LinkTouchModel, OrderCreditModel } from './credits.model';

useTestDatabase();
jest.setTimeout(180_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const baseEnv = { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000', ORDER_CREDIT_WINDOW_HOURS: '72', DEV_LOGIN: 'true' };
const secret = testServices(baseEnv).config.ORDER_WEBHOOK_SECRET;
let fake: FakeWechatServer;
let application: Application;
let app: Application['app'];
const asBot = { authorization: `Bearer ${TOKEN}` };
const HOUR = 3600_000;
type Session = Awaited<ReturnType<typeof login>>;

let manager: Session;
let storeId = '';
let communityId = '';
const groups: Record<string, string> = {};

async function bindRoom(roomId: string): Promise<string> {
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
  const bound = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-manager', name: '店长', roomId, topic: roomId });
  expect(bound.status).toBe(200);
  return bound.body.groupId ?? String((await request(app).get('/groups').set(bearer(manager))).body.find((group: { roomId: string }) => group.roomId === roomId).id);
}

beforeAll(async () => {
  // WeChat is the fake on 127.0.0.1, so a resident's login stores the session key its group info is encrypted with.
  fake = await startFakeWechatServer();
  application = createTestApplication({ env: { ...baseEnv, WECHAT_APPID: fake.appId, WECHAT_SECRET: fake.appSecret, WECHAT_API_BASE_URL: fake.url } });
  app = application.app;
  await seedDemo();
  manager = await login(app, DEMO_LOGINS.managers[0]);
  storeId = manager.staff!.storeId!;
  communityId = String((await CommunityModel.findOne({ name: '汇翠花园' }).lean())!._id);
  groups.a = await bindRoom('credit-a@chatroom');
  groups.b = await bindRoom('credit-b@chatroom');
});
afterAll(async () => {
  await application?.stop();
  await fake?.close();
});

/** A resident signed up; with a session key, logged in through WeChat's code2Session (the fake), which answers that key. */
async function resident(name: string, sessionKey?: Buffer): Promise<Session> {
  if (sessionKey) fake.addLoginCode(`code-${name}`, { openid: `o-${name}`, sessionKey: sessionKey.toString('base64') });
  const session = await login(app, sessionKey ? `code-${name}` : `dev:${name}`);
  await request(app).post('/residents/me/sign-up').set(bearer(session)).send({ communityId }).expect(200);
  return session;
}

/** A card broadcast to one group, expanded into its delivery; the card's page as the bot gets it. */
async function cardIn(groupId: string): Promise<{ broadcastId: string; pagePath: string }> {
  const created = await request(app).post('/groups/broadcasts').set(bearer(manager)).send({ audience: 'group', groupId, kind: 'card', card: { title: '本周特价', pagePath: 'pages/offers/index' }, text: '点开看看' });
  expect(created.status).toBe(201);
  const due = (await request(app).get('/groups/bot/deliveries').set(asBot)).body as { groupId: string; attachment: { pagePath?: string } | null }[];
  const mine = due.find((delivery) => delivery.groupId === groupId && delivery.attachment?.pagePath?.includes(created.body.id));
  return { broadcastId: created.body.id, pagePath: mine!.attachment!.pagePath! };
}

const queryOf = (pagePath: string) => Object.fromEntries(new URLSearchParams(pagePath.split('?')[1]));

function touch(session: Session, body: Record<string, unknown>) {
  return request(app).post('/credits/touches').set(bearer(session)).send({ touchId: randomUUID(), ...body });
}

/** An order paid at `placedAt` and completed a minute later, delivered the way the order system signs it. */
async function completedOrder(session: Session, orderId: string, placedAt: Date, totalCents = 2700) {
  for (const [status, at] of [['paid', placedAt], ['completed', new Date(placedAt.getTime() + 60_000)]] as const) {
    const raw = JSON.stringify({ eventId: `${orderId}-${status}`, orderId, storeId, status, occurredAt: at.toISOString(), residentId: session.residentId, lines: [{ productId: 'SKU-DAI-001', quantity: 1, amountCents: totalCents }], totalCents });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
    const response = await request(app).post('/orders/webhook').set('content-type', 'application/json').set('x-timestamp', timestamp).set('x-signature', signature).send(raw);
    expect(response.status).toBe(200);
  }
}

async function refund(orderId: string, session: Session) {
  const raw = JSON.stringify({ eventId: `${orderId}-refunded`, orderId, storeId, status: 'refunded', occurredAt: new Date().toISOString(), residentId: session.residentId, lines: [{ productId: 'SKU-DAI-001', quantity: 1, amountCents: 2700 }], totalCents: 2700 });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  await request(app).post('/orders/webhook').set('content-type', 'application/json').set('x-timestamp', timestamp).set('x-signature', signature).send(raw).expect(200);
}

/** What wx.getGroupEnterInfo returns: the group's opengid and our appid, encrypted with the user's session key. */
function groupInfo(sessionKey: Buffer, opengid: string, appid = fake.appId, content: object = { opengid, watermark: { appid, timestamp: Math.floor(Date.now() / 1000) } }) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', sessionKey, iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(content)), cipher.final()]);
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') };
}

// Yesterday to tomorrow (China days), so a run across midnight still sees its orders.
const groupShare = async () =>
  (await request(app).get('/credits/group-share').query({ storeId, from: chinaDateKey(new Date(Date.now() - 24 * HOUR)), to: chinaDateKey(new Date(Date.now() + 24 * HOUR)) }).set(bearer(manager)).expect(200)).body;

describe('orders credited to the touch that led to them', () => {
  it('credits an order to the SOP plan whose card was opened in its group; the scorecard lists the plan under 群发/SOP', async () => {
    const before = await groupShare();
    const buyer = await resident('credit-sop-buyer');
    const created = await request(app).post('/sop/plans').set(bearer(manager)).send({ kind: 'calendar', name: '周五团购', text: '周五 18 点开团', groupId: groups.b, weekdays: [5], time: '18:00', card: { title: '周五团购', pagePath: 'pages/offers/index?from=sop' } });
    expect(created.status).toBe(201);
    expect(created.body.card).toEqual({ title: '周五团购', pagePath: 'pages/offers/index?from=sop' });
    const planId = created.body.id as string;
    // The Friday slot after now, five minutes past it: one dispatch for the group, its card in the bot's delivery.
    const afterSlot = new Date(latestCalendarSlot({ weekdays: [5], time: '18:00' }, new Date(), new Date(Date.now() + 8 * DAY_MS))!.getTime() + 5 * 60_000);
    expect(await application.services.sop.materialise(afterSlot)).toMatchObject({ queued: 1 });
    const delivery = (await application.services.groups.deliveries.pending(200, afterSlot)).find((entry) => entry.kind === 'sop' && entry.groupId === groups.b);
    expect(delivery?.attachment).toMatchObject({ type: 'mini_program', title: '周五团购' });
    const pagePath = (delivery!.attachment as { pagePath: string }).pagePath;
    expect(pagePath.startsWith('pages/offers/index?from=sop&')).toBe(true);
    const link = touchFromQuery(queryOf(pagePath))!;
    expect(link).toEqual({ kind: 'sop', refId: planId, groupId: groups.b, sharerId: null });

    // The plan never went to group a: a card claiming it keeps no group. Its own group counts.
    expect((await touch(buyer, { ...link, groupId: groups.a })).body).toMatchObject({ kind: 'sop', groupId: null, created: true });
    expect((await touch(buyer, { ...link })).body).toMatchObject({ kind: 'sop', groupId: groups.b, created: true });
    expect((await touch(buyer, { ...link, refId: String(new ObjectId()) })).status).toBe(404);

    await completedOrder(buyer, 'credit-sop-order', new Date());
    const credit = (await OrderCreditModel.findById('credit-sop-order').lean())!;
    expect(credit).toMatchObject({ touchKind: 'sop', state: 'completed' });
    expect(String(credit.refId)).toBe(planId);
    expect(String(credit.groupId)).toBe(groups.b);
    const after = await groupShare();
    expect(after.byKind.sop - before.byKind.sop).toBe(1);
    expect(after.viaGroups - before.viaGroups).toBe(1);

    const month = credit.day.slice(0, 7);
    const scorecard = (await request(app).get('/metrics/scorecards').query({ dimension: 'broadcast', from: month, to: month }).set(bearer(manager)).expect(200)).body as { rows: { value: string; label: string; ordersCredited: number }[] };
    const row = scorecard.rows.find((entry) => entry.value === planId);
    expect(row).toMatchObject({ label: 'SOP·周五团购' });
    expect(row!.ordersCredited).toBe(await OrderCreditModel.countDocuments({ refId: credit.refId, touchKind: 'sop', state: 'completed', day: { $gte: `${month}-01`, $lte: `${month}-31` } }));
  });

  it('credits an order to the broadcast card and group it was opened from, once, beside the first touch; a refund takes it out of the share', async () => {
    const before = await groupShare();
    const buyer = await resident('credit-buyer');
    const card = await cardIn(groups.a);
    const link = touchFromQuery(queryOf(card.pagePath))!;
    expect(link).toEqual({ kind: 'broadcast', refId: card.broadcastId, groupId: groups.a, sharerId: null });

    const touchId = randomUUID();
    const first = await request(app).post('/credits/touches').set(bearer(buyer)).send({ touchId, ...link });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ touchId, kind: 'broadcast', groupId: groups.a, created: true });
    const retry = await request(app).post('/credits/touches').set(bearer(buyer)).send({ touchId, ...link });
    expect(retry.body).toEqual({ touchId, kind: 'broadcast', groupId: groups.a, created: false });
    expect(await LinkTouchModel.countDocuments({ residentId: buyer.residentId })).toBe(1);

    const placedAt = new Date();
    await completedOrder(buyer, 'credit-order-1', placedAt);
    await completedOrder(buyer, 'credit-order-1', placedAt); // redelivered
    const credits = await OrderCreditModel.find({ residentId: buyer.residentId }).lean();
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({ _id: 'credit-order-1', state: 'completed', touchId, touchKind: 'broadcast', day: chinaDateKey(new Date(placedAt.getTime() + 60_000)), first: { source: 'organic' } });
    expect(String(credits[0].groupId)).toBe(groups.a);
    expect(String(credits[0].refId)).toBe(card.broadcastId);

    const after = await groupShare();
    expect(after.orders - before.orders).toBe(1);
    expect(after.viaGroups - before.viaGroups).toBe(1);
    expect(after.byKind.broadcast - before.byKind.broadcast).toBe(1);
    expect(after.groupShare).toBeCloseTo(after.viaGroups / after.orders);

    // The group's stats count it on the day it completed, in the range and the one-day figures alike.
    const day = credits[0].day;
    const range = async () => (await request(app).get(`/group-stats/${groups.a}`).query({ from: day, to: day }).set(bearer(manager)).expect(200)).body;
    const independent = await OrderCreditModel.find({ groupId: credits[0].groupId, day, state: 'completed' }).lean();
    expect(independent.length).toBeGreaterThanOrEqual(1);
    expect((await range()).days[0]).toMatchObject({ ordersCredited: independent.length, revenueCreditedCents: independent.reduce((sum, credit) => sum + credit.totalCents, 0) });
    expect((await request(app).get(`/groups/${groups.a}/stats`).query({ day }).set(bearer(manager)).expect(200)).body).toMatchObject({ ordersCredited: independent.length });

    await refund('credit-order-1', buyer);
    expect((await range()).days[0].ordersCredited).toBe(independent.length - 1);
    expect((await OrderCreditModel.findById('credit-order-1').lean())!.state).toBe('refunded');
    expect((await groupShare()).viaGroups).toBe(before.viaGroups);
  });

  it('credits no touch when the order came before it or after the window; the first touch is kept either way', async () => {
    const buyer = await resident('credit-late');
    const card = await cardIn(groups.a);
    const old = await touch(buyer, touchFromQuery(queryOf(card.pagePath))! as never);
    // The touch was 80 hours ago (past the 72-hour window).
    await LinkTouchModel.updateOne({ _id: old.body.touchId }, { $set: { at: new Date(Date.now() - 80 * HOUR) } });
    await completedOrder(buyer, 'credit-order-late', new Date());
    expect(await OrderCreditModel.findById('credit-order-late').lean()).toMatchObject({ touchId: null, touchKind: null, groupId: null, first: { source: 'organic' } });

    const early = await resident('credit-early');
    const placed = new Date(Date.now() - 120_000);
    await touch(early, touchFromQuery(queryOf(card.pagePath))! as never);
    await completedOrder(early, 'credit-order-early', placed);
    expect(await OrderCreditModel.findById('credit-order-early').lean()).toMatchObject({ touchId: null, groupId: null });
  });

  it('learns a group\'s opengid from a card opened in it, then credits a resident\'s share opened in that group to the group', async () => {
    const readerKey = randomBytes(16);
    const reader = await resident('credit-reader', readerKey);
    const card = await cardIn(groups.b);
    const opengid = `G-${randomUUID()}`;
    const learnt = await touch(reader, { ...touchFromQuery(queryOf(card.pagePath))!, groupInfo: groupInfo(readerKey, opengid) });
    expect(learnt.body.groupId).toBe(groups.b);
    expect(await GroupOpengidModel.findById(opengid).lean()).toMatchObject({ learntFrom: learnt.body.touchId });

    const friendKey = randomBytes(16);
    const friend = await resident('credit-friend', friendKey);
    const share = await touch(friend, { kind: 'share', sharerId: reader.residentId, groupInfo: groupInfo(friendKey, opengid) });
    expect(share.body).toMatchObject({ kind: 'share', groupId: groups.b, created: true });
    await completedOrder(friend, 'credit-order-share', new Date());
    const credit = (await OrderCreditModel.findById('credit-order-share').lean())!;
    expect([credit.touchKind, String(credit.groupId), String(credit.sharerId)]).toEqual(['share', groups.b, reader.residentId]);

    // wx.getShareInfo's older shape names the group openGId.
    const olderKey = randomBytes(16);
    const older = await resident('credit-older', olderKey);
    expect((await touch(older, { kind: 'share', sharerId: reader.residentId, groupInfo: groupInfo(olderKey, opengid, fake.appId, { openGId: opengid }) })).body.groupId).toBe(groups.b);

    // Group info issued for another mini-program, or not decrypting with the stored key, names no group.
    const strangerKey = randomBytes(16);
    const stranger = await resident('credit-stranger', strangerKey);
    expect((await touch(stranger, { kind: 'share', sharerId: reader.residentId, groupInfo: groupInfo(strangerKey, opengid, 'wxsomeoneelse0000') })).body.groupId).toBeNull();
    expect((await touch(stranger, { kind: 'share', sharerId: reader.residentId, groupInfo: groupInfo(randomBytes(16), opengid) })).body.groupId).toBeNull();
  });

  it('keeps a touch without a group the broadcast never went to, stores nothing for one\'s own share, and refuses bad reports in Chinese', async () => {
    const someone = await resident('credit-someone');
    const card = await cardIn(groups.a);
    const forged = await touch(someone, { kind: 'broadcast', refId: card.broadcastId, groupId: groups.b });
    expect(forged.body).toMatchObject({ groupId: null, created: true });

    const own = await touch(someone, { kind: 'share', sharerId: someone.residentId });
    expect(own.body).toMatchObject({ created: false, groupId: null });
    expect(await LinkTouchModel.countDocuments({ _id: own.body.touchId })).toBe(0);

    const noRef = await touch(someone, { kind: 'broadcast' });
    expect(noRef.status).toBe(400);
    expect(JSON.stringify(noRef.body.error)).toContain('群发和订阅消息的触达需要带上它的编号');
    const unknown = await touch(someone, { kind: 'push', refId: '0123456789abcdef01234567' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/订阅消息推送/);
    const badId = await request(app).post('/credits/touches').set(bearer(someone)).send({ touchId: 'x', kind: 'share', sharerId: someone.residentId });
    expect(badId.status).toBe(400);
    // Another resident cannot reuse someone's touchId.
    const other = await resident('credit-other');
    const reused = await request(app).post('/credits/touches').set(bearer(other)).send({ touchId: forged.body.touchId, kind: 'broadcast', refId: card.broadcastId });
    expect(reused.status).toBe(409);
    expect(await LinkTouchModel.countDocuments({ residentId: other.residentId })).toBe(0);
  });
});
