import { ApiError } from './api-client';

const HAN = /[\u3400-\u9fff]/;

/** Whether a person can read the text here: the app shows nothing without Chinese characters. */
export function hasChinese(text: string | null | undefined): text is string {
  return typeof text === 'string' && HAN.test(text);
}

export const NETWORK_ERROR_TEXT = '网络不给力，请稍后重试';
export const GENERIC_ERROR_TEXT = '出错了，请稍后重试';

/** What to say when the server's own message is not readable: by status, for the person on the phone. */
export function statusText(status: number): string {
  if (status === 400 || status === 422) return '填写的内容有误，请检查后再试';
  if (status === 401) return '登录已失效，请重新进入小程序';
  if (status === 403) return '暂时不能进行这个操作';
  if (status === 404) return '没有找到相关内容，可能已下架或失效';
  if (status === 409) return '操作没有成功，请刷新后再试';
  if (status === 413) return '内容太多了，请精简后再试';
  if (status === 429) return '操作太频繁了，请稍后再试';
  if (status === 503) return '服务暂时不可用，请稍后再试';
  if (status >= 500) return '服务开小差了，请稍后再试';
  return GENERIC_ERROR_TEXT;
}

function firstChineseDetail(details: unknown): string | null {
  if (!Array.isArray(details)) return null;
  for (const detail of details) {
    const message = (detail as { message?: unknown })?.message;
    if (typeof message === 'string' && hasChinese(message)) return message;
  }
  return null;
}

/**
 * The one text shown for any failure: the server's message when it is Chinese, else a Chinese
 * validation detail, else a Chinese sentence for the status; never the raw English of a library,
 * a runtime or the network layer.
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.kind === 'network') return NETWORK_ERROR_TEXT;
    if (hasChinese(error.message)) return error.message;
    return firstChineseDetail(error.details) ?? statusText(error.status);
  }
  const issues = (error as { issues?: unknown })?.issues;
  if (Array.isArray(issues)) return firstChineseDetail(issues) ?? statusText(400);
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : null;
  return hasChinese(message) ? message : GENERIC_ERROR_TEXT;
}
