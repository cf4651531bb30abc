import Taro from '@tarojs/taro';
import { apiBaseUrl, isH5, readStorage, STORAGE_KEYS } from './platform';

/**
 * A code's PNG needs the bearer token, which an <Image src> cannot send: weapp downloads it to a
 * temp file, H5 fetches it into a data URL (the page's CSP allows data: images, not blob:).
 */
export async function loadCodeImage(codeId: string): Promise<string> {
  const url = `${apiBaseUrl()}/codes/${codeId}/image`;
  const token = readStorage<string>(STORAGE_KEYS.token);
  const header: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (isH5) {
    const response = await fetch(url, { headers: header });
    if (!response.ok) throw new Error(`二维码加载失败（${response.status}）`);
    const blob = await response.blob();
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(new Error('二维码加载失败'));
      reader.readAsDataURL(blob);
    });
  }
  const result = await Taro.downloadFile({ url, header });
  if (result.statusCode !== 200) throw new Error(`二维码加载失败（${result.statusCode}）`);
  return result.tempFilePath;
}

/** Weapp: into the photo album. H5: a download of the PNG. */
export async function saveCodeImage(source: string, name: string): Promise<void> {
  if (isH5) {
    const link = document.createElement('a');
    link.href = source;
    link.download = `${name}.png`;
    link.click();
    return;
  }
  await Taro.saveImageToPhotosAlbum({ filePath: source });
}
