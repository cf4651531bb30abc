import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { ROUTES } from '../constants/routes';
import { currentSession, isStaffSession } from '../services/session';

const LINKS = [
  { url: ROUTES.staffCodes, text: '二维码' },
  { url: ROUTES.staffProgress, text: '进度' },
  { url: ROUTES.staffTouchpoint, text: '触点' },
  { url: ROUTES.staffPortrait, text: '画像' },
  // Advisors and managers both answer residents' tickets.
  { url: ROUTES.staffTickets, text: '工单' },
];
const MANAGER_LINKS = [
  { url: ROUTES.staffGroups, text: '社群' },
  { url: ROUTES.staffFlags, text: '风控' },
];

export function isManager(): boolean {
  const role = currentSession()?.staff?.role;
  return role === 'store_manager' || role === 'city_ops' || role === 'admin';
}

/** The staff pages' own navigation (staff land on their codes, not the resident home). */
export function StaffNav({ current }: { current: string }) {
  const links = isManager() ? [...LINKS, ...MANAGER_LINKS] : LINKS;
  return (
    <View className='card grid' style={{ padding: '8px' }}>
      {links.map((link) => (
        <View
          key={link.url}
          className='grid-item'
          style={{ width: `${100 / links.length}%`, padding: '8px 0' }}
          onClick={() => (link.url === current ? undefined : void Taro.redirectTo({ url: link.url }))}
        >
          <Text className={link.url === current ? 'tag' : 'muted'}>{link.text}</Text>
        </View>
      ))}
    </View>
  );
}

/** Staff pages render only for staff sessions. */
export function StaffOnly({ children }: { children: React.ReactNode }) {
  if (!isStaffSession()) {
    return (
      <View className='state'>
        <Text>仅门店员工可用</Text>
      </View>
    );
  }
  return <>{children}</>;
}
