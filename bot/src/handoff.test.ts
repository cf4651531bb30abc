import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import mongoose from 'mongoose';
import { MockWorld, bindRoom, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

useTestDatabase();
jest.setTimeout(60_000);
const server = useTestServer();

const world = new MockWorld();
const data = temporaryDirectory('o2o-bot-handoff-');
let running: RunningBot;
let manager: ReturnType<MockWorld['contact']>;
let wang: ReturnType<MockWorld['contact']>;
let li: ReturnType<MockWorld['contact']>;
let room: ReturnType<MockWorld['room']>;
let managerToken: string;

beforeAll(async () => {
  manager = world.contact('徐家汇店长');
  wang = world.contact('王阿姨');
  li = world.contact('李叔叔');
  room = world.room('邻里鲜生徐家汇 2 群', [manager, wang, li]);
  running = await startBot(world, server, { dataDir: data.path });
  await relaxBrandSettings(server);
  // The manager binds the room by saying its code there, which also binds the manager's WeChat id as staff.
  managerToken = (await bindRoom(world, server, room, manager)).token;
});

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

const mention = (who: ReturnType<MockWorld['contact']>, text: string) => who.say(`@邻里小助手 ${text}`, [world.self]).to(room);
const saidAfter = (from: number, target: { id: string }, fragment: string) =>
  world.said.slice(from).find((entry) => (entry.roomId === target.id || entry.contactId === target.id) && entry.text.includes(fragment));
const tickets = async () => (await server.request<{ id: string; text: string; reason: string; status: string; firstAnswerSeconds: number | null; answers: { relayed: boolean }[] }[]>('GET', '/tickets', undefined, managerToken)).body;

describe('hand-off to staff', () => {
  it('when a resident @-mentions a complaint, then a ticket exists, the manager is told privately, and only then the bot says 已提醒店员', async () => {
    const from = world.said.length;
    mention(wang, '西瓜是坏的怎么办');
    const told = await waitFor(() => saidAfter(from, room, '已提醒店员'), 'the bot to say 已提醒店员');
    expect(told.text).toContain('@王阿姨');
    const notice = await waitFor(() => saidAfter(from, manager, '群工单'), 'the private notice to the manager');
    expect(notice.text).toContain('西瓜是坏的怎么办');
    expect(notice.text).toContain('王阿姨');
    const [ticket] = await tickets();
    expect(ticket).toMatchObject({ reason: 'complaint', status: 'open' });
  });

  it('when a complaint is not addressed to the bot (少送了), it still becomes a ticket', async () => {
    const from = world.said.length;
    li.say('我昨天买的菜少送了一把葱').to(room);
    await waitFor(() => saidAfter(from, room, '已提醒店员'), 'the complaint reply');
    expect((await tickets()).map((ticket) => ticket.text)).toContain('我昨天买的菜少送了一把葱');
  });

  it('when the manager answers in the workbench, then the bot relays the answer to the resident in the group and the workbench shows it relayed', async () => {
    const ticket = (await tickets()).find((entry) => entry.text.includes('西瓜'))!;
    const from = world.said.length;
    const answered = await server.request('POST', `/tickets/${ticket.id}/answers`, { text: '抱歉！马上给您换一个新的', via: 'group', requestId: 'workbench-answer-1' }, managerToken);
    expect(answered.status).toBe(201);
    const relayed = await waitFor(() => saidAfter(from, room, '马上给您换一个新的'), 'the relayed answer');
    expect(relayed.text).toContain('@王阿姨');
    expect(relayed.text).toContain('西瓜是坏的怎么办');
    const after = await waitFor(async () => (await tickets()).find((entry) => entry.id === ticket.id && entry.answers[0]?.relayed), 'the relay to be acknowledged');
    expect(after.status).toBe('closed');
    expect(after.firstAnswerSeconds).not.toBeNull();
    expect(world.said.slice(from).filter((entry) => entry.text.includes('马上给您换一个新的'))).toHaveLength(1);
  });

  it('when the answer is private, then it goes to the resident privately and not in the group', async () => {
    const from = world.said.length;
    mention(li, '你们老板是哪里人');
    await waitFor(() => saidAfter(from, room, '已提醒店员'), 'the hand-off reply');
    const ticket = (await tickets()).find((entry) => entry.text.includes('老板'))!;
    expect(ticket.reason).toBe('unanswered');
    await server.request('POST', `/tickets/${ticket.id}/answers`, { text: '老板是本地人哦', via: 'private', requestId: 'workbench-answer-2' }, managerToken);
    await waitFor(() => saidAfter(from, li, '老板是本地人哦'), 'the private answer');
    expect(world.said.slice(from).filter((entry) => entry.roomId === room.id && entry.text.includes('老板是本地人'))).toEqual([]);
  });

  it('when a resident greets the bot, then it greets back and opens no ticket', async () => {
    const before = (await tickets()).length;
    const from = world.said.length;
    mention(wang, '你好');
    const greeting = await waitFor(() => saidAfter(from, room, '你好！我是本群小助手'), 'the greeting');
    expect(greeting.text).not.toContain('店员');
    expect(await tickets()).toHaveLength(before);
    expect(await mongoose.connection.collection('tickets').countDocuments({ text: /你好/ })).toBe(0);
  });

  it('when the server cannot take the ticket, then the bot does not claim staff were told', async () => {
    await server.stop();
    try {
      const from = world.said.length;
      mention(wang, '我要投诉，鸡蛋全碎了');
      const reply = await waitFor(() => saidAfter(from, room, '没能转给店员'), 'the honest failure reply');
      expect(reply.text).not.toContain('已提醒店员');
    } finally {
      await server.start();
    }
  });
});

describe('answers residents get', () => {
  const ask = async (text: string, fragment: string): Promise<string> => {
    const from = world.said.length;
    wang.say(text).to(room);
    return (await waitFor(() => saidAfter(from, room, fragment), `the answer to “${text}”`)).text;
  };

  it('matches the catalogue by aliases, synonyms and units, with price and where to order in the mini-program', async () => {
    expect(await ask('有大米卖吗', '五常大米')).toMatch(/五常大米 5kg 69\.9 元.*「粮油」/);
    expect(await ask('店里的青菜几块钱一斤', '上海青')).toContain('上海青 500g 3.5 元（合 3.5 元/斤）');
    expect(await ask('番茄多少钱', '西红柿')).toContain('西红柿 500g 5.8 元');
    // A product the store does not sell is said so, with the resident's own word.
    expect(await ask('有榴莲吗', '榴莲')).toContain('暂时没有找到“榴莲”');
  });

  it('answers about the time asked about, not today', async () => {
    expect(await ask('周末有活动吗', '周末')).toContain('周末的活动还没有公布');
    expect(await ask('明天早上七点前能送到吗', '送不到')).toContain('明天07:00才开始营业');
    expect(await ask('明天几点开门？', '明天的营业时间')).toMatch(/明天的营业时间：周. 07:00-22:00/);
  });

  it('answers refunds, returns and payment from the default FAQ until the store writes its own', async () => {
    expect(await ask('怎么退货', '退换')).toContain('生鲜商品');
    expect(await ask('退款多久能到账？', '到账')).toContain('原路退回');
    expect(await ask('可以用医保卡吗', '医保卡')).toContain('暂不支持医保卡');
    manager.say('添加问答 可以用医保卡吗/能刷医保卡吗 答 本店支持上海医保卡支付，结账时告诉收银员').to(room);
    await waitFor(() => world.saidIn(room, '已添加问答').length > 0, 'the store FAQ entry');
    expect(await ask('可以用医保卡吗', '上海医保卡')).toContain('本店支持上海医保卡支付');
  });
});
