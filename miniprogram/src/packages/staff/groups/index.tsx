import { Text, View } from '@tarojs/components';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { currentSession } from '../../../services/session';

interface GroupLike {
  id?: string;
  name?: string;
  topic?: string;
  botEnabled?: boolean;
  memberCount?: number;
}

function asList(data: unknown): GroupLike[] {
  if (Array.isArray(data)) return data as GroupLike[];
  const items = (data as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as GroupLike[]) : [];
}

/** The store's community groups; the groups API is still being built, so this degrades to a notice. */
export default function Groups() {
  const storeId = currentSession()?.staff?.storeId ?? '';
  const groups = useRequest(() => api.groups(storeId));
  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-groups'>
        <StaffNav current={ROUTES.staffGroups} />
        <StateView loading={groups.loading} error={groups.error} data={groups.loading ? null : { value: groups.data }} onRetry={() => void groups.reload()}>
          {({ value }) =>
            value === null ? (
              <View className='card state'>社群管理即将上线</View>
            ) : (
              <View className='card'>
                <Text className='card-title'>门店社群</Text>
                {asList(value).length === 0 ? <Text className='muted'>暂无社群</Text> : null}
                {asList(value).map((group, index) => (
                  <View key={group.id ?? index} className='row'>
                    <Text>{group.name ?? group.topic ?? '社群'}</Text>
                    <Text className={group.botEnabled === false ? 'tag tag-grey' : 'tag'}>{group.botEnabled === false ? '机器人已关闭' : '机器人运行中'}</Text>
                  </View>
                ))}
              </View>
            )
          }
        </StateView>
      </View>
    </StaffOnly>
  );
}
