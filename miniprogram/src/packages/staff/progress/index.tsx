import { Text, View } from '@tarojs/components';
import { DEFAULT_ADVISOR_GOAL } from '@o2o/shared/schemas/staff';
import { ProgressBar } from '../../../components/progress-bar';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { percentText } from '../../../services/format';
import { currentSession } from '../../../services/session';

interface ProgressView {
  goal: number;
  consumers: number | null;
  newSignups: number | null;
  conversion: number | null;
  residents: number;
  fromMetrics: boolean;
}

interface CommunityRow {
  id: string;
  name: string;
  households: number;
  registered: number | null;
  rate: number | null;
  note: string;
}

async function loadProgress(): Promise<ProgressView> {
  const staff = currentSession()?.staff;
  const [metrics, residents] = await Promise.all([api.advisorProgress().catch(() => null), api.residents({ limit: 1 })]);
  return {
    goal: metrics?.goal ?? staff?.goalConsumerUsers ?? DEFAULT_ADVISOR_GOAL,
    consumers: metrics?.consumers ?? null,
    newSignups: metrics?.newSignups ?? null,
    conversion: metrics?.conversion7.rate ?? null,
    residents: residents.total,
    fromMetrics: metrics !== null,
  };
}

/** Penetration from the metrics endpoint when it exists, else the served communities by unowned sections. */
async function loadCommunities(): Promise<CommunityRow[]> {
  const storeId = currentSession()?.staff?.storeId;
  if (!storeId) return [];
  const penetration = await api.penetration(storeId).catch(() => null);
  if (penetration) {
    return penetration.communities.map((community) => ({
      id: community.id,
      name: community.name,
      households: community.households,
      registered: community.registered,
      rate: community.registeredRate,
      note: `消费用户 ${community.consumers} · 消费渗透 ${percentText(community.consumerRate)}`,
    }));
  }
  const communities = await api.storeCommunities(storeId);
  return communities.map((community) => ({
    id: community.id,
    name: community.name,
    households: community.households,
    registered: null,
    rate: null,
    note: `${(community as { distanceKm?: number }).distanceKm?.toFixed(1) ?? '—'} km`,
  }));
}

export default function StaffProgress() {
  const progress = useRequest(loadProgress);
  const communities = useRequest(loadCommunities);
  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-progress'>
        <StaffNav current={ROUTES.staffProgress} />
        <StateView loading={progress.loading} error={progress.error} data={progress.data} onRetry={() => void progress.reload()}>
          {(data) => (
            <View className='card' data-testid='staff-progress'>
              <Text className='card-title'>我的目标</Text>
              {data.consumers !== null ? (
                <View>
                  <Text className='big-number'>{data.consumers}</Text>
                  <Text className='muted'>{` / ${data.goal} 消费用户`}</Text>
                  <ProgressBar percent={(data.consumers / data.goal) * 100} />
                </View>
              ) : (
                <View>
                  <Text className='big-number' data-testid='staff-residents'>{data.residents}</Text>
                  <Text className='muted'>{` 位注册居民 · 目标 ${data.goal} 消费用户`}</Text>
                  <ProgressBar percent={(data.residents / data.goal) * 100} />
                </View>
              )}
              <View className='row'>
                <Text className='muted'>{`我带来的居民 ${data.residents}`}</Text>
                {data.newSignups !== null ? <Text className='muted'>{`新注册 ${data.newSignups}`}</Text> : null}
                {data.fromMetrics ? <Text className='muted'>{`首单转化 ${percentText(data.conversion)}`}</Text> : null}
              </View>
              {!data.fromMetrics ? <Text className='muted'>转化数据统计中，稍后可见</Text> : null}
            </View>
          )}
        </StateView>
        <View className='card'>
          <Text className='card-title'>我的小区（渗透难度从高到低）</Text>
          <StateView loading={communities.loading} error={communities.error} data={communities.data} onRetry={() => void communities.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有负责的小区'>
            {(list) => (
              <View>
                {list.map((row) => (
                  <View key={row.id} className='row' data-testid='staff-community'>
                    <View>
                      <Text>{row.name}</Text>
                      <View>
                        <Text className='muted'>{`${row.households} 户 · ${row.note}`}</Text>
                      </View>
                    </View>
                    <Text className='tag'>{row.rate !== null ? `渗透 ${percentText(row.rate)}` : `${row.registered ?? '—'}`}</Text>
                  </View>
                ))}
              </View>
            )}
          </StateView>
        </View>
      </View>
    </StaffOnly>
  );
}
