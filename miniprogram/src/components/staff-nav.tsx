import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { ReactNode } from 'react';
import { canUse, pagesFor, staffPage } from '../constants/staff-pages';
import { currentSession, isStaffSession } from '../services/session';
import { Btn } from './button';
import { COLORS, Icon } from './icon';

export function staffRole() {
  return currentSession()?.staff?.role ?? null;
}

/** The staff pages' own navigation: only the pages this role can use. */
export function StaffNav({ current }: { current: string }) {
  const links = pagesFor(staffRole());
  return (
    <View className='card staff-nav' data-testid='staff-nav'>
      {links.map((link) => (
        <View
          key={link.key}
          className={`staff-nav-item ${link.key === current ? 'staff-nav-item-on' : ''}`}
          data-testid={`staff-nav-${link.key}`}
          onClick={() => (link.key === current ? undefined : void Taro.redirectTo({ url: link.url }))}
        >
          <Text>{link.title}</Text>
        </View>
      ))}
    </View>
  );
}

/**
 * A staff page: the role's navigation, then the page, or a no-permission state when the role may
 * not use it (a stale link, a changed role) instead of calls that would answer 403.
 */
export function StaffPage({ page, children, nav = true }: { page: string; children: ReactNode; nav?: boolean }) {
  const info = staffPage(page);
  const testId = `page-staff-${page}`;
  if (!isStaffSession()) {
    return (
      <View className='page' data-testid={testId}>
        <View className='state state-card' data-testid='state-forbidden'>
          <Icon name='alert' color={COLORS.muted} size={96} />
          <Text className='state-text'>仅门店员工可用，请用员工微信登录</Text>
        </View>
      </View>
    );
  }
  if (!canUse(staffRole(), page)) {
    return (
      <View className='page' data-testid={testId}>
        <View className='state state-card' data-testid='state-forbidden'>
          <Icon name='alert' color={COLORS.muted} size={96} />
          <Text className='state-text'>{`你的岗位不能使用「${info.title}」`}</Text>
          <View className='mt-24'>
            <Btn small variant='plain' onClick={() => void Taro.reLaunch({ url: staffPage('home').url })}>
              回到工作台
            </Btn>
          </View>
        </View>
      </View>
    );
  }
  return (
    <View className='page' data-testid={testId}>
      {nav ? <StaffNav current={page} /> : null}
      {children}
    </View>
  );
}
