import { useTestDatabase } from '@o2o/server/dist/testing/test-database';
import { FileBox } from 'file-box';
import mongoose from 'mongoose';
import { types } from 'wechaty';
import { MockWorld, handled, bindRoom, relaxBrandSettings, startBot, temporaryDirectory, useTestServer, waitFor, type RunningBot } from './testing/bot-harness';

useTestDatabase();
jest.setTimeout(60_000);
const server = useTestServer();

const world = new MockWorld();
const data = temporaryDirectory('o2o-bot-moderation-');
let running: RunningBot;
type Contact = ReturnType<MockWorld['contact']>;
let manager: Contact;
let owned: ReturnType<MockWorld['room']>;
let notOwned: ReturnType<MockWorld['room']>;
let residents: Contact[];
let next = 0;
/** A fresh member of both rooms for each test, so strikes do not carry over. */
const newcomer = (): Contact => residents[next++];

/** A 1x1 white PNG: an image without a QR code. */
const PLAIN_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=';

beforeAll(async () => {
  manager = world.contact('徐家汇店长');
  residents = Array.from({ length: 14 }, (_, i) => world.contact(`居民${i + 1}`));
  owned = world.room('徐家汇 1 群（小助手是群主）', [manager, ...residents], { ownerId: world.self.id });
  notOwned = world.room('徐家汇 2 群（店长是群主）', [manager, ...residents], { ownerId: manager.id });
  running = await startBot(world, server, { dataDir: data.path });
  await relaxBrandSettings(server);
  await bindRoom(world, server, owned, manager);
  await bindRoom(world, server, notOwned, manager);
});

afterAll(async () => {
  await running?.bot.stop();
  data.remove();
});

async function cases(wxid: string) {
  return mongoose.connection.collection('group_moderation_cases').find({ wxid }).sort({ strike: 1 }).toArray();
}

async function expectCase(member: Contact, rule: string, evidence: string | RegExp) {
  const [first] = await waitFor(async () => {
    const found = await cases(member.id);
    return found.length > 0 && found[0].outcome ? found : null;
  }, `a ${rule} case for ${member.payload.name}`);
  expect(first).toMatchObject({ rule, strike: 1, penalty: 'warn', outcome: 'warned', name: member.payload.name });
  expect(first.evidence.text).toMatch(evidence);
  await waitFor(() => world.saidIn(owned, '请勿').some((text) => text.includes(`@${member.payload.name}`)), 'the warning');
}

describe('each rule', () => {
  it('warns an outsider who posts a link, and logs the link as evidence', async () => {
    const member = newcomer();
    member.say('快来看 https://spam.example.com/deal 超低价').to(owned);
    await expectCase(member, 'link', /spam\.example\.com/);
  });

  it('warns an outsider who shares a link card', async () => {
    const member = newcomer();
    world.deliver(member, owned, { type: types.Message.Url });
    await expectCase(member, 'link', /mock\.url/);
  });

  it('warns an outsider who shares a mini-program card', async () => {
    const member = newcomer();
    world.deliver(member, owned, { type: types.Message.MiniProgram });
    await expectCase(member, 'mini_program', /mock title/);
  });

  it('warns an outsider who posts a QR-code image, and leaves a plain photo alone', async () => {
    const member = newcomer();
    const photo = handled(running, (settled) => settled.talkerId === member.id);
    member.say(FileBox.fromBase64(PLAIN_PNG, 'photo.png')).to(owned);
    await photo;
    expect(await cases(member.id)).toHaveLength(0);
    member.say(FileBox.fromQRCode('https://u.wechat.com/spam-group')).to(owned);
    await expectCase(member, 'qr_image', /image/);
  });

  it('warns a member who repeats the same message a third time (spacing and punctuation ignored)', async () => {
    const member = newcomer();
    const twice = handled(running, (settled) => settled.talkerId === member.id, 2);
    member.say('团购群拉人，进群有福利').to(owned);
    member.say('团购群拉人 进群有福利！').to(owned);
    await twice;
    expect(await cases(member.id)).toHaveLength(0);
    member.say('团购群拉人，进群有福利').to(owned);
    await expectCase(member, 'repeated', /团购群拉人/);
  });

  it('warns contact details together with promotional words, not a phone number alone', async () => {
    const member = newcomer();
    const phone = handled(running, (settled) => settled.talkerId === member.id);
    member.say('我家快递放门口了，有事打我 13812345678').to(owned);
    await phone;
    expect(await cases(member.id)).toHaveLength(0);
    member.say('专业代购 低价正品，加我微信 abc123456').to(owned);
    await expectCase(member, 'contact_promo', /代购/);
  });

  it('warns text obfuscated with symbols to dodge review', async () => {
    const member = newcomer();
    member.say('代～购～低～价，加 微 信 a b c 1 2 3 4 5').to(owned);
    await expectCase(member, 'obfuscated', /代～购/);
  });
});

describe('escalation', () => {
  it('when the bot owns the group: a warning, mutes of 1, 7 and 15 days (reported to staff), then removal', async () => {
    const member = newcomer();
    const ad = (n: number) => `低价代购第${n}弹，加我微信 shop88888`;
    member.say(ad(1)).to(owned);
    await waitFor(async () => (await cases(member.id))[0]?.outcome === 'warned', 'the warning');
    member.say(ad(2)).to(owned);
    await waitFor(async () => (await cases(member.id))[1]?.outcome === 'muted', 'the mute');
    expect(await waitFor(() => world.saidIn(manager, `「${member.payload.name}」第 2 次违规`)[0], 'the private report to staff')).toContain('证据');
    for (let n = 3; n <= 5; n += 1) {
      member.say(ad(n)).to(owned);
      await waitFor(async () => (await cases(member.id))[n - 1]?.outcome, `strike ${n}`);
    }
    expect(await waitFor(() => world.saidIn(owned, `「${member.payload.name}」多次`)[0], 'the removal notice')).toContain('已被移出本群');
    expect((await cases(member.id)).map((entry) => [entry.strike, entry.penalty, entry.muteDays, entry.outcome])).toEqual([
      [1, 'warn', null, 'warned'],
      [2, 'mute', 1, 'muted'],
      [3, 'mute', 7, 'muted'],
      [4, 'mute', 15, 'muted'],
      [5, 'remove', null, 'removed'],
    ]);
  });

  it('when the bot is neither owner nor admin: the last strike asks staff to remove the member', async () => {
    const member = newcomer();
    for (let n = 1; n <= 5; n += 1) {
      member.say(`低价代购第${n}弹，加我微信 shop77777`).to(notOwned);
      await waitFor(async () => (await cases(member.id))[n - 1]?.outcome, `strike ${n}`);
    }
    expect((await cases(member.id))[4]).toMatchObject({ penalty: 'remove', outcome: 'asked_staff' });
    expect(await waitFor(() => world.saidIn(notOwned, '没有踢人权限')[0], 'the request to staff')).toContain(member.payload.name);
  });
});

describe('who and how strictly', () => {
  it('staff are exempt: the manager may post links and promotions', async () => {
    const done = handled(running, (settled) => settled.talkerId === manager.id);
    manager.say('本周团购链接 https://shop.example.com/weekly 低价代购，加我微信 store8888').to(owned);
    await done;
    expect(await cases(manager.id)).toHaveLength(0);
  });

  it('with strictness off, nothing is moderated', async () => {
    const group = await mongoose.connection.collection('groups').findOne({ roomId: notOwned.id });
    const session = await server.login('dev:manager-xujiahui');
    await server.request('PATCH', `/groups/settings/group/${group!._id}`, { moderationStrictness: 'off' }, session.token);
    const member = newcomer();
    const done = handled(running, (settled) => settled.talkerId === member.id);
    member.say('快来看 https://spam.example.com/deal').to(notOwned);
    await done;
    expect(await cases(member.id)).toHaveLength(0);
  });

  it('staff see the log with evidence through the API', async () => {
    const session = await server.login('dev:manager-xujiahui');
    const log = await server.request<{ rule: string; evidence: { text: string } }[]>('GET', '/groups/moderation?limit=100', undefined, session.token);
    expect(log.status).toBe(200);
    expect(new Set(log.body.map((entry) => entry.rule))).toEqual(new Set(['link', 'mini_program', 'qr_image', 'repeated', 'contact_promo', 'obfuscated']));
  });
});
