import { Text, View } from '@tarojs/components';
import { ProgressBar } from '../../../components/progress-bar';
import { StaffPage } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { percentText } from '../../../services/format';
import { currentSession } from '../../../services/session';
import { chinaDay, myCommunities, staffApi, type Conversion } from '../../../services/staff-api';
import { BarList, ColumnChart, type ColumnPoint } from '../components/charts';
import '../staff.css';

const WEEKS = 8;

/** The conversion endpoint's days summed into weeks, oldest first (the chart's columns). */
function weeklyPoints(conversion: Conversion): ColumnPoint[] {
  const points: ColumnPoint[] = [];
  for (let start = 0; start < conversion.days.length; start += 7) {
    const week = conversion.days.slice(start, start + 7);
    const [, month, day] = week[0].day.split('-').map(Number);
    points.push({ label: `${month}/${day}`, value: week.reduce((sum, d) => sum + d.registrations, 0), inner: week.reduce((sum, d) => sum + d.converted, 0) });
  }
  return points;
}

async function loadProgress() {
  const from = chinaDay(-(WEEKS * 7 - 1));
  const to = chinaDay(0);
  const [recent, trend] = await Promise.all([staffApi.myProgress({ from: chinaDay(-29), to }), staffApi.conversion(from, to, 7)]);
  return { recent, trend };
}

async function loadCommunities() {
  const staff = currentSession()?.staff;
  if (!staff?.storeId) return [];
  const [mine, penetration] = await Promise.all([myCommunities(staff.storeId, staff.id), staffApi.penetration({ storeId: staff.storeId })]);
  const owned = new Set(mine.map((entry) => entry.community.id));
  // The endpoint's order is hardest first (lowest consumer penetration); keep it.
  return penetration.communities.filter((community) => owned.has(community.id));
}

function StaffProgressBody() {
  const progress = useRequest(loadProgress);
  const communities = useRequest(loadCommunities);
  return (
    <>
      <StateView loading={progress.loading} error={progress.error} data={progress.data} onRetry={() => void progress.reload()}>
        {({ recent, trend }) => (
          <View>
            <View className='card' data-testid='staff-progress'>
              <Text className='card-title'>我的目标：消费用户</Text>
              <Text className='big-number' data-testid='progress-consumers'>{recent.consumers}</Text>
              <Text className='muted'>{` / ${recent.goal} 位消费用户（下过单的居民）`}</Text>
              <ProgressBar percent={recent.progress * 100} />
              <Text className='muted'>{`还差 ${recent.remaining} 位 · 只计扫你的顾问活动码或你分享的链接注册的居民`}</Text>
            </View>
            <View className='card'>
              <Text className='card-title'>近 30 天记给我的新用户</Text>
              <View className='kv'>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='progress-signups'>{recent.newSignups}</Text>
                  <Text className='caption'>新注册（人）</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='progress-converted'>{recent.conversion7.count}</Text>
                  <Text className='caption'>7 天内下首单（人）</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='progress-conversion'>{percentText(recent.conversion7.rate)}</Text>
                  <Text className='caption'>7 天首单转化率</Text>
                </View>
              </View>
            </View>
            <View className='card'>
              <Text className='card-title'>{`近 ${WEEKS} 周趋势`}</Text>
              <ColumnChart points={weeklyPoints(trend)} unit='人' outerLabel='每周新注册' innerLabel='其中 7 天内下首单' testId='progress-trend' />
              {trend.openCohortDays > 0 ? <Text className='caption'>{`最近 ${trend.openCohortDays} 天注册的居民还在 7 天窗口内，转化会继续上升`}</Text> : null}
            </View>
          </View>
        )}
      </StateView>
      <View className='card'>
        <Text className='card-title'>我负责的小区（最难渗透的在前）</Text>
        <Text className='caption'>注册渗透 = 注册居民 ÷ 户数；消费渗透 = 下过单的居民 ÷ 户数</Text>
        <StateView loading={communities.loading} error={communities.error} data={communities.data} onRetry={() => void communities.reload()} isEmpty={(list) => list.length === 0} emptyText='你还没有负责的片区，请联系店长分配'>
          {(list) => (
            <BarList
              testId='progress-communities'
              rows={list.map((community) => ({
                key: community.id,
                label: community.name,
                share: community.consumerRate,
                valueText: `消费渗透 ${percentText(community.consumerRate)}`,
                detail: `${community.households} 户 · 注册 ${community.registered} 户（注册渗透 ${percentText(community.registeredRate)}）· 消费 ${community.consumers} 户`,
              }))}
            />
          )}
        </StateView>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function StaffProgress() {
  return (
    <StaffPage page='progress'>
      <StaffProgressBody />
    </StaffPage>
  );
}
