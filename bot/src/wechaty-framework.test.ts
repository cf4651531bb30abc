import { WechatyBuilder, type Message } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';

jest.setTimeout(30_000);

describe('Wechaty on the mock puppet (CommonJS build under jest)', () => {
  it('when a resident speaks in a mocked group, then the bot receives the message with its room', async () => {
    const mocker = new mock.Mocker();
    const bot = WechatyBuilder.build({ name: 'framework-test', puppet: new PuppetMock({ mocker }) });
    const received = new Promise<Message>((resolve) => bot.on('message', resolve));
    await bot.start();
    try {
      const self = mocker.createContact({ name: '小助手' });
      mocker.login(self);
      const resident = mocker.createContact({ name: '王阿姨' });
      const room = mocker.createRoom({ topic: '幸福里便利店 1 群', memberIdList: [self.id, resident.id] });
      resident.say('几点关门？').to(room);

      const message = await received;
      expect(message.text()).toBe('几点关门？');
      expect(message.talker().name()).toBe('王阿姨');
      expect(await message.room()?.topic()).toBe('幸福里便利店 1 群');
    } finally {
      await bot.stop();
    }
  });
});
