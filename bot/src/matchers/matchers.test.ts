import { parseCommand } from './commands';
import { detectIntent, detectPrivateQuery, looksLikeQuestion } from './intents';

describe('intents', () => {
  it.each([
    ['请问你们几点关门？', 'hours'],
    ['现在还营业吗', 'hours'],
    ['营业时间是？', 'hours'],
    ['门店地址在哪里呀', 'address'],
    ['配送费多少？', 'delivery'],
    ['能送到汇翠花园吗', 'delivery'],
    ['满多少免运费', 'delivery'],
    ['今天有什么优惠吗', 'offers'],
    ['积分怎么赚？', 'points_how'],
    ['积分有什么用', 'points_how'],
    ['我的积分还有多少？', 'my_points'],
    ['我的订单到哪了', 'my_order'],
  ])('“%s” is %s', (text, kind) => {
    expect(detectIntent(text)?.kind).toBe(kind);
  });

  it('finds the product asked about', () => {
    expect(detectIntent('有没有鸡蛋卖？')).toEqual({ kind: 'product', keyword: '鸡蛋' });
    expect(detectIntent('有没有鸡蛋')).toEqual({ kind: 'product', keyword: '鸡蛋' });
    expect(detectIntent('车厘子有货吗')).toEqual({ kind: 'product', keyword: '车厘子' });
    expect(detectIntent('有没有人一起拼车')).toBeNull();
  });

  it('tells questions from chatter', () => {
    expect(looksLikeQuestion('几点关门')).toBe(true);
    expect(looksLikeQuestion('昨天营业员人很好')).toBe(false);
    expect(detectIntent('今天天气真好')).toBeNull();
  });

  it('reads private queries', () => {
    expect(detectPrivateQuery('积分')).toBe('points');
    expect(detectPrivateQuery('订单')).toBe('order');
    expect(detectPrivateQuery('你好')).toBeNull();
  });
});

describe('commands', () => {
  it('parses binding, check-in and staff commands in their usual spellings', () => {
    expect(parseCommand('绑定 123456789012')).toEqual({ kind: 'bind', code: '123456789012' });
    expect(parseCommand('绑定：１２３４５６７８９０１２')).toEqual({ kind: 'bind', code: '123456789012' });
    expect(parseCommand('绑定码 1234 5678 9012')).toEqual({ kind: 'bind', code: '123456789012' });
    expect(parseCommand('绑定 123456-789012')).toEqual({ kind: 'bind', code: '123456789012' });
    expect(parseCommand('绑定 123456')).toEqual({ kind: 'bind', code: '123456' });
    expect(parseCommand('绑定 我的')).toBeNull();
    expect(parseCommand('@小助手 签到！')).toEqual({ kind: 'checkin' });
    expect(parseCommand('打卡')).toEqual({ kind: 'checkin' });
    expect(parseCommand('公告 明天停电')).toEqual({ kind: 'announce', text: '明天停电' });
    expect(parseCommand('添加问答 可以开发票吗/能开发票吗 答 可以')).toEqual({ kind: 'faq_add', questions: ['可以开发票吗', '能开发票吗'], answer: '可以' });
    expect(parseCommand('添加问答 停车|门口可停')).toEqual({ kind: 'faq_add', questions: ['停车'], answer: '门口可停' });
    expect(parseCommand('删除问答 能开发票吗')).toEqual({ kind: 'faq_remove', question: '能开发票吗' });
    expect(parseCommand('今日数据')).toEqual({ kind: 'stats' });
    expect(parseCommand('暂停')).toEqual({ kind: 'pause' });
    expect(parseCommand('恢复')).toEqual({ kind: 'resume' });
    expect(parseCommand('特惠 草莓 19.9')).toEqual({ kind: 'offer', text: '草莓 19.9' });
    expect(parseCommand('签到的人好多')).toBeNull();
    expect(parseCommand('公告')).toBeNull();
  });
});
