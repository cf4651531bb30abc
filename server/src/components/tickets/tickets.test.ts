import request from 'supertest';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { GroupDeliveryModel } from '../groups/groups.model';
import { groupsRouter } from '../groups/groups.router';
import { TicketAnswerModel, TicketModel } from './tickets.model';
import { ticketsRouter } from './tickets.router';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const services = testServices({ BOT_API_TOKEN: TOKEN });
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' }, routers: [groupsRouter(services), ticketsRouter(services)] });
const asBot = { authorization: `Bearer ${TOKEN}` };
type Session = Awaited<ReturnType<typeof login>>;
let manager: Session;
let advisor: Session;
let otherManager: Session;
let storeId: string;
const ROOM = 'tickets-room@chatroom';

beforeAll(async () => {
  await seedDemo();
  [manager, advisor, otherManager] = await Promise.all([DEMO_LOGINS.managers[0], DEMO_LOGINS.advisors[0], DEMO_LOGINS.managers[1]].map((code) => login(app, code)));
  storeId = manager.staff!.storeId!;
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId })).body.code;
  // The manager says the code in the group: the room is bound and the manager's WeChat id is known as staff.
  const bound = await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-manager', name: '店长', roomId: ROOM, topic: '徐家汇 1 群' });
  expect(bound.status).toBe(200);
});

const open = (messageId: string, text: string, reason: 'complaint' | 'unanswered' = 'complaint') =>
  request(app).post('/tickets/bot').set(asBot).send({ roomId: ROOM, wxid: 'wx-wang', name: '王阿姨', messageId, text, reason, at: new Date(Date.now() - 90_000).toISOString() });

describe('opening a ticket from the bot', () => {
  it('when the bot hands over a complaint, then one ticket exists and each bound staff member of the store gets one private notice', async () => {
    const first = await open('m-1', '@小助手 西瓜是坏的怎么办');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: true, notified: 1 });
    const notices = await GroupDeliveryModel.find({ kind: 'ticket_notice' }).lean();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ toWxid: 'wx-manager', roomId: ROOM });
    expect(notices[0].text).toContain('西瓜是坏的怎么办');
    // The bot sees the private notice among its due deliveries.
    const due = await request(app).get('/groups/bot/deliveries').set(asBot);
    expect(due.body.find((delivery: { kind: string }) => delivery.kind === 'ticket_notice')).toMatchObject({ toWxid: 'wx-manager' });
  });

  it('when the bot retries the same message, then it is the same ticket and no second notice', async () => {
    const again = await open('m-1', '@小助手 西瓜是坏的怎么办');
    expect(again.body).toMatchObject({ created: false, notified: 1 });
    expect(await TicketModel.countDocuments({})).toBe(1);
    expect(await GroupDeliveryModel.countDocuments({ kind: 'ticket_notice' })).toBe(1);
  });

  it('refuses a room that is not bound, in Chinese, and a call without the bot token', async () => {
    const response = await request(app).post('/tickets/bot').set(asBot).send({ roomId: 'nowhere@chatroom', wxid: 'x', name: 'x', messageId: 'm-x', text: '坏了', reason: 'complaint', at: new Date().toISOString() });
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('没有绑定门店');
    expect((await request(app).post('/tickets/bot').send({})).status).toBe(401);
  });
});

describe('answering a ticket from the workbench', () => {
  it('when an advisor of the store lists open tickets, then they see it; a manager of another store does not', async () => {
    const mine = await request(app).get('/tickets?status=open').set(bearer(advisor));
    expect(mine.status).toBe(200);
    expect(mine.body.map((ticket: { text: string }) => ticket.text)).toEqual(['@小助手 西瓜是坏的怎么办']);
    const theirs = await request(app).get('/tickets').set(bearer(otherManager));
    expect(theirs.body).toEqual([]);
    const ticketId = mine.body[0].id;
    expect((await request(app).get(`/tickets/${ticketId}`).set(bearer(otherManager))).status).toBe(403);
  });

  it('when the manager answers (and the request is retried), then one answer is stored, one relay to the group mentions the resident, and the time to first answer is measured', async () => {
    const [ticket] = (await request(app).get('/tickets').set(bearer(manager))).body;
    const body = { text: '非常抱歉，马上给您换一个新的送过去', via: 'group', requestId: 'answer-req-1' };
    const answered = await request(app).post(`/tickets/${ticket.id}/answers`).set(bearer(manager)).send(body);
    expect(answered.status).toBe(201);
    const retried = await request(app).post(`/tickets/${ticket.id}/answers`).set(bearer(manager)).send(body);
    expect(retried.status).toBe(201);
    expect(await TicketAnswerModel.countDocuments({ ticketId: ticket.id })).toBe(1);
    expect(answered.body.status).toBe('closed');
    expect(answered.body.firstAnswerSeconds).toBeGreaterThanOrEqual(89);
    expect(answered.body.answers).toHaveLength(1);
    expect(answered.body.answers[0]).toMatchObject({ via: 'group', relayed: false });
    const relays = await GroupDeliveryModel.find({ kind: 'ticket_answer' }).lean();
    expect(relays).toHaveLength(1);
    expect(relays[0]).toMatchObject({ roomId: ROOM, toWxid: null, mentionWxids: ['wx-wang'] });
    expect(relays[0].text).toContain('马上给您换一个新的');
    // Once the bot acknowledges the relay, the workbench shows it relayed.
    await request(app).post('/groups/bot/events').set(asBot).send({ events: [{ id: 'ack:relay-1', kind: 'delivery_ack', at: new Date().toISOString(), deliveryId: relays[0]._id, status: 'sent' }] });
    expect((await request(app).get(`/tickets/${ticket.id}`).set(bearer(manager))).body.answers[0].relayed).toBe(true);
  });

  it('when a closed ticket gets a new answer, then it is refused in Chinese; an empty answer is refused too', async () => {
    const [ticket] = (await request(app).get('/tickets').set(bearer(manager))).body;
    const late = await request(app).post(`/tickets/${ticket.id}/answers`).set(bearer(manager)).send({ text: '还有问题吗', requestId: 'answer-req-2' });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('已经关闭');
    await open('m-2', '@小助手 你们的会员日是哪天', 'unanswered');
    const [fresh] = (await request(app).get('/tickets?status=open').set(bearer(manager))).body;
    const empty = await request(app).post(`/tickets/${fresh.id}/answers`).set(bearer(manager)).send({ text: '  ', requestId: 'answer-req-3' });
    expect(empty.status).toBe(400);
  });

  it('when an answer goes privately, then it is a private delivery to the resident; stats count answered and open tickets', async () => {
    const [ticket] = (await request(app).get('/tickets?status=open').set(bearer(manager))).body;
    const answered = await request(app).post(`/tickets/${ticket.id}/answers`).set(bearer(manager)).send({ text: '每周三是会员日', via: 'private', requestId: 'answer-req-4', close: false });
    expect(answered.body.status).toBe('answered');
    const relay = await GroupDeliveryModel.findOne({ kind: 'ticket_answer', toWxid: 'wx-wang' }).lean();
    expect(relay?.text).toContain('每周三是会员日');
    const stats = await request(app).get('/tickets/stats').set(bearer(manager));
    expect(stats.body).toMatchObject({ created: 2, open: 0, answered: 2 });
    expect(stats.body.medianFirstAnswerSeconds).toBeGreaterThanOrEqual(89);
  });
});
