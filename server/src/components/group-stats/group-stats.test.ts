import mongoose from 'mongoose';
import request from 'supertest';
import { chinaDateKey, chinaDayStart } from '@o2o/shared/rules/china-time';
import { addDays } from '@o2o/shared/rules/metrics';
import { DEMO_LOGINS } from '../../seed/demo-data';
import { seedDemo } from '../../seed/seed-demo';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';

useTestDatabase();
jest.setTimeout(120_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' } });
const asBot = { authorization: `Bearer ${TOKEN}` };
const ROOM = 'stats-room@chatroom';
let groupId = '';
const today = chinaDateKey(new Date());
const yesterday = addDays(today, -1);

beforeAll(async () => {
  await seedDemo();
  const manager = await login(app, DEMO_LOGINS.managers[0]);
  const code = (await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId: manager.staff!.storeId })).body.code;
  groupId = (await request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid: 'wx-stats-manager', name: '店长', roomId: ROOM, topic: '统计测试群' })).body.groupId;
  const at = new Date().toISOString();
  const yesterdayAt = new Date(Date.now() - 86_400_000).toISOString();
  const member = (wxid: string) => ({ wxid, name: wxid });
  const events = [
    { id: 'sync-baseline-1', at, kind: 'member_sync', sync: { roomId: ROOM, topic: null, members: [member('wx-a'), member('wx-b')], complete: true, observedAt: at } },
    { id: 'sync-join-0001', at, kind: 'member_sync', sync: { roomId: ROOM, topic: null, complete: false, joined: [member('wx-c')], left: ['wx-b'], observedAt: at } },
    { id: 'activity-yday-1', at: yesterdayAt, kind: 'activity', roomId: ROOM, day: yesterday, counts: [{ wxid: 'wx-a', messages: 4 }, { wxid: 'wx-b', messages: 2 }] },
    { id: 'activity-today-1', at, kind: 'activity', roomId: ROOM, day: today, counts: [{ wxid: 'wx-a', messages: 3 }] },
    { id: 'activity-today-2', at, kind: 'activity', roomId: ROOM, day: today, counts: [{ wxid: 'wx-a', messages: 1 }, { wxid: 'wx-c', messages: 5 }] },
    {
      id: 'moderation-yday-1', at: yesterdayAt, kind: 'moderation_case', outcome: 'warned',
      report: { roomId: ROOM, wxid: 'wx-b', name: 'wx-b', rule: 'link', detail: '外链', evidence: { messageId: 'm-1', kind: 'url', text: 'http://spam.example' }, at: yesterdayAt },
    },
  ];
  const applied = await request(app).post('/groups/bot/events').set(asBot).send({ events });
  expect(applied.body.results.map((result: { status: string }) => result.status)).toEqual(events.map(() => 'applied'));
});

describe('group stats over a range', () => {
  it('gives every day of the range with the same counts the one-day stats give, and the totals', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const from = addDays(today, -6);
    const range = await request(app).get(`/group-stats/${groupId}`).query({ from, to: today }).set(bearer(manager));
    expect(range.status).toBe(200);
    expect(range.body.days.map((day: { day: string }) => day.day)).toEqual(Array.from({ length: 7 }, (_, index) => addDays(from, index)));
    expect(range.body.members).toBe(2);
    for (const day of range.body.days) {
      const single = (await request(app).get(`/groups/${groupId}/stats`).query({ day: day.day }).set(bearer(manager))).body;
      expect(day).toEqual({
        day: day.day,
        messages: single.messages,
        activeMembers: single.activeMembers,
        joins: single.joins,
        leaves: single.leaves,
        checkins: single.checkins,
        moderationActions: single.moderationActions,
        questionsAnswered: single.questionsAnswered,
        questionsToStaff: single.questionsToStaff,
        ordersCredited: single.ordersCredited,
        revenueCreditedCents: single.revenueCreditedCents,
      });
    }
    const byDay = new Map(range.body.days.map((day: { day: string }) => [day.day, day]));
    expect(byDay.get(yesterday)).toMatchObject({ messages: 6, activeMembers: 2, moderationActions: 1 });
    expect(byDay.get(today)).toMatchObject({ messages: 9, activeMembers: 2, joins: 1, leaves: 1 });
    expect(range.body.totals).toEqual({ messages: 15, joins: 1, leaves: 1, checkins: 0, moderationActions: 1, questionsAnswered: 0, questionsToStaff: 0, ordersCredited: 0, revenueCreditedCents: 0 });
  });

  it('counts each answered question once however often the bot reports it, and the hand-off tickets of the group per China day', async () => {
    const manager = await login(app, DEMO_LOGINS.managers[0]);
    const now = new Date();
    const at = now.toISOString();
    const yesterdayAt = new Date(now.getTime() - 86_400_000).toISOString();
    const answered = (id: string, messageId: string, askedAt: string, faqId: string | null = null) => ({ id, at, kind: 'question_answered', roomId: ROOM, messageId, faqId, askedAt });
    const first = await request(app).post('/groups/bot/events').set(asBot).send({ events: [answered('answer-event-1', 'msg-hours', at), answered('answer-event-2', 'msg-invoice', at, 'faq-invoice'), answered('answer-event-3', 'msg-old', yesterdayAt)] });
    expect(first.body.results.map((result: { status: string }) => result.status)).toEqual(['applied', 'applied', 'applied']);
    // The outbox redelivers a batch (same event ids), and a crash before the journal moved on re-reports a message under a new event id.
    const again = await request(app).post('/groups/bot/events').set(asBot).send({ events: [answered('answer-event-1', 'msg-hours', at), answered('answer-event-9', 'msg-invoice', at, 'faq-invoice')] });
    expect(again.status).toBe(200);
    expect(again.body.results.map((result: { status: string }) => result.status)).toEqual(['duplicate', 'applied']);
    // An answer in a room no store owns is not counted anywhere.
    await request(app).post('/groups/bot/events').set(asBot).send({ events: [{ ...answered('answer-event-x', 'msg-x', at), roomId: 'unbound-room@chatroom' }] });
    expect(await mongoose.connection.collection('group_answers').countDocuments({ roomId: ROOM })).toBe(3);
    expect(await mongoose.connection.collection('group_answers').findOne({ _id: `${ROOM}:msg-invoice` as never })).toMatchObject({ faqId: 'faq-invoice', day: today });

    const ticket = (messageId: string, ticketAt: string, reason: string) => ({ roomId: ROOM, wxid: 'wx-a', name: 'wx-a', messageId, text: '我家猫丢了怎么办', reason, at: ticketAt });
    for (const body of [ticket('msg-cat', at, 'unanswered'), ticket('msg-broken', at, 'complaint'), ticket('msg-broken', at, 'complaint'), ticket('msg-late', yesterdayAt, 'unanswered')]) {
      expect((await request(app).post('/tickets/bot').set(asBot).send(body)).status).toBe(200);
    }

    const from = addDays(today, -6);
    const range = await request(app).get(`/group-stats/${groupId}`).query({ from, to: today }).set(bearer(manager));
    expect(range.status).toBe(200);
    const group = new mongoose.Types.ObjectId(groupId);
    // Counted independently from what is stored: answers by their day key, tickets by their instant within the China day.
    for (const day of range.body.days) {
      const [storedAnswers, storedTickets] = await Promise.all([
        mongoose.connection.collection('group_answers').countDocuments({ groupId: group, day: day.day }),
        mongoose.connection.collection('tickets').countDocuments({ groupId: group, createdAt: { $gte: chinaDayStart(day.day), $lt: chinaDayStart(addDays(day.day, 1)) } }),
      ]);
      expect({ day: day.day, questionsAnswered: day.questionsAnswered, questionsToStaff: day.questionsToStaff }).toEqual({ day: day.day, questionsAnswered: storedAnswers, questionsToStaff: storedTickets });
      const single = (await request(app).get(`/groups/${groupId}/stats`).query({ day: day.day }).set(bearer(manager))).body;
      expect({ questionsAnswered: single.questionsAnswered, questionsToStaff: single.questionsToStaff }).toEqual({ questionsAnswered: day.questionsAnswered, questionsToStaff: day.questionsToStaff });
    }
    const byDay = new Map(range.body.days.map((day: { day: string }) => [day.day, day]));
    expect(byDay.get(today)).toMatchObject({ questionsAnswered: 2, questionsToStaff: 2 });
    expect(byDay.get(yesterday)).toMatchObject({ questionsAnswered: 1, questionsToStaff: 1 });
    expect(range.body.totals).toMatchObject({ questionsAnswered: 3, questionsToStaff: 3 });
  });

  it('refuses a malformed answer report with a Chinese message and stores nothing', async () => {
    const bad = await request(app).post('/groups/bot/events').set(asBot).send({ events: [{ id: 'answer-event-bad', at: new Date().toISOString(), kind: 'question_answered', roomId: ROOM, messageId: '', faqId: null, askedAt: 'yesterday' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await mongoose.connection.collection('group_answers').countDocuments({ roomId: ROOM })).toBe(3);
  });

  it('keeps the group to its store and its managers, and explains a bad range in Chinese', async () => {
    const [otherManager, advisor, admin] = await Promise.all([login(app, DEMO_LOGINS.managers[1]), login(app, DEMO_LOGINS.advisors[0]), login(app, DEMO_LOGINS.admin)]);
    expect((await request(app).get(`/group-stats/${groupId}`).query({ from: yesterday, to: today }).set(bearer(otherManager))).status).toBe(403);
    expect((await request(app).get(`/group-stats/${groupId}`).query({ from: yesterday, to: today }).set(bearer(advisor))).status).toBe(403);
    expect((await request(app).get(`/group-stats/${groupId}`).query({ from: yesterday, to: today }).set(bearer(admin))).status).toBe(200);
    const backwards = await request(app).get(`/group-stats/${groupId}`).query({ from: today, to: yesterday }).set(bearer(admin));
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details[0]).toMatchObject({ path: 'query.to' });
    expect(backwards.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    const tooLong = await request(app).get(`/group-stats/${groupId}`).query({ from: addDays(today, -200), to: today }).set(bearer(admin));
    expect(tooLong.status).toBe(400);
    expect((await request(app).get('/group-stats/0123456789abcdef01234567').query({ from: yesterday, to: today }).set(bearer(admin))).status).toBe(404);
  });
});
