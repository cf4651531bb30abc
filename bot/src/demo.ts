import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { BotConfig } from './config';
import type { Logger } from './logger';

type ContactMock = ReturnType<mock.Mocker['createContact']>;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post<T>(config: BotConfig, url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${config.serverUrl}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The demo for `npm start` without a WeChat account: a mock puppet with one simulated store group
 * (the manager of 徐家汇店 and three residents). Once the bot is logged in, the manager binds the
 * group with a code from the server (dev login), a resident binds their account, and the residents
 * ask questions, check in, a newcomer joins and a spammer posts an ad, so the log shows the bot
 * answering, greeting and moderating.
 */
export function createDemoWorld(config: BotConfig, log: Logger): { puppet: PuppetMock; play(): Promise<void> } {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const self = mocker.createContact({ id: 'demo-bot', name: config.name });
  const manager = mocker.createContact({ id: 'demo-manager-xujiahui', name: '徐家汇店长' });
  const wang = mocker.createContact({ id: 'demo-wang', name: '王阿姨' });
  const li = mocker.createContact({ id: 'demo-li', name: '李叔叔' });
  const zhang = mocker.createContact({ id: 'demo-zhang', name: '张同学' });
  const spammer = mocker.createContact({ id: 'demo-spammer', name: '优惠小王' });
  const room = mocker.createRoom({ id: 'demo-xujiahui-1@chatroom', topic: '邻里鲜生·徐家汇店 1 群', memberIdList: [self.id, manager.id, wang.id, li.id, spammer.id], ownerId: self.id });
  const names = new Map([self, manager, wang, li, zhang, spammer].map((contact) => [contact.id, contact.payload.name]));
  room.on('message', (message) => {
    const payload = message.payload as { talkerId: string; text?: string };
    log.info(`[群] ${names.get(payload.talkerId) ?? payload.talkerId}: ${payload.text ?? '(非文字消息)'}`);
  });
  for (const contact of [manager, wang, li, zhang, spammer]) {
    contact.on('message', (message) => {
      const payload = message.payload as { talkerId: string; listenerId?: string; text?: string };
      if (payload.talkerId === self.id && payload.listenerId === contact.id) log.info(`[私聊 → ${contact.payload.name}] ${payload.text ?? ''}`);
    });
  }
  const say = (who: ContactMock, text: string) => who.say(text).to(room);

  const play = async () => {
    // `npm start` launches the server and the bot together: wait until the server is ready.
    for (let attempt = 0; attempt < 240; attempt += 1) {
      const ready = await fetch(`${config.serverUrl}/readyz`).then((response) => response.ok, () => false);
      if (ready) break;
      await pause(500);
    }
    mocker.login(self);
    await pause(1500);
    try {
      const staff = await post<{ token: string; staff: { storeId: string } }>(config, '/auth/wechat-login', { code: 'dev:manager-xujiahui' });
      const groupCode = await post<{ code: string }>(config, '/groups/bind-codes', { storeId: staff.staff.storeId }, staff.token);
      say(manager, `绑定 ${groupCode.code}`);
      await pause(2500);
      const resident = await post<{ token: string }>(config, '/auth/wechat-login', { code: 'dev:demo-wang-ayi' });
      const identityCode = await post<{ code: string }>(config, '/groups/identity-codes', undefined, resident.token);
      wang.say(`绑定 ${identityCode.code}`).to(self);
      await pause(2000);
    } catch (error) {
      log.warn('demo: binding through the server failed (is the server up with dev login on?)', { err: error });
    }
    const script: [ContactMock, string][] = [
      [wang, '请问几点关门？'],
      [li, '配送费多少，满多少免运费？'],
      [wang, '签到'],
      [li, '今天天气不错'],
      [wang, '积分怎么赚？'],
      [manager, '添加问答 可以开发票吗/能开发票吗 答 可以开电子发票，结账时告诉收银员抬头即可'],
      [li, '请问一下，能开发票吗？'],
      [spammer, '代购 低价 加我微信 vx123456789'],
      [spammer, '代购 低价 加我微信 vx123456789'],
    ];
    for (const [who, text] of script) {
      say(who, text);
      await pause(2500);
    }
    room.add(zhang).by(manager);
  };
  return { puppet, play };
}
