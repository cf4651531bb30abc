import Taro from '@tarojs/taro';
import { drawPoster, drawStorePoster, POSTER_HEIGHT, POSTER_WIDTH, type PosterContext, type PosterData, type StorePosterData } from './poster';
import { isH5 } from './platform';

const SCALE = 2;

/**
 * Draws the poster on a canvas and returns an image source: a PNG data URL in H5, a temporary
 * file in WeChat (an offscreen canvas 2d, exported with canvasToTempFilePath).
 */
export async function renderPoster(data: PosterData): Promise<string> {
  return renderCanvas((context) => drawPoster(context, data));
}

/** The printable store poster with the live group code, as an image source like `renderPoster`. */
export async function renderStorePoster(data: StorePosterData): Promise<string> {
  return renderCanvas((context) => drawStorePoster(context, data));
}

async function renderCanvas(draw: (context: PosterContext) => void): Promise<string> {
  if (isH5) {
    const canvas = document.createElement('canvas');
    canvas.width = POSTER_WIDTH * SCALE;
    canvas.height = POSTER_HEIGHT * SCALE;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('海报生成失败，请稍后重试');
    context.scale(SCALE, SCALE);
    draw(context as unknown as PosterContext);
    return canvas.toDataURL('image/png');
  }
  const canvas = Taro.createOffscreenCanvas({ type: '2d', width: POSTER_WIDTH * SCALE, height: POSTER_HEIGHT * SCALE }) as unknown as {
    getContext(kind: '2d'): PosterContext & { scale(x: number, y: number): void };
  };
  const context = canvas.getContext('2d');
  context.scale(SCALE, SCALE);
  draw(context);
  const { tempFilePath } = await Taro.canvasToTempFilePath({ canvas, fileType: 'png', destWidth: POSTER_WIDTH * SCALE, destHeight: POSTER_HEIGHT * SCALE } as never);
  return tempFilePath;
}

/** WeChat: into the photo album (asking again if the resident once said no). H5: a PNG download. */
export async function savePoster(source: string, fileName = '邀请海报.png'): Promise<'saved' | 'downloaded'> {
  if (isH5) {
    const link = document.createElement('a');
    link.href = source;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    return 'downloaded';
  }
  try {
    await Taro.saveImageToPhotosAlbum({ filePath: source });
    return 'saved';
  } catch (error) {
    const message = String((error as { errMsg?: string })?.errMsg ?? '');
    if (/auth|deny|denied/i.test(message)) {
      const { confirm } = await Taro.showModal({ title: '需要相册权限', content: '保存海报需要允许访问相册，去设置里打开吗？', confirmText: '去设置' });
      if (confirm) await Taro.openSetting();
    }
    throw new Error('海报没有保存，请允许访问相册后再试');
  }
}
