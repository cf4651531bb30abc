import Taro from '@tarojs/taro';
import { ROUTES } from '../constants/routes';
import { currentSession, isStaffSession } from './session';

export function go(url: string): void {
  void Taro.navigateTo({ url });
}

/** Where a signed-in person belongs: staff to their codes, residents home. */
export function goHomeFor(session = currentSession()): void {
  void Taro.reLaunch({ url: isStaffSession(session) ? ROUTES.staffCodes : ROUTES.home });
}

export function toast(title: string, icon: 'success' | 'none' | 'error' = 'none'): void {
  void Taro.showToast({ title, icon, duration: 2000 });
}
