import Taro from '@tarojs/taro';
import type { HttpResponse, Transport, UploadTransport } from './api-client';

export const isH5 = process.env.TARO_ENV === 'h5';

/** Weapp: the configured API origin. H5: the page's own origin (the server serves the H5 build under /h5/). */
export function apiBaseUrl(): string {
  const override = Taro.getStorageSync<string>(STORAGE_KEYS.apiBase);
  if (override) return override;
  if (isH5 && typeof window !== 'undefined') return window.location.origin;
  return API_BASE_URL;
}

export const STORAGE_KEYS = {
  token: 'o2o.token',
  session: 'o2o.session',
  deviceId: 'o2o.deviceId',
  lastScene: 'o2o.scene',
  /** H5 only: the dev-login name (`dev:<name>`), so browser tests can sign in as a chosen person. */
  devName: 'o2o.devName',
  apiBase: 'o2o.apiBase',
} as const;

export const taroTransport: Transport = (options) =>
  new Promise<HttpResponse>((resolve, reject) => {
    Taro.request({
      ...options,
      success: (response) => resolve({ statusCode: response.statusCode, data: response.data }),
      fail: (error) => reject(error),
    });
  });

export const taroUploadTransport: UploadTransport = (options) =>
  new Promise<HttpResponse>((resolve, reject) => {
    Taro.uploadFile({
      ...options,
      // H5: the bearer header authorises; cookies are never needed (and would make CORS stricter).
      withCredentials: false,
      success: (response) => resolve({ statusCode: response.statusCode, data: response.data }),
      fail: (error) => reject(error),
    });
  });

export function readStorage<T>(key: string): T | null {
  try {
    const value = Taro.getStorageSync<T>(key);
    return value === '' || value === undefined ? null : value;
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) Taro.removeStorageSync(key);
    else Taro.setStorageSync(key, value);
  } catch {
    // Storage full or unavailable: the app keeps working for this launch.
  }
}

/** A random id kept on the device, linking anonymous scans to whoever then logs in. */
export function deviceId(): string {
  const existing = readStorage<string>(STORAGE_KEYS.deviceId);
  if (existing && /^[A-Za-z0-9_-]{8,64}$/.test(existing)) return existing;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = 'd';
  for (let index = 0; index < 23; index += 1) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  writeStorage(STORAGE_KEYS.deviceId, id);
  return id;
}

/** The code the server exchanges for an identity: wx.login's code, or a dev login in the browser. */
export async function loginCode(): Promise<string> {
  if (isH5) {
    const name = readStorage<string>(STORAGE_KEYS.devName) ?? `h5-${deviceId()}`;
    return `dev:${name}`;
  }
  const { code } = await Taro.login();
  return code;
}
