import { Text, View } from '@tarojs/components';
import { StaffPage } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { percentText } from '../../../services/format';
import { chinaDay, staffApi } from '../../../services/staff-api';
import { BarList } from '../components/charts';
import '../staff.css';

/** Each advisor's numbers over the same 30 days the advisor's own page shows, from the same metrics endpoint. */
function TeamBody() {
  const team = useRequest(() => staffApi.advisorsProgress(undefined, { from: chinaDay(-29), to: chinaDay(0) }));
  return (
    <>
      <StateView loading={team.loading} error={team.error} data={team.data} onRetry={() => void team.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有顾问'>
        {(list) => (
          <View>
            <View className='card'>
              <Text className='card-title'>距目标最远的在前</Text>
              <BarList
                testId='team-bars'
                rows={list.map((advisor) => ({ key: advisor.advisorId, label: advisor.name, share: advisor.progress, valueText: `${advisor.consumers} / ${advisor.goal}`, detail: `还差 ${advisor.remaining} 位消费用户` }))}
              />
            </View>
            <View className='card' data-testid='team-table'>
              <Text className='card-title'>近 30 天</Text>
              <View className='table-row table-head'>
                <Text className='table-cell-name'>顾问</Text>
                <Text className='table-cell'>消费用户</Text>
                <Text className='table-cell'>新注册</Text>
                <Text className='table-cell'>7 天转化</Text>
              </View>
              {list.map((advisor) => (
                <View key={advisor.advisorId} className='table-row' data-testid='team-row' data-advisor={advisor.advisorId}>
                  <Text className='table-cell-name ellipsis'>{advisor.name}</Text>
                  <Text className='table-cell' data-testid='team-consumers'>{advisor.consumers}</Text>
                  <Text className='table-cell' data-testid='team-signups'>{advisor.newSignups}</Text>
                  <Text className='table-cell'>{percentText(advisor.conversion7.rate)}</Text>
                </View>
              ))}
            </View>
          </View>
        )}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Team() {
  return (
    <StaffPage page='team'>
      <TeamBody />
    </StaffPage>
  );
}
