import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { Btn } from '../../../components/button';
import { ProgressBar } from '../../../components/progress-bar';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { pagesFor } from '../../../constants/staff-pages';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { greeting } from '../../../services/format';
import { go } from '../../../services/navigation';
import { currentSession, logout } from '../../../services/session';
import { staffApi } from '../../../services/staff-api';
import '../staff.css';

const ROLE_TEXT = { advisor: '顾问', store_manager: '店长', city_ops: '城市运营', admin: '管理员' } as const;

/** Today's first thing per role: the advisor's progress; the others start from their pages. */
function AdvisorToday() {
  const progress = useRequest(() => staffApi.myProgress());
  return (
    <StateView loading={progress.loading} error={progress.error} data={progress.data} onRetry={() => void progress.reload()}>
      {(data) => (
        <View className='card' data-testid='home-progress'>
          <Text className='card-title'>我的消费用户</Text>
          <Text className='big-number'>{data.consumers}</Text>
          <Text className='muted'>{` / ${data.goal} 位，还差 ${data.remaining} 位`}</Text>
          <ProgressBar percent={data.progress * 100} />
        </View>
      )}
    </StateView>
  );
}

function StaffHomeBody() {
  const staff = currentSession()?.staff ?? null;
  const role = staffRole();
  const store = useRequest(() => (staff?.storeId ? api.store(staff.storeId) : Promise.resolve(null)));
  const signOut = async () => {
    await api.logout().catch(() => undefined);
    logout();
    void Taro.reLaunch({ url: '/pages/landing/index' });
  };
  return (
    <>
      <View className='card'>
        <Text className='card-title'>{`${greeting()}，${staff?.name ?? ''}`}</Text>
        <Text className='muted' data-testid='home-role'>{`${role ? ROLE_TEXT[role] : ''}${store.data ? ` · ${store.data.name}` : ''}`}</Text>
      </View>
      {role === 'advisor' ? <AdvisorToday /> : null}
      <View className='card'>
        {pagesFor(role)
          .filter((page) => page.key !== 'home')
          .map((page) => (
            <View key={page.key} className='work-item' onClick={() => go(page.url)} data-testid={`home-link-${page.key}`}>
              <View>
                <Text className='text-body'>{page.title}</Text>
                <View>
                  <Text className='caption'>{page.hint}</Text>
                </View>
              </View>
              <Text className='muted'>›</Text>
            </View>
          ))}
      </View>
      <View className='card'>
        <Btn block variant='plain' onClick={() => void signOut()}>
          退出登录
        </Btn>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function StaffHome() {
  return (
    <StaffPage page='home' nav={false}>
      <StaffHomeBody />
    </StaffPage>
  );
}
