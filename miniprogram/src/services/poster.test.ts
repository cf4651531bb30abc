import { drawPoster, drawStorePoster, wrapText, type PosterContext } from './poster';
import { qrMatrix } from './qr';

/** A canvas stand-in that records what was drawn; every character is 30 units wide. */
function recorder() {
  const texts: string[] = [];
  const rects: { x: number; y: number; fill: unknown }[] = [];
  const ctx: PosterContext = {
    fillStyle: '#000',
    font: '',
    textAlign: 'left',
    textBaseline: 'top',
    fillRect: (x, y) => rects.push({ x, y, fill: ctx.fillStyle }),
    fillText: (text) => texts.push(text),
    measureText: (text) => ({ width: [...text].length * 30 }),
    beginPath: () => undefined,
    moveTo: () => undefined,
    arcTo: () => undefined,
    closePath: () => undefined,
    fill: () => undefined,
    createLinearGradient: () => ({ addColorStop: () => undefined }),
  };
  return { ctx, texts, rects };
}

describe('the invite poster', () => {
  it('prints the store, the inviter, what both get and the invite code, with every dark module of the QR', () => {
    const qr = qrMatrix('http://127.0.0.1:3104/h5/#/pages/landing/index?scene=i.k7m3qxpa.Zr41pL0aqW');
    const { ctx, texts, rects } = recorder();
    drawPoster(ctx, { storeName: '邻里鲜生·田林店', inviterName: '王阿姨', inviteeRewardText: '注册即得 20 积分', inviterRewardPoints: 150, inviteCode: 'K7M3QXPA', qr });
    expect(texts).toEqual(expect.arrayContaining(['邻里鲜生·田林店', '王阿姨 邀你一起逛', '新人福利：注册即得 20 积分', '邀请码 K7M3QXPA', '你完成首单后，王阿姨 得 150 积分']));
    let dark = 0;
    for (let row = 0; row < qr.size; row += 1) for (let column = 0; column < qr.size; column += 1) if (qr.isDark(row, column)) dark += 1;
    expect(rects.filter((rect) => rect.fill === '#1f2329')).toHaveLength(dark);
  });

  it('wraps long Chinese lines by width', () => {
    const { ctx } = recorder();
    expect(wrapText(ctx, '注册即得二十积分完成新人任务', 150)).toEqual(['注册即得二', '十积分完成', '新人任务']);
  });
});

describe('the store poster', () => {
  it('prints the store, 扫码进群 and the address, with every dark module of the live code', () => {
    const qr = qrMatrix('https://h5.example.com/h5/#/pages/store/index?groupCode=65a0c0ffee0000000000abcd');
    const { ctx, texts, rects } = recorder();
    drawStorePoster(ctx, { storeName: '邻里鲜生·徐家汇店', address: '上海市徐汇区漕溪北路 88 号', hoursText: '每天 07:00-22:00', qr });
    expect(texts).toEqual(expect.arrayContaining(['邻里鲜生·徐家汇店', '扫码进群', '上海市徐汇区漕溪北路 88 号', '每天 07:00-22:00']));
    let dark = 0;
    for (let row = 0; row < qr.size; row += 1) for (let column = 0; column < qr.size; column += 1) if (qr.isDark(row, column)) dark += 1;
    expect(rects.filter((rect) => rect.fill === '#1f2329')).toHaveLength(dark);
  });
});
