import type { QrMatrix } from './qr';

/** The few canvas calls the poster uses: the same on an H5 canvas and a WeChat canvas 2d. */
export interface PosterContext {
  fillStyle: unknown;
  font: string;
  textAlign: 'left' | 'center' | 'right' | 'start' | 'end';
  textBaseline: 'top' | 'middle' | 'alphabetic' | 'bottom' | 'hanging' | 'ideographic';
  fillRect(x: number, y: number, width: number, height: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  beginPath(): void;
  moveTo(x: number, y: number): void;
  arcTo(x1: number, y1: number, x2: number, y2: number, radius: number): void;
  closePath(): void;
  fill(): void;
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): { addColorStop(offset: number, color: string): void };
}

export interface PosterData {
  storeName: string;
  inviterName: string;
  /** What the invitee gets, e.g. 注册即得 20 积分，完成新人任务共 140 积分. */
  inviteeRewardText: string;
  inviterRewardPoints: number;
  inviteCode: string;
  qr: QrMatrix;
}

export const POSTER_WIDTH = 750;
export const POSTER_HEIGHT = 1200;
const FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Zen Hei", sans-serif';

function roundRect(ctx: PosterContext, x: number, y: number, width: number, height: number, radius: number): void {
  ctx.beginPath();
  ctx.moveTo(x + radius, y);
  ctx.arcTo(x + width, y, x + width, y + height, radius);
  ctx.arcTo(x + width, y + height, x, y + height, radius);
  ctx.arcTo(x, y + height, x, y, radius);
  ctx.arcTo(x, y, x + width, y, radius);
  ctx.closePath();
  ctx.fill();
}

/** Breaks text into lines no wider than `maxWidth` (character by character: Chinese has no spaces). */
export function wrapText(ctx: Pick<PosterContext, 'measureText'>, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const character of [...text]) {
    if (line && ctx.measureText(line + character).width > maxWidth) {
      lines.push(line);
      line = character.trim() ? character : '';
    } else {
      line += character;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The QR's dark modules in a `size` square with a one-module quiet zone. */
function drawQr(ctx: PosterContext, qr: QrMatrix, x: number, y: number, size: number): void {
  const cell = size / (qr.size + 2);
  ctx.fillStyle = '#1f2329';
  for (let row = 0; row < qr.size; row += 1) {
    for (let column = 0; column < qr.size; column += 1) {
      // Slightly overlapping cells, so no hairline gaps appear between modules when scaled.
      if (qr.isDark(row, column)) ctx.fillRect(x + (column + 1) * cell, y + (row + 1) * cell, cell + 0.5, cell + 0.5);
    }
  }
}

/** Both posters' background: the brand's green gradient; text centred from the top. */
function paintBackground(ctx: PosterContext): void {
  const background = ctx.createLinearGradient(0, 0, 0, POSTER_HEIGHT);
  background.addColorStop(0, '#14a052');
  background.addColorStop(1, '#5fd393');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, POSTER_WIDTH, POSTER_HEIGHT);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
}

/** The white card with the QR centred near its top; returns the QR's top, for the lines under it. */
function drawQrCard(ctx: PosterContext, qr: QrMatrix, cardY: number, cardHeight: number, qrSize: number): number {
  ctx.fillStyle = '#ffffff';
  roundRect(ctx, 75, cardY, POSTER_WIDTH - 150, cardHeight, 32);
  const qrY = cardY + 48;
  drawQr(ctx, qr, POSTER_WIDTH / 2 - qrSize / 2, qrY, qrSize);
  return qrY;
}

/**
 * The invite poster: the store, who invites, what both get, and a QR code of the invite link with
 * the invite code under it. Drawn in a 750×1200 space; the caller scales the context for sharpness.
 */
export function drawPoster(ctx: PosterContext, data: PosterData): void {
  const centre = POSTER_WIDTH / 2;
  paintBackground(ctx);
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.font = `500 30px ${FONT}`;
  ctx.fillText(data.storeName, centre, 96);
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 56px ${FONT}`;
  wrapText(ctx, `${data.inviterName} 邀你一起逛`, POSTER_WIDTH - 120).forEach((line, index) => ctx.fillText(line, centre, 156 + index * 72));
  ctx.font = `500 32px ${FONT}`;
  wrapText(ctx, `新人福利：${data.inviteeRewardText}`, POSTER_WIDTH - 140).forEach((line, index) => ctx.fillText(line, centre, 300 + index * 46));

  const cardY = 430;
  const cardHeight = 590;
  const qrSize = 400;
  const qrY = drawQrCard(ctx, data.qr, cardY, cardHeight, qrSize);

  ctx.fillStyle = '#1f2329';
  ctx.font = `600 34px ${FONT}`;
  ctx.fillText('微信扫码 注册领新人积分', centre, qrY + qrSize + 28);
  ctx.fillStyle = '#8f959e';
  ctx.font = `400 26px ${FONT}`;
  ctx.fillText(`邀请码 ${data.inviteCode}`, centre, qrY + qrSize + 84);

  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.font = `400 26px ${FONT}`;
  ctx.fillText(`你完成首单后，${data.inviterName} 得 ${data.inviterRewardPoints} 积分`, centre, cardY + cardHeight + 44);
  ctx.fillStyle = 'rgba(255,255,255,0.7)';
  ctx.font = `400 24px ${FONT}`;
  ctx.fillText('邻里鲜生 · 社区门店 · 配送到家', centre, POSTER_HEIGHT - 64);
}

export interface StorePosterData {
  storeName: string;
  address: string;
  hoursText: string;
  /** The store's live group code link: always the least-full group, however many the store opens. */
  qr: QrMatrix;
}

/**
 * The printable store poster (counter, door, lift): the store's live group code with 扫码进群 and
 * what the group is for. Same 750×1200 space and look as the invite poster.
 */
export function drawStorePoster(ctx: PosterContext, data: StorePosterData): void {
  const centre = POSTER_WIDTH / 2;
  paintBackground(ctx);
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 56px ${FONT}`;
  wrapText(ctx, data.storeName, POSTER_WIDTH - 120).forEach((line, index) => ctx.fillText(line, centre, 96 + index * 72));
  ctx.font = `500 34px ${FONT}`;
  ctx.fillText('邻里社群 · 每天特惠和到货通知', centre, 250);

  const cardY = 340;
  const cardHeight = 640;
  const qrSize = 420;
  const qrY = drawQrCard(ctx, data.qr, cardY, cardHeight, qrSize);
  ctx.fillStyle = '#1f2329';
  ctx.font = `700 44px ${FONT}`;
  ctx.fillText('扫码进群', centre, qrY + qrSize + 28);
  ctx.fillStyle = '#8f959e';
  ctx.font = `400 26px ${FONT}`;
  ctx.fillText('群里发“签到”领积分，有问题随时问店员', centre, qrY + qrSize + 96);

  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.font = `400 26px ${FONT}`;
  wrapText(ctx, data.address, POSTER_WIDTH - 140).slice(0, 2).forEach((line, index) => ctx.fillText(line, centre, cardY + cardHeight + 40 + index * 36));
  ctx.fillStyle = 'rgba(255,255,255,0.7)';
  ctx.font = `400 24px ${FONT}`;
  ctx.fillText(data.hoursText, centre, POSTER_HEIGHT - 64);
}
