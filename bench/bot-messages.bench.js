// Incoming group messages per second the community bot handles (mock puppet, the real server on the
// embedded database, room context cached as in production), printed next to its outgoing budget
// (what WeChat tolerates: BOT_MAX_MESSAGES_PER_MINUTE for the account, one message per
// BOT_MIN_INTERVAL_PER_GROUP_MS per group). Handling means the whole pipeline ran: activity count,
// commands, moderation (with a server call for violations), FAQ and intent matching, answers queued.
//
// Usage: npm run bench -- bot-messages   (MESSAGES=3000 RESIDENTS=60 GROUPS=3 to change the size)
const path = require('node:path');
const root = path.join(__dirname, '..');
const server = path.join(root, 'server', 'dist');
const mongoose = require('mongoose');
const { PuppetMock, mock } = require('wechaty-puppet-mock');
const { engineLabel, runBench, benchConfig } = require('./bench-engine');
const { connectDatabase } = require(path.join(server, 'db/connection.js'));
const { createApp } = require(path.join(server, 'app.js'));
const { createLogger } = require(path.join(server, 'lib/logger.js'));
const { listen } = require(path.join(server, 'http-server.js'));
const { seedDemo } = require(path.join(server, 'seed/seed-demo.js'));
const { createCommunityBot } = require(path.join(root, 'bot', 'dist', 'bot.js'));
const { loadBotConfig } = require(path.join(root, 'bot', 'dist', 'config.js'));

const MESSAGES = Number(process.env.MESSAGES ?? 2000);
const RESIDENTS = Number(process.env.RESIDENTS ?? 50);
const GROUPS = Number(process.env.GROUPS ?? 2);

const CHATTER = ['今天天气不错', '早上好邻居们', '楼下快递柜满了', '孩子放学了吗', '晚饭吃什么好呢', '周末去公园', '哈哈哈', '谢谢分享'];
const QUESTIONS = ['请问几点关门？', '配送费多少', '今天有什么优惠吗', '积分怎么赚？', '能开发票吗？', '有没有鸡蛋卖'];
const SPAM = '低价代购，加我微信 shop12345';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

runBench('bot', async ({ database, dataDir }) => {
  const config = benchConfig();
  let bot;
  let running;
  try {
    await connectDatabase(database.uri, 'bench_bot', 10_000);
    await seedDemo();
    const deps = { config, logger: createLogger('silent'), connection: mongoose.connection };
    const app = createApp(deps);
    running = await listen(app, { host: '127.0.0.1', port: 0, timeoutMs: 5000, logger: createLogger('silent') });
    const base = `http://127.0.0.1:${running.port}`;
    const post = async (url, body, token) => {
      const response = await fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${url} ${response.status} ${await response.text()}`);
      return response.json();
    };

    const mocker = new mock.Mocker();
    const self = mocker.createContact({ name: '邻里小助手' });
    const manager = mocker.createContact({ name: '店长' });
    const residents = Array.from({ length: RESIDENTS }, (_, i) => mocker.createContact({ name: `居民${i + 1}` }));
    const rooms = Array.from({ length: GROUPS }, (_, g) => mocker.createRoom({ topic: `压测群 ${g + 1}`, memberIdList: [self.id, manager.id, ...residents.map((r) => r.id)] }));
    const botConfig = loadBotConfig({ NODE_ENV: 'test', BOT_SERVER_URL: base, BOT_DATA_DIR: path.join(dataDir, 'bot'), BOT_LOG_LEVEL: 'silent', BOT_DEMO: 'false', BOT_MEMBER_SYNC_INTERVAL_MS: '3600000' });
    bot = createCommunityBot({ config: botConfig, puppet: new PuppetMock({ mocker }) });
    let handled = 0;
    const run = bot.runtime.pipeline.run.bind(bot.runtime.pipeline);
    bot.runtime.pipeline.run = async (turn, log) => {
      await run(turn, log);
      handled += 1;
    };
    await bot.start();
    mocker.login(self);
    while (!bot.wechaty.isLoggedIn) await sleep(20);

    const staff = await post('/auth/wechat-login', { code: 'dev:manager-xujiahui' });
    for (const room of rooms) {
      const { code } = await post('/groups/bind-codes', { storeId: staff.staff.storeId }, staff.token);
      const before = handled;
      manager.say(`绑定 ${code}`).to(room);
      while (handled === before) await sleep(20);
    }
    await sleep(1500); // bindings, baselines and the first contexts settle

    const before = handled;
    const started = process.hrtime.bigint();
    for (let i = 0; i < MESSAGES; i += 1) {
      const r = i % 20;
      const text = r < 16 ? `${CHATTER[i % CHATTER.length]} ${i}` : r < 19 ? QUESTIONS[i % QUESTIONS.length] : `${SPAM}${i}`;
      residents[i % RESIDENTS].say(text).to(rooms[i % GROUPS]);
      if (i % 200 === 199) await sleep(0);
    }
    while (handled - before < MESSAGES) await sleep(5);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = MESSAGES / seconds;
    const perMinute = botConfig.maxMessagesPerMinute;
    console.log(`bot messages: ${MESSAGES} incoming group messages (80% chatter, 15% questions, 5% ads) from ${RESIDENTS} residents in ${GROUPS} groups, mock puppet, server on embedded FerretDB`);
    console.log(`  incoming handled: ${rate.toFixed(0)} messages/s (${seconds.toFixed(2)} s)`);
    console.log(`  outgoing budget:  ${(perMinute / 60).toFixed(2)} messages/s for the account (${perMinute}/min), at most 1 per ${botConfig.minIntervalPerConversationMs} ms per group; replies waiting in the paced queue: ${bot.runtime.queue.length}`);
    console.log(`  ratio incoming handled / outgoing budget: ${(rate / (perMinute / 60)).toFixed(0)}x`);
  } finally {
    await bot?.stop().catch(() => {});
    await running?.shutdown().catch(() => {});
  }
});
