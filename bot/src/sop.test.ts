import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import mongoose from 'mongoose';
import { systemClock } from './clock';
import { MockWorld, bindRoom, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

/**
 * SOP content plans end to end: the server materialises a plan's messages into the delivery
 * queue, the bot on wechaty-puppet-mock sends them paced, and a bot killed half-way through and
 * started again (a fresh puppet, the same data directory) sends each resident's message once.
 */
useTestDatabase();
jest.setTimeout(120_000);
const server = useTestServer();

const data = temporaryDirectory('o2o-bot-sop-');
const ROOM = 'r-sop-1@chatroom';
const RESIDENTS = [
  { id: 'c-sop-wang', name: '王阿姨' },
  { id: 'c-sop-li', name: '李叔叔' },
  { id: 'c-sop-zhao', name: '赵同学' },
  { id: 'c-sop-qian', name: '钱奶奶' },
];
const TEXT = '入群福利：新人 5 元券已到账，下单自动抵扣';

/** The account, the manager and the room as a fresh puppet sees them; residents in the room once they joined. */
function buildWorld(joined: boolean) {
  const world = new MockWorld({ id: 'c-sop-bot' }); // the same WeChat account after each restart
  const manager = world.contact('徐家汇店长', { id: 'c-sop-manager' });
  const residents = RESIDENTS.map((resident) => world.contact(resident.name, { id: resident.id }));
  const room = world.room('徐家汇 SOP 群', joined ? [manager, ...residents] : [manager], { id: ROOM });
  return { world, manager, residents, room };
}

let current = buildWorld(false);
let running: RunningBot;
const history: { text: string }[] = [];
const sopMessages = () => [...history, ...current.world.said].filter((entry) => entry.text.includes(TEXT));

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

it('when the bot is stopped half-way through a journey plan and a new one starts, then each resident got the message exactly once', async () => {
  // The real clock: the bot reports joins at its time, and the plan only covers joins after it was created.
  running = await startBot(current.world, server, { dataDir: data.path, clock: systemClock });
  await relaxBrandSettings(server);
  const { token: managerToken } = await bindRoom(current.world, server, current.room, current.manager);
  const admin = await server.login('dev:admin');

  const plan = await server.request<{ id: string }>('POST', '/sop/plans', { kind: 'journey', name: '入群当天', text: TEXT, event: 'joined_group', days: 0, channel: 'group' }, managerToken);
  expect(plan.status).toBe(201);
  for (const resident of current.residents) current.room.add(resident).by(current.manager);
  await waitFor(async () => (await mongoose.connection.collection('group_members').countDocuments({ wxid: { $in: RESIDENTS.map((resident) => resident.id) }, leftAt: null })) === RESIDENTS.length, 'the four joins');
  await waitFor(() => current.world.saidIn(current.room, '欢迎加入').length >= 1, 'the greetings');
  await running.bot.runtime.queue.idle();

  // A real clock and 1.5 s between messages to the room: the plan's four messages take seconds, so the bot can be stopped among them.
  await running.bot.stop();
  history.push(...current.world.said);
  current = buildWorld(true);
  running = await startBot(current.world, server, { dataDir: data.path, clock: systemClock, env: { BOT_MIN_INTERVAL_PER_GROUP_MS: '1500' } });

  const run = await server.request<{ status: string; counts: { created: number; queued: number } }>('POST', '/jobs/sop-materialise/run', undefined, admin.token);
  expect(run.status).toBe(200);
  expect(run.body.counts).toMatchObject({ created: 4, queued: 4 });
  await waitFor(() => sopMessages().length >= 1, 'the first SOP message');
  await running.bot.stop();
  const beforeRestart = sopMessages().length;
  expect(beforeRestart).toBeLessThan(RESIDENTS.length);
  history.push(...current.world.said);

  current = buildWorld(true);
  running = await startBot(current.world, server, { dataDir: data.path });
  // Running the job again (as the schedule would) creates nothing new.
  expect((await server.request<{ counts: { created: number } }>('POST', '/jobs/sop-materialise/run', undefined, admin.token)).body.counts).toMatchObject({ created: 0 });
  await waitFor(() => sopMessages().length >= RESIDENTS.length, 'the remaining SOP messages', 20_000);
  await waitFor(async () => (await mongoose.connection.collection('group_delivery_acks').countDocuments({ _id: { $regex: `^sop:${plan.body.id}:` } as never })) === RESIDENTS.length, 'every ack');
  // A whole poll after the acks: nothing more is due, nothing else was said.
  await running.bot.runtime.pollDeliveries();
  await running.bot.runtime.queue.idle();
  const messages = sopMessages();
  expect(messages).toHaveLength(RESIDENTS.length);
  // The mock puppet reports a mention in the text (`@王阿姨 …`).
  for (const resident of RESIDENTS) expect(messages.filter((entry) => entry.text.includes(`@${resident.name}`))).toHaveLength(1);

  const report = await server.request<{ due: number; sent: number; failed: number; skipped: number; pending: number }>('GET', `/sop/plans/${plan.body.id}/report`, undefined, managerToken);
  // A message cut off mid-send is acknowledged as uncertain (counted as failed for a person to check), never sent again.
  expect(report.body).toMatchObject({ due: 4, skipped: 0, pending: 0 });
  expect(report.body.sent + report.body.failed).toBe(4);
});
