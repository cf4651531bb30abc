import { Types } from 'mongoose';
import request from 'supertest';
import type { Push, PushEffect, SendReport } from '@o2o/shared/schemas/campaigns';
import { SUBSCRIBE_TEMPLATES } from '@o2o/shared/rules/campaigns';
import { inHoldout, liftInterval } from '@o2o/shared/rules/holdout';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { startFakeWechatServer, type FakeWechatServer } from '../../testing/fake-wechat-server';
import { WechatClient } from '../../wechat/wechat-client';
import type { AudienceResolver } from '../audiences/audience-resolver';
import { ResidentInterestModel } from '../interest/interest.model';
import { OrderModel } from '../orders/orders.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { CampaignDeliveryModel, CampaignPushModel, GrantUseModel, PushTargetChunkModel } from './campaigns.model';
import { campaignJobs } from './campaigns.jobs';
import { createCampaigns, type Campaigns } from './campaigns.component';
import { campaignRouters } from './campaigns.router';

useTestDatabase();
jest.setTimeout(300_000);

const SEND_PATH = '/cgi-bin/message/subscribe/send';
const [ACTIVITY, ARRIVAL] = SUBSCRIBE_TEMPLATES;
const activityData = { thing1: '有机菠菜限时特价', time2: '2024年10月1日 09:00', thing3: '到店自提立减5元', thing4: '数量有限，先到先得' };

const env = { RATE_LIMIT_MAX: '100000' };
const services = testServices(env);

/** A resolver over explicit lists: the audiences component is the boundary, so tests name the members. */
const audienceLists = new Map<string, { name: string; members: Types.ObjectId[] }>();
const audiences: AudienceResolver = {
  describe: async (id) => (audienceLists.has(id) ? { id, name: audienceLists.get(id)!.name } : null),
  memberIds: async (id) => audienceLists.get(id)?.members ?? [],
};
function audienceOf(name: string, residents: Resident[]): string {
  const id = String(new Types.ObjectId());
  audienceLists.set(id, { name, members: residents.map((resident) => resident.objectId) });
  return id;
}

let fake: FakeWechatServer;
/** The app's campaigns: sends one at a time, so orders of calls are predictable. */
let campaigns: Campaigns;
/** Another instance on the same data sending four at a time, as a second server would. */
let parallel: Campaigns;
let app: ReturnType<typeof createTestApp>;

type Session = Awaited<ReturnType<typeof login>>;
interface Resident {
  session: Session;
  id: string;
  objectId: Types.ObjectId;
  openid: string;
}
let admin: Session;
let ops: Session;
let managerA: Session;
let managerB: Session;
let advisorA: Session;
let storeA: string;
let storeB: string;

beforeAll(async () => {
  await seedDemoData();
  fake = await startFakeWechatServer();
  const client = (timeoutMs: number) => new WechatClient({ baseUrl: fake.url, appId: fake.appId, appSecret: fake.appSecret, timeoutMs });
  campaigns = createCampaigns({ wechat: client(1000), audiences, logger: services.logger, config: { sendConcurrency: 1 } });
  parallel = createCampaigns({ wechat: client(1000), audiences, logger: services.logger, config: { sendConcurrency: 4 } });
  app = createTestApp({ env, routers: campaignRouters(services.guards, campaigns) });
  [admin, ops, managerA, managerB, advisorA] = await Promise.all(
    [DEMO_LOGINS.admin, DEMO_LOGINS.cityOps, DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1], DEMO_LOGINS.advisors[0]].map((code) => login(app, code)),
  );
  storeA = managerA.staff!.storeId!;
  storeB = managerB.staff!.storeId!;
});

afterAll(async () => {
  await fake.close();
});

async function resident(name: string, store: 'A' | 'B' = 'A'): Promise<Resident> {
  const session = await login(app, `dev:${name}`);
  const objectId = new Types.ObjectId(session.residentId!);
  await ResidentModel.updateOne({ _id: objectId }, { $set: { storeId: new Types.ObjectId(store === 'A' ? storeA : storeB) } });
  return { session, id: session.residentId!, objectId, openid: `dev:${name}` };
}

let requestCounter = 0;
/** The resident accepts `times` prompts for the template (each prompt its own requestId). */
async function accept(who: Resident, templateId: string, times = 1): Promise<void> {
  for (let index = 0; index < times; index += 1) {
    requestCounter += 1;
    const response = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ templateId, result: 'accept', requestId: `req-${requestCounter}-abc` });
    expect(response.status).toBe(201);
  }
}

async function unusedGrants(who: Resident, templateId: string): Promise<number> {
  const response = await request(app).get('/me/subscriptions').set(bearer(who.session));
  expect(response.status).toBe(200);
  return (response.body as { template: { id: string }; unusedGrants: number }[]).find((entry) => entry.template.id === templateId)!.unusedGrants;
}

async function createPush(by: Session, target: unknown, fields: Record<string, unknown> = {}): Promise<Push> {
  const response = await request(app)
    .post('/campaigns/pushes')
    .set(bearer(by))
    .send({ name: '周末菠菜特价', target, templateId: ACTIVITY.id, data: activityData, page: 'pages/index/index', ...fields });
  expect(response.status).toBe(201);
  return response.body as Push;
}

async function send(by: Session, pushId: string): Promise<SendReport> {
  const response = await request(app).post(`/campaigns/pushes/${pushId}/send`).set(bearer(by));
  expect(response.status).toBe(200);
  return response.body as SendReport;
}

async function pushView(by: Session, pushId: string): Promise<Push> {
  const response = await request(app).get(`/campaigns/pushes/${pushId}`).set(bearer(by));
  expect(response.status).toBe(200);
  return response.body as Push;
}

/** Messages the fake WeChat server accepted for this openid and template. */
function messagesTo(who: Resident, templateId = ACTIVITY.id) {
  return fake.subscribeMessages.filter((message) => message.touser === who.openid && message.template_id === templateId);
}

const noRun = { sent: 0, no_grant: 0, refused: 0, invalid_openid: 0, quota: 0, failed: 0, unknown: 0, held_out: 0, busy: 0 };

describe('subscription grants', () => {
  it('records one grant per acceptance, and a retried report (same requestId) records none more', async () => {
    const who = await resident('sub-grants');
    const report = { templateId: ARRIVAL.id, result: 'accept', requestId: 'prompt-0001' };
    const first = await request(app).post('/me/subscriptions').set(bearer(who.session)).send(report);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ templateId: ARRIVAL.id, result: 'accept', grantId: `${who.id}:${ARRIVAL.id}:prompt-0001`, duplicate: false, unusedGrants: 1 });
    const retries = await Promise.all([1, 2, 3].map(() => request(app).post('/me/subscriptions').set(bearer(who.session)).send(report)));
    expect(retries.map((response) => [response.status, response.body.duplicate, response.body.unusedGrants])).toEqual([[201, true, 1], [201, true, 1], [201, true, 1]]);

    const second = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ ...report, requestId: 'prompt-0002' });
    expect(second.body).toMatchObject({ duplicate: false, unusedGrants: 2 });
    const rejected = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ ...report, result: 'reject', requestId: 'prompt-0003' });
    expect(rejected.body).toMatchObject({ grantId: null, unusedGrants: 2 });
    expect(await unusedGrants(who, ARRIVAL.id)).toBe(2);
    expect(await unusedGrants(who, ACTIVITY.id)).toBe(0);

    const contradicting = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ ...report, result: 'reject' });
    expect(contradicting.status).toBe(409);
  });

  it('refuses unknown templates, malformed reports and staff callers', async () => {
    const who = await resident('sub-invalid');
    const unknown = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ templateId: 'not-ours', result: 'accept', requestId: 'prompt-0001' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'body.templateId', message: expect.stringContaining(ACTIVITY.id) }]);
    const malformed = await request(app).post('/me/subscriptions').set(bearer(who.session)).send({ templateId: ACTIVITY.id, result: 'maybe', requestId: 'x' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['body.requestId', 'body.result']);
    expect((await request(app).post('/me/subscriptions').set(bearer(admin)).send({ templateId: ACTIVITY.id, result: 'accept', requestId: 'prompt-0001' })).status).toBe(403);
    const listed = await request(app).get('/me/subscriptions').set(bearer(who.session));
    expect(listed.body.map((entry: { template: { id: string } }) => entry.template.id)).toEqual(SUBSCRIBE_TEMPLATES.map((template) => template.id));
  });
});

describe('creating a push', () => {
  it('checks the data against the template fields and the target, with 400s naming each field', async () => {
    const audienceId = audienceOf('空人群', []);
    const bad = await request(app)
      .post('/campaigns/pushes')
      .set(bearer(ops))
      .send({ name: '测试', target: { audienceId }, templateId: ACTIVITY.id, data: { ...activityData, thing1: '这是一个超过二十个字的活动名称，微信会拒绝它', time2: '明天上午' }, page: 'pages/index/index' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['body.data.thing1', 'body.data.time2']);

    const missing = await request(app).post('/campaigns/pushes').set(bearer(ops)).send({ name: '测试', target: { audienceId }, templateId: ACTIVITY.id, data: { thing1: '活动' }, page: 'pages/index/index' });
    expect(missing.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['body.data.thing3', 'body.data.thing4', 'body.data.time2']);
    const unknownTemplate = await request(app).post('/campaigns/pushes').set(bearer(ops)).send({ name: '测试', target: { audienceId }, templateId: 'nope', data: activityData, page: 'pages/index/index' });
    expect(unknownTemplate.status).toBe(400);
    const badShape = await request(app).post('/campaigns/pushes').set(bearer(ops)).send({ name: '', target: { audienceId, extra: 1 }, templateId: ACTIVITY.id, data: activityData, page: '/pages/index' });
    expect(badShape.status).toBe(400);
    expect(badShape.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(expect.arrayContaining(['body.name', 'body.page']));
    const noAudience = await request(app).post('/campaigns/pushes').set(bearer(ops)).send({ name: '测试', target: { audienceId: String(new Types.ObjectId()) }, templateId: ACTIVITY.id, data: activityData, page: 'pages/index/index' });
    expect(noAudience.status).toBe(404);
  });

  it('limits store managers to their store\'s residents and their own pushes; advisors cannot push', async () => {
    const [a1, a2, b1] = [await resident('scope-a1'), await resident('scope-a2'), await resident('scope-b1', 'B')];
    const audienceId = audienceOf('跨店人群', [a1, b1, a2, a1]);
    const byManager = await createPush(managerA, { audienceId });
    expect(byManager).toMatchObject({ storeId: storeA, counts: { targeted: 2, pending: 2 } });
    const chunk = await PushTargetChunkModel.findById(`${byManager.id}:0`).lean();
    expect(chunk!.residentIds.map(String)).toEqual([a1.id, a2.id]);
    const byOps = await createPush(ops, { audienceId });
    expect(byOps.counts.targeted).toBe(3);

    expect((await request(app).post('/campaigns/pushes').set(bearer(advisorA)).send({})).status).toBe(403);
    expect((await request(app).get(`/campaigns/pushes/${byManager.id}`).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).post(`/campaigns/pushes/${byManager.id}/send`).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get(`/campaigns/pushes/${byOps.id}`).set(bearer(managerA))).status).toBe(403);
    const listB = await request(app).get('/campaigns/pushes').set(bearer(managerB));
    expect(listB.body.map((push: Push) => push.id)).not.toContain(byManager.id);
    const listAdmin = await request(app).get('/campaigns/pushes').set(bearer(admin));
    expect(listAdmin.body.map((push: Push) => push.id)).toEqual(expect.arrayContaining([byManager.id, byOps.id]));
    const listOps = await request(app).get('/campaigns/pushes').set(bearer(ops));
    expect(listOps.body.map((push: Push) => push.id)).toEqual(expect.arrayContaining([byManager.id, byOps.id]));
  });

  it('targets the residents most likely to want a product, best score first', async () => {
    await ProductModel.create({ _id: 'SKU-PUSH-SPINACH', name: '有机菠菜', category: '蔬菜', priceCents: 890, storeIds: [new Types.ObjectId(storeA)], repeatNature: 'daily' });
    const people = [await resident('interest-1'), await resident('interest-2'), await resident('interest-3'), await resident('interest-4', 'B')];
    const scores = [0.2, 0.9, 0.5, 0.95];
    await ResidentInterestModel.insertMany(
      people.map((who, index) => ({ _id: who.objectId, products: [{ productId: 'OTHER', score: 1 }, { productId: 'SKU-PUSH-SPINACH', score: scores[index] }], categories: [], modelId: 'test', builtAt: new Date() })),
    );
    // Independently: store A's residents by score, best first.
    const expected = people.slice(0, 3).map((who, index) => ({ id: who.id, score: scores[index] })).sort((a, b) => b.score - a.score).slice(0, 2).map((entry) => entry.id);
    const push = await createPush(managerA, { productAudience: { productId: 'SKU-PUSH-SPINACH', limit: 2 } });
    expect(push.target).toEqual({ audienceId: null, audienceName: null, productId: 'SKU-PUSH-SPINACH', limit: 2 });
    expect((await PushTargetChunkModel.findById(`${push.id}:0`).lean())!.residentIds.map(String)).toEqual(expected);
    const missing = await request(app).post('/campaigns/pushes').set(bearer(ops)).send({ name: 'x', target: { productAudience: { productId: 'SKU-NONE', limit: 5 } }, templateId: ACTIVITY.id, data: activityData, page: 'pages/index/index' });
    expect(missing.status).toBe(404);
  });
});

describe('sending a push', () => {
  it('sends one message per resident with a grant, consuming one grant, even with three concurrent senders and a retry', async () => {
    const once = await resident('send-once');
    const twice = await resident('send-twice');
    const none = await resident('send-none');
    const otherTemplate = await resident('send-other-template');
    await accept(once, ACTIVITY.id);
    await accept(twice, ACTIVITY.id, 2);
    await accept(otherTemplate, ARRIVAL.id);
    const extra = await Promise.all([1, 2, 3, 4, 5].map((index) => resident(`send-extra-${index}`)));
    for (const who of extra) await accept(who, ACTIVITY.id, 2);
    const withGrant = [once, twice, ...extra];
    // Residents with two grants come first: every sender starts on them at the same moment.
    const push = await createPush(ops, { audienceId: audienceOf('活动人群', [twice, ...extra, once, none, otherTemplate]) });

    // Slow answers keep the senders overlapping.
    fake.delayNext(SEND_PATH, 150, 4);
    const reports = await Promise.all([
      send(ops, push.id),
      parallel.pushes.send(new Types.ObjectId(push.id)),
      send(admin, push.id),
    ]);
    for (const who of withGrant) expect(messagesTo(who)).toHaveLength(1);
    expect(messagesTo(none)).toHaveLength(0);
    expect(messagesTo(otherTemplate)).toHaveLength(0);
    expect(messagesTo(otherTemplate, ARRIVAL.id)).toHaveLength(0);
    expect(reports.reduce((sum, report) => sum + report.run.sent, 0)).toBe(withGrant.length);
    expect(reports.reduce((sum, report) => sum + report.run.no_grant, 0)).toBe(2);
    expect(messagesTo(once)[0]).toEqual({ touser: once.openid, template_id: ACTIVITY.id, page: `pages/index/index?tk=p&tr=${push.id}`, data: { thing1: { value: activityData.thing1 }, time2: { value: activityData.time2 }, thing3: { value: activityData.thing3 }, thing4: { value: activityData.thing4 } } });

    expect(await unusedGrants(once, ACTIVITY.id)).toBe(0);
    for (const who of [twice, ...extra]) expect(await unusedGrants(who, ACTIVITY.id)).toBe(1);
    expect(await unusedGrants(otherTemplate, ARRIVAL.id)).toBe(1);
    expect(await GrantUseModel.countDocuments({ pushId: new Types.ObjectId(push.id) })).toBe(withGrant.length);

    const sentBefore = fake.subscribeMessages.length;
    const retry = await send(ops, push.id);
    expect(retry.run).toEqual(noRun);
    expect(fake.subscribeMessages.length).toBe(sentBefore);
    const view = await pushView(ops, push.id);
    expect(view.status).toBe('completed');
    expect(view.counts).toEqual({ targeted: 9, pending: 0, sending: 0, sent: withGrant.length, no_grant: 2, refused: 0, invalid_openid: 0, failed: 0, unknown: 0, held_out: 0 });
  });

  it('when WeChat refuses (43101), marks that grant used, does not retry, and the resident keeps their other grant', async () => {
    const refusing = await resident('refusing');
    const fine = await resident('refusing-neighbour');
    await accept(refusing, ACTIVITY.id, 2);
    await accept(fine, ACTIVITY.id);
    const push = await createPush(ops, { audienceId: audienceOf('拒收人群', [refusing, fine]) });
    fake.failNext(SEND_PATH, 43101);
    const report = await send(ops, push.id);
    expect(report.run).toEqual({ ...noRun, refused: 1, sent: 1 });
    expect(messagesTo(refusing)).toHaveLength(0);
    expect(messagesTo(fine)).toHaveLength(1);
    expect(await unusedGrants(refusing, ACTIVITY.id)).toBe(1);

    const again = await send(ops, push.id);
    expect(again.run).toEqual(noRun);
    expect(messagesTo(refusing)).toHaveLength(0);
    expect((await pushView(ops, push.id)).counts).toMatchObject({ refused: 1, sent: 1, pending: 0 });
    const delivery = await CampaignDeliveryModel.findById(`${push.id}:${refusing.id}:1`).lean();
    expect(delivery).toMatchObject({ state: 'refused', error: { code: 'WECHAT_SUBSCRIPTION_REFUSED', errcode: 43101 } });
    expect(await GrantUseModel.exists({ _id: delivery!.grantId })).toBeTruthy();
  });

  it('when the daily quota runs out (45009), stops, keeps the rest pending, and a later send (the hourly job) resumes only those', async () => {
    const people = await Promise.all([1, 2, 3, 4, 5].map((index) => resident(`quota-${index}`)));
    for (const who of people) await accept(who, ACTIVITY.id);
    const push = await createPush(ops, { audienceId: audienceOf('额度人群', people) });
    // The third WeChat call of this push meets the exhausted quota; the app sends one at a time.
    let calls = 0;
    const original = fake.handle.bind(fake);
    const spy = jest.spyOn(fake, 'handle').mockImplementation(async (req, res) => {
      if (req.url?.startsWith(SEND_PATH)) {
        calls += 1;
        if (calls === 3) fake.failNext(SEND_PATH, 45009);
      }
      return original(req, res);
    });
    const first = await send(ops, push.id);
    spy.mockRestore();
    expect(first.stoppedBy).toBe('quota');
    expect(first.run).toEqual({ ...noRun, sent: 2, quota: 1 });
    expect(first.push.status).toBe('paused_quota');
    expect(first.push.counts).toMatchObject({ sent: 2, pending: 3 });
    const sentFirst = people.filter((who) => messagesTo(who).length === 1);
    expect(sentFirst).toHaveLength(2);
    // The one WeChat turned away still has its grant for the resumed run.
    for (const who of people.filter((person) => !sentFirst.includes(person))) expect(await unusedGrants(who, ACTIVITY.id)).toBe(1);

    const job = campaignJobs(campaigns.pushes).find((definition) => definition.name === 'campaign-pushes-resume')!;
    const resumed = await job.run(new Date());
    expect(resumed).toMatchObject({ sent: 3, stillPaused: 0 });
    for (const who of people) expect(messagesTo(who)).toHaveLength(1);
    const view = await pushView(ops, push.id);
    expect(view).toMatchObject({ status: 'completed', counts: { sent: 5, pending: 0 } });
    expect(await CampaignDeliveryModel.countDocuments({ pushId: new Types.ObjectId(push.id) })).toBe(6);
  });

  it('an invalid openid is final; a definite error (47003) is retried by the next send; no answer is never resent', async () => {
    const badOpenid = await resident('err-openid');
    const flaky = await resident('err-flaky');
    const silent = await resident('err-silent');
    for (const who of [badOpenid, flaky, silent]) await accept(who, ACTIVITY.id);
    const push = await createPush(ops, { audienceId: audienceOf('错误人群', [badOpenid, flaky, silent]) });
    fake.failNext(SEND_PATH, 40003);
    fake.failNext(SEND_PATH, 47003);
    // The third call is answered after the client's 1-second timeout: the fake takes the message, the client never hears.
    fake.delayNext(SEND_PATH, 0, 2);
    fake.delayNext(SEND_PATH, 1500);
    const first = await send(ops, push.id);
    expect(first.run).toEqual({ ...noRun, invalid_openid: 1, failed: 1, unknown: 1 });
    expect(first.push.status).toBe('sending');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(messagesTo(silent)).toHaveLength(1);

    const second = await send(ops, push.id);
    expect(second.run).toEqual({ ...noRun, sent: 1 });
    expect(messagesTo(flaky)).toHaveLength(1);
    expect(messagesTo(badOpenid)).toHaveLength(0);
    expect(messagesTo(silent)).toHaveLength(1);
    expect(await unusedGrants(badOpenid, ACTIVITY.id)).toBe(1);
    expect(await unusedGrants(silent, ACTIVITY.id)).toBe(0);
    expect((await pushView(ops, push.id)).counts).toMatchObject({ sent: 1, invalid_openid: 1, unknown: 1, failed: 0, pending: 0 });
  });

  it('a delivery left "sending" by a crashed sender is reported unknown once stale and never resent', async () => {
    const crashed = await resident('crashed');
    await accept(crashed, ACTIVITY.id);
    const push = await createPush(ops, { audienceId: audienceOf('中断人群', [crashed]) });
    await CampaignDeliveryModel.create({ _id: `${push.id}:${crashed.id}:1`, pushId: new Types.ObjectId(push.id), residentId: crashed.objectId, attempt: 1, state: 'sending', claimedAt: new Date(Date.now() - 3600_000) });
    const report = await send(ops, push.id);
    expect(report.run).toEqual(noRun);
    expect(messagesTo(crashed)).toHaveLength(0);
    expect(report.push.counts).toMatchObject({ unknown: 1, pending: 0, sending: 0 });
  });

  it('without WeChat configured, sending answers 503 WECHAT_NOT_CONFIGURED', async () => {
    const offline = createCampaigns({ wechat: null, audiences, logger: services.logger });
    const push = await createPush(ops, { audienceId: audienceOf('离线人群', []) });
    await expect(offline.pushes.send(new Types.ObjectId(push.id))).rejects.toMatchObject({ code: 'WECHAT_NOT_CONFIGURED', status: 503 });
    const offlineApp = createTestApp({ env, routers: campaignRouters(services.guards, offline) });
    const response = await request(offlineApp).post(`/campaigns/pushes/${push.id}/send`).set(bearer(ops));
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('WECHAT_NOT_CONFIGURED');
  });

  it('documents every campaigns endpoint in /openapi.json', async () => {
    const document = (await request(app).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/me/subscriptions', '/campaigns/templates', '/campaigns/pushes', '/campaigns/pushes/{pushId}', '/campaigns/pushes/{pushId}/send', '/campaigns/pushes/{pushId}/effect',
        '/campaigns/slow-moving', '/campaigns/products/{productId}/audience', '/campaigns/promotions', '/campaigns/promotions/{promotionId}/effect',
      ]),
    );
    expect(Object.keys(document.paths['/me/subscriptions']).sort()).toEqual(['get', 'post']);
  });
});

describe('a push with a hold-out group', () => {
  const DAY = 24 * 3600_000;
  let people: Resident[];
  let push: Push;
  let heldOut: Resident[];
  let treated: Resident[];
  const sentAt = new Date(Date.now() - 10 * DAY);

  beforeAll(async () => {
    people = await Promise.all(Array.from({ length: 40 }, (_, index) => resident(`holdout-${index}`)));
    for (const who of people) await accept(who, ACTIVITY.id);
  });

  it('refuses a share outside 0 to 0.5 with a Chinese 400 naming the field, and stores no push', async () => {
    const before = await CampaignPushModel.countDocuments();
    const target = { audienceId: audienceOf('比例人群', people.slice(0, 2)) };
    for (const holdoutShare of [0.6, -0.1, '0.2', null]) {
      const response = await request(app)
        .post('/campaigns/pushes')
        .set(bearer(ops))
        .send({ name: '比例不对', target, templateId: ACTIVITY.id, data: activityData, page: 'pages/index/index', holdoutShare });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/对照组比例/);
      expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain('body.holdoutShare');
    }
    expect(await CampaignPushModel.countDocuments()).toBe(before);
  });

  it('sends nothing to the held-out residents, records them held_out, and holds out the same ones on every retry and sender', async () => {
    push = await createPush(ops, { audienceId: audienceOf('对照人群', people) }, { holdoutShare: 0.3 });
    expect(push.holdoutShare).toBe(0.3);
    heldOut = people.filter((who) => inHoldout(who.id, push.id, 0.3));
    treated = people.filter((who) => !inHoldout(who.id, push.id, 0.3));
    expect(heldOut.length).toBeGreaterThan(0);
    expect(treated.length).toBeGreaterThan(0);

    // The first send fails definitely for one resident, so the retries below have work to do.
    fake.failNext(SEND_PATH, 47003);
    const first = await campaigns.pushes.send(new Types.ObjectId(push.id), sentAt);
    expect(first.run).toEqual({ ...noRun, held_out: heldOut.length, sent: treated.length - 1, failed: 1 });
    const retries = await Promise.all([send(ops, push.id), parallel.pushes.send(new Types.ObjectId(push.id))]);
    expect(retries.map((report) => report.run.sent).sort()).toEqual([0, 1]);
    expect(retries.map((report) => report.run.held_out)).toEqual([0, 0]);
    expect((await send(ops, push.id)).run).toEqual(noRun);

    for (const who of heldOut) {
      expect(messagesTo(who)).toHaveLength(0);
      expect(await unusedGrants(who, ACTIVITY.id)).toBe(1);
      const deliveries = await CampaignDeliveryModel.find({ pushId: new Types.ObjectId(push.id), residentId: who.objectId }).lean();
      expect(deliveries.map((delivery) => [delivery.attempt, delivery.state])).toEqual([[1, 'held_out']]);
    }
    for (const who of treated) expect(messagesTo(who)).toHaveLength(1);
    const view = await pushView(ops, push.id);
    expect(view.status).toBe('completed');
    expect(view.counts).toEqual({ targeted: 40, pending: 0, sending: 0, sent: treated.length, no_grant: 0, refused: 0, invalid_openid: 0, failed: 0, unknown: 0, held_out: heldOut.length });
    expect(await CampaignPushModel.findById(push.id, { firstSentAt: 1 }).lean()).toMatchObject({ firstSentAt: sentAt });
  });

  it('measures completed orders within N days after the first send, treated versus held out, as counted from the raw orders', async () => {
    const at = (days: number) => new Date(sentAt.getTime() + days * DAY);
    const orders: { id: string; who: Resident; state: 'completed' | 'refunded'; completedAt: Date; totalCents: number }[] = [];
    // Every third treated and every second held-out resident buys on day 1; some buy twice; plus edges.
    treated.forEach((who, index) => {
      if (index % 3 === 0) orders.push({ id: `HO-T-${index}`, who, state: 'completed', completedAt: at(1), totalCents: 1200 });
      if (index % 6 === 0) orders.push({ id: `HO-T2-${index}`, who, state: 'completed', completedAt: at(5), totalCents: 800 });
      if (index % 3 === 1) orders.push({ id: `HO-TX-${index}`, who, state: 'completed', completedAt: at(8), totalCents: 500 });
      if (index % 3 === 2) orders.push({ id: `HO-TR-${index}`, who, state: 'refunded', completedAt: at(2), totalCents: 500 });
    });
    heldOut.forEach((who, index) => {
      if (index % 2 === 0) orders.push({ id: `HO-H-${index}`, who, state: 'completed', completedAt: at(6.5), totalCents: 900 });
      if (index % 2 === 1) orders.push({ id: `HO-HB-${index}`, who, state: 'completed', completedAt: at(-1), totalCents: 900 });
    });
    await OrderModel.insertMany(
      orders.map((order) => ({
        _id: order.id, residentId: order.who.objectId, storeId: new Types.ObjectId(storeA), lines: [{ productId: 'ANY', quantity: 1, amountCents: order.totalCents }],
        totalCents: order.totalCents, state: order.state, placedAt: order.completedAt, completedAt: order.completedAt,
        refundedAt: order.state === 'refunded' ? order.completedAt : null, lastEventAt: order.completedAt, derivedFrom: 'test', updatedAt: order.completedAt,
      })),
    );

    const expected = (days: number) => {
      const group = (members: Resident[]) => {
        const ids = new Set(members.map((who) => who.id));
        const counted = orders.filter((order) => ids.has(order.who.id) && order.state === 'completed' && order.completedAt >= sentAt && order.completedAt < at(days));
        const buyers = new Set(counted.map((order) => order.who.id)).size;
        return { size: members.length, buyers, orders: counted.length, revenueCents: counted.reduce((sum, order) => sum + order.totalCents, 0), buyerRate: buyers / members.length };
      };
      return { treated: group(treated), heldOut: group(heldOut) };
    };

    for (const days of [7, 2]) {
      const response = await request(app).get(`/campaigns/pushes/${push.id}/effect`).query(days === 7 ? {} : { days }).set(bearer(ops));
      expect(response.status).toBe(200);
      const effect = response.body as PushEffect;
      const want = expected(days);
      expect(effect).toMatchObject({ pushId: push.id, days, from: sentAt.toISOString(), to: at(days).toISOString(), complete: true });
      expect(effect.comparison.treated).toEqual(want.treated);
      expect(effect.comparison.heldOut).toEqual(want.heldOut);
      expect(effect.comparison.lift!.difference).toBeCloseTo(want.treated.buyerRate - want.heldOut.buyerRate, 12);
      const interval = liftInterval({ count: want.treated.buyers, base: want.treated.size }, { count: want.heldOut.buyers, base: want.heldOut.size })!.interval;
      expect(effect.comparison.lift!.low).toBeCloseTo(interval.low, 12);
      expect(effect.comparison.lift!.high).toBeCloseTo(interval.high, 12);
      expect(effect.comparison.lift!.low).toBeLessThan(effect.comparison.lift!.difference);
      expect(effect.comparison.lift!.high).toBeGreaterThan(effect.comparison.lift!.difference);
    }
    // Within two days, only the treated day-1 buyers count: the held out have bought nothing yet.
    expect(expected(2).heldOut.buyers).toBe(0);
    expect(expected(2).treated.buyers).toBeGreaterThan(0);

    const badDays = await request(app).get(`/campaigns/pushes/${push.id}/effect`).query({ days: 0 }).set(bearer(ops));
    expect(badDays.status).toBe(400);
    expect(badDays.body.error.message).toMatch(/天数/);
    expect((await request(app).get(`/campaigns/pushes/${push.id}/effect`).set(bearer(managerB))).status).toBe(403);
    const unsent = await createPush(ops, { audienceId: audienceOf('未发送', people.slice(0, 3)) }, { holdoutShare: 0.1 });
    const notSent = await request(app).get(`/campaigns/pushes/${unsent.id}/effect`).set(bearer(ops));
    expect(notSent.status).toBe(409);
    expect(notSent.body.error.code).toBe('PUSH_NOT_SENT');
  });
});
