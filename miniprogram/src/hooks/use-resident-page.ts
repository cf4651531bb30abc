import Taro from '@tarojs/taro';
import { useEffect } from 'react';
import { ROUTES } from '../constants/routes';
import { residentPageAccess } from '../services/session';

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
 * errors. Returns whether the page may load.
 */
export function useResidentPage(): boolean {
  const access = residentPageAccess();
  useEffect(() => {
    if (access === 'staff') void Taro.reLaunch({ url: ROUTES.staffHome });
    else if (access === 'sign_in') void Taro.reLaunch({ url: `${ROUTES.landing}?redirect=${encodeURIComponent(currentRoute())}` });
  }, [access]);
  return access === 'allowed';
}
