import Taro from '@tarojs/taro';
import { isTabPage, ROUTES } from '../constants/routes';
import { currentSession, isStaffSession } from './session';

/** Opens a page: tab pages by switching tabs (navigateTo cannot reach them), others on top of this one. */
export function go(url: string): void {
  if (isTabPage(url)) void Taro.switchTab({ url: url.split('?')[0] });
  else void Taro.navigateTo({ url });
}

/** Only our own resident pages may be a place to return to after sign-in. */
export function safeRedirect(target: string | null | undefined): string | null {
  if (!target) return null;
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return null;
  }
  return /^\/pages\/[a-z-]+\/index(\?[\w%=&.-]*)?$/.test(decoded) && !decoded.startsWith(ROUTES.landing) ? decoded : null;
}

/** Where a signed-in person belongs: staff to their workbench, residents to the page they came for, or home. */
export function goHomeFor(session = currentSession(), redirect?: string | null): void {
  void Taro.reLaunch({ url: isStaffSession(session) ? ROUTES.staffHome : (safeRedirect(redirect) ?? ROUTES.home) });
}

export function toast(title: string, icon: 'success' | 'none' | 'error' = 'none'): void {
  void Taro.showToast({ title, icon, duration: 2000 });
}
