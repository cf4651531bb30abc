import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import mongoose from 'mongoose';
import { types } from 'wechaty';
import { MockWorld, handled, membersSynced, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

useTestDatabase();
jest.setTimeout(60_000);
const server = useTestServer();

const world = new MockWorld();
const data = temporaryDirectory('o2o-bot-answers-');
let running: RunningBot;
let manager: ReturnType<MockWorld['contact']>;
let wang: ReturnType<MockWorld['contact']>;
let li: ReturnType<MockWorld['contact']>;
let room: ReturnType<MockWorld['room']>;
let storeId: string;
let managerToken: string;

beforeAll(async () => {
  manager = world.contact('徐家汇店长');
  wang = world.contact('王阿姨');
  li = world.contact('李叔叔');
  room = world.room('邻里鲜生徐家汇 1 群', [manager, wang, li]);
  running = await startBot(world, server, { dataDir: data.path });
  // The demo catalogue is seeded; these tests start without one to see the bot degrade, then add a product.
  await mongoose.connection.collection('products').deleteMany({});
  const session = await server.login('dev:manager-xujiahui');
  managerToken = session.token;
  storeId = session.staff!.storeId!;
  // Brand-wide: no quiet hours, so tests pass at any hour.
  const admin = await server.login('dev:admin');
  await server.request('PATCH', '/groups/settings/brand/-', { quietHours: null, replyLimitPerMinute: 60 }, admin.token);
});

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

const say = (who: ReturnType<MockWorld['contact']>, text: string, mention = false) => who.say(text, mention ? [world.self] : []).to(room);

async function reconcile(): Promise<void> {
  running.bot.runtime.reconcileRoom((await running.bot.wechaty.Room.find({ id: room.id }))!);
}

const seen = new Map<string, number>();
/** The first thing the bot said to the target, since the previous call, that contains `fragment`. */
async function reply(fragment: string, target: { id: string } = room): Promise<string> {
  const from = seen.get(target.id) ?? 0;
  const found = await waitFor(() => {
    const index = world.said.findIndex((entry, i) => i >= from && (entry.roomId === target.id || entry.contactId === target.id) && entry.text.includes(fragment));
    return index >= 0 ? { index, text: world.said[index].text } : null;
  }, `the bot to say “${fragment}”`);
  seen.set(target.id, found.index + 1);
  return found.text;
}

/** Says something and, once the bot has handled it and sent all it queued, expects that it said nothing. */
async function expectSilence(action: () => void, target: { id: string } = room): Promise<void> {
  const before = world.said.length;
  const done = handled(running);
  action();
  await done;
  seen.set(target.id, world.said.length);
  expect(world.said.slice(before).filter((entry) => entry.roomId === target.id || entry.contactId === target.id)).toEqual([]);
}

describe('binding a group to a store', () => {
  it('when a member who is not staff says a code that does not exist, then the bot says it is invalid and the room stays unbound', async () => {
    say(li, '绑定 000000');
    expect(await reply('绑定码无效')).toContain('绑定码无效');
  });

  it('when the store manager says a fresh group code, then the room is bound to the store and the manager is known as staff', async () => {
    const code = await server.groupCode(managerToken, storeId);
    say(manager, `绑定 ${code}`);
    expect(await reply('本群已绑定')).toContain('邻里鲜生·徐家汇店');
    const group = await mongoose.connection.collection('groups').findOne({ roomId: room.id });
    expect(String(group?.storeId)).toBe(storeId);
    expect(await mongoose.connection.collection('group_identities').findOne({ _id: manager.id as never })).toMatchObject({ name: '徐家汇店长' });
    // Binding runs a first member reconciliation: the members already there are the baseline, not greeted.
    await waitFor(async () => (await mongoose.connection.collection('group_members').countDocuments({ groupId: group!._id })) === 3, 'the baseline members');
    expect(world.saidIn(room, '欢迎加入')).toEqual([]);
  });

  it('when the same code is said again, then it is refused as used', async () => {
    const code = await server.groupCode(managerToken, storeId);
    say(manager, `绑定 ${code}`);
    await reply('本群已绑定');
    const before = world.saidIn(room, '已经用过').length;
    say(manager, `绑定 ${code}`);
    await waitFor(() => world.saidIn(room, '已经用过').length > before, 'the used-code reply');
  });
});

describe('greeting newcomers exactly once', () => {
  it('when a resident joins with a join event, then they are greeted once with the mini-program entry and the rules', async () => {
    const zhao = world.contact('赵同学');
    room.add(zhao).by(manager);
    const greeting = await reply('欢迎加入');
    expect(greeting).toContain('@赵同学');
    expect(greeting).toContain('小程序');
    expect(greeting).toContain('群规');
    // The next reconciliation sees the same member in the list: no second greeting.
    const synced = membersSynced(running, room.id);
    await reconcile();
    await synced;
    expect(world.saidIn(room, '@赵同学').filter((text) => text.includes('欢迎加入'))).toHaveLength(1);
  });

  it('when a resident joins by QR code and WeChat reports no event, then the member-list reconciliation finds and greets them once', async () => {
    const qian = world.contact('钱奶奶');
    room.payload.memberIdList.push(qian.id); // joined silently
    await reconcile();
    expect(await reply('@钱奶奶')).toContain('欢迎加入');
    await reconcile();
    const synced = membersSynced(running, room.id);
    room.add(qian).by(manager); // a late join event for the same person
    await synced;
    expect(world.saidIn(room, '@钱奶奶').filter((text) => text.includes('欢迎加入'))).toHaveLength(1);
    const deliveries = await mongoose.connection.collection('group_deliveries').find({ kind: 'greeting', mentionWxids: qian.id }).toArray();
    expect(deliveries).toHaveLength(1);
    await waitFor(async () => (await mongoose.connection.collection('group_delivery_acks').countDocuments({ _id: deliveries[0]._id as never, status: 'sent' })) === 1, 'the greeting ack');
  });
});

describe('answers that help', () => {
  it('answers store hours with whether it is open now', async () => {
    say(wang, '请问你们几点关门？');
    const text = await reply('营业时间');
    expect(text).toContain('每天 07:00-22:00');
    expect(text).toMatch(/现在(正在营业|已经打烊)/);
  });

  it('answers the address, and the delivery range and fee', async () => {
    say(wang, '门店地址在哪里呀');
    expect(await reply('地址')).toContain('漕溪北路 88 号');
    say(li, '配送费多少？满多少免运费');
    const delivery = await reply('配送');
    expect(delivery).toContain('3 公里');
    expect(delivery).toContain('5 元');
    expect(delivery).toContain('39 元');
  });

  it('answers how to earn and use points from the store\'s tasks', async () => {
    say(wang, '积分怎么赚？');
    const text = await reply('积分怎么赚');
    expect(text).toContain('每日签到');
    expect(text).toContain('+5');
  });

  it('says today\'s offers (none yet, then the one staff posted)', async () => {
    say(li, '今天有什么优惠吗');
    expect(await reply('暂时没有特别的优惠')).toBeTruthy();
    say(manager, '特惠 草莓 19.9 元一盒');
    await reply('已记录今日特惠');
    say(li, '今天有什么优惠吗？');
    expect(await reply('今日优惠')).toContain('草莓 19.9 元一盒');
  });

  it('answers whether a product is sold: without a catalogue it points to staff, with one it names the product and price', async () => {
    say(wang, '有没有鸡蛋卖？');
    expect(await reply('鸡蛋')).toContain('店员');
    await mongoose.connection.collection('products').insertOne({ _id: 'egg-10' as never, name: '土鸡蛋 10 枚', category: '蛋类', priceCents: 1590, tags: [], storeIds: [new mongoose.Types.ObjectId(storeId)], active: true });
    say(wang, '有没有鸡蛋？');
    expect(await reply('有的')).toContain('土鸡蛋 10 枚 15.9 元');
  });

  it('stays silent on chatter that asks nothing it can answer, and on statements that only mention a topic', async () => {
    await expectSilence(() => say(wang, '今天天气真好，出去走走'));
    await expectSilence(() => say(li, '昨天的营业员小张人很好'));
    await expectSilence(() => say(wang, '哈哈哈'));
  });

  it('hands a direct @ it cannot answer to staff (a ticket), never a guess', async () => {
    say(li, '@邻里小助手 我家猫丢了怎么办', true);
    expect(await reply('店员')).toContain('答不上来');
    await waitFor(async () => (await mongoose.connection.collection('tickets').countDocuments({ text: /猫丢了/ })) === 1, 'the ticket');
  });
});

describe('FAQ answers', () => {
  it('when staff add an entry, then variants with punctuation, full-width characters, spaces and filler words are answered; removed entries are not', async () => {
    say(manager, '添加问答 可以开发票吗/能开发票吗 答 可以开电子发票，结账时告诉收银员抬头即可');
    await reply('已添加问答');
    for (const variant of ['请问一下，能开发票吗？', '可以开发票吗', '你们家能不能开 发票呢？？', '能 开 发 票 吗 ？！', '想问下可以开发票不']) {
      const before = world.saidIn(room, '电子发票').length;
      say(wang, variant);
      await waitFor(() => world.saidIn(room, '电子发票').length > before, `the FAQ answer to “${variant}”`);
    }
    await expectSilence(() => say(wang, '发票的事情我昨天问过了，谢谢'));
    say(manager, '删除问答 能开发票吗');
    await reply('已删除问答');
    // Without the store's entry, the default FAQ answers again (not the removed answer).
    seen.set(room.id, world.said.length);
    say(wang, '能开发票吗？');
    const fallback = await reply('发票');
    expect(fallback).toContain('税号');
    expect(fallback).not.toContain('抬头即可');
  });
});

describe('reporting answers for the group stats', () => {
  it('when a resident asks what an FAQ entry answers, then the bot reports the answer to the server with the entry, once per message; staff asking are not counted', async () => {
    say(manager, '添加问答 可以停车吗/停车方便吗 答 门店后门有 10 个免费车位');
    await reply('已添加问答');
    const faq = await mongoose.connection.collection('group_faqs').findOne({ answer: '门店后门有 10 个免费车位', active: true });
    const group = await mongoose.connection.collection('groups').findOne({ roomId: room.id });
    const answers = mongoose.connection.collection('group_answers');

    const parking = world.deliver(wang, room, { type: types.Message.Text, text: '请问可以停车吗？' });
    await reply('免费车位');
    const stored = await waitFor(() => answers.findOne({ _id: `${room.id}:${parking}` as never }), 'the FAQ answer report');
    expect(stored).toMatchObject({ groupId: group!._id, faqId: String(faq!._id), day: chinaDateKey(new Date()) });

    // Staff asking first, a resident after: the outbox keeps order, so once the resident's report is stored the manager's would be too.
    const fromManager = world.deliver(manager, room, { type: types.Message.Text, text: '停车方便吗？' });
    await reply('免费车位');
    const hours = world.deliver(li, room, { type: types.Message.Text, text: '请问几点关门？' });
    await reply('营业时间');
    expect(await waitFor(() => answers.findOne({ _id: `${room.id}:${hours}` as never }), 'the hours answer report')).toMatchObject({ faqId: null });
    expect(await answers.countDocuments({ _id: `${room.id}:${fromManager}` as never })).toBe(0);

    const stats = await server.request<{ questionsAnswered: number }>('GET', `/groups/${group!._id}/stats`, undefined, managerToken);
    expect(stats.body.questionsAnswered).toBe(await answers.countDocuments({ groupId: group!._id, day: chinaDateKey(new Date()) }));
    expect(stats.body.questionsAnswered).toBeGreaterThanOrEqual(2);
  });
});

describe('check-in', () => {
  it('when a member who has not bound their account checks in, then they are told why there are no points and how to bind', async () => {
    say(li, '签到');
    expect(await reply('绑定')).toContain('领不了积分');
  });

  it('when a bound resident checks in, then they earn the daily points once; a second check-in the same day earns nothing', async () => {
    const resident = await server.login('dev:wang-ayi');
    const code = await server.identityCode(resident.token);
    wang.say(`绑定 ${code}`).to(world.self);
    expect(await reply('绑定成功', wang)).toBeTruthy();

    say(wang, '签到');
    expect(await reply('签到成功')).toContain('+5 积分');
    say(wang, '签到！');
    expect(await reply('已经签过到')).toBeTruthy();
    const events = await mongoose.connection.collection('task_events').find({ type: 'group_checkin', residentId: new mongoose.Types.ObjectId(resident.residentId!) }).toArray();
    expect(events).toHaveLength(1);
    const balance = await server.request<{ available: number }>('GET', '/points/me', undefined, resident.token);
    expect(balance.body.available).toBeGreaterThanOrEqual(5);
  });

  it('sends a bound resident\'s points balance and latest order privately, never in the group', async () => {
    say(wang, '我的积分还有多少？');
    expect(await reply('私信')).toBeTruthy();
    expect(await reply('可用积分', wang)).toMatch(/可用积分：\d+ 分/);
    expect(world.saidIn(room, '可用积分')).toEqual([]);
    wang.say('订单').to(world.self);
    expect(await reply('订单', wang)).toMatch(/还没有查到你的订单|最近的订单/);
  });
});

describe('staying safe', () => {
  it('never answers itself or another bot', async () => {
    const otherBot = world.contact('团购机器人');
    room.payload.memberIdList.push(otherBot.id);
    await expectSilence(() => otherBot.say('几点关门？').to(room));
    const official = world.contact('某公众号', { type: types.Contact.Official });
    await expectSilence(() => official.say('今天有什么优惠吗？').to(room));
  });

  it('survives images, files, recalled messages, system notices and empty or huge texts', async () => {
    world.deliver(wang, room, { type: types.Message.Recalled, text: '' });
    world.deliver(wang, room, { type: types.Message.GroupNote, text: '"王阿姨"修改群名为"测试"' });
    world.deliver(wang, room, { type: types.Message.Unknown });
    world.deliver(wang, room, { type: types.Message.Attachment, text: '' });
    world.deliver(wang, room, { type: types.Message.Text, text: '' });
    world.deliver(wang, room, { type: types.Message.Text, text: '啊'.repeat(20_000) });
    world.deliver(wang, null, { type: types.Message.Emoticon });
    say(li, '几点开门？');
    expect(await reply('营业时间')).toBeTruthy();
  });

  it('limits replies per group per minute', async () => {
    const admin = await server.login('dev:admin');
    const group = await mongoose.connection.collection('groups').findOne({ roomId: room.id });
    await server.request('PATCH', `/groups/settings/group/${group!._id}`, { replyLimitPerMinute: 2 }, admin.token);
    running.bot.runtime.clock.sleep(61_000);
    const before = world.saidIn(room, '营业时间').length;
    const done = handled(running, (settled) => settled.text.startsWith('几点关门'), 5);
    for (let i = 0; i < 5; i += 1) say(li, `几点关门？${'？'.repeat(i)}`);
    await done;
    expect(world.saidIn(room, '营业时间').length - before).toBe(2);
    await server.request('PATCH', `/groups/settings/group/${group!._id}`, { replyLimitPerMinute: 30 }, admin.token);
  });
});
