import Taro from '@tarojs/taro';
import { useEffect } from 'react';
import { ROUTES } from '../constants/routes';
import { residentPageAccess } from '../services/session';
import { captureTouch, reportPendingTouch } from '../services/touches';

/** This page's route with its query, so sign-in can come back to it. */
function currentRoute(): string {
  const router = Taro.getCurrentInstance().router;
  if (!router?.path) return ROUTES.home;
  const path = `/${router.path.split('?')[0].replace(/^\//, '')}`;
  const query = Object.entries(router.params ?? {})
    .filter(([key, value]) => key !== 'stamp' && key !== '$taroTimestamp' && value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}

/**
 * Guards a resident page: staff are sent to their workbench and people without a signed-up
 * session to the landing page (which brings them back here afterwards), instead of seeing
 * errors. Returns whether the page may load. A signed-up resident's page also reports the touch
 * the app was opened with (`services/touches`).
 */
export function useResidentPage(): boolean {
  const access = residentPageAccess();
  useEffect(() => {
    // A page opened from a touch link (H5, or a WeChat page reached without an app show) keeps it too.
    captureTouch(Taro.getCurrentInstance().router?.params);
    if (access === 'allowed') void reportPendingTouch();
    if (access === 'staff') void Taro.reLaunch({ url: ROUTES.staffHome });
    else if (access === 'sign_in') void Taro.reLaunch({ url: `${ROUTES.landing}?redirect=${encodeURIComponent(currentRoute())}` });
  }, [access]);
  return access === 'allowed';
}
