import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { StaffPage } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { yuan } from '../../../services/format';
import { chinaDay, staffApi, type Group, type GroupStatsRange } from '../../../services/staff-api';
import { ColumnChart } from '../components/charts';
import '../staff.css';

const RANGES = [7, 14] as const;

function shortDay(day: string): string {
  const [, month, date] = day.split('-').map(Number);
  return `${month}/${date}`;
}

type StatsDay = GroupStatsRange['days'][number];

/**
 * Residents' questions over the range: how many the bot answered and how many it passed to staff
 * (hand-off tickets), as a chart of all questions with the answered share inside, and the days
 * that had questions as exact figures.
 */
function QuestionsSection({ list, sampled }: { list: StatsDay[]; sampled: StatsDay[] }) {
  const answered = list.reduce((total, day) => total + day.questionsAnswered, 0);
  const toStaff = list.reduce((total, day) => total + day.questionsToStaff, 0);
  const asked = list.filter((day) => day.questionsAnswered + day.questionsToStaff > 0);
  return (
    <View data-testid='group-questions'>
      <Text className='section-title'>居民提问</Text>
      {answered + toStaff === 0 ? (
        <View className='chart chart-empty' data-testid='group-questions-empty'>
          <Text className='caption'>这段时间群里还没有居民提问：小助手答复的和转交店员的问题都会记在这里</Text>
        </View>
      ) : (
        <View>
          <Text className='caption' data-testid='group-questions-total'>{`小助手答复 ${answered} · 转交店员 ${toStaff}（自助答复率 ${Math.round((answered / (answered + toStaff)) * 100)}%）`}</Text>
          <ColumnChart
            testId='group-questions-chart'
            unit='个'
            outerLabel='提问'
            innerLabel='小助手答复'
            points={sampled.map((day) => ({ label: shortDay(day.day), value: day.questionsAnswered + day.questionsToStaff, inner: day.questionsAnswered }))}
          />
          <View className='table-row table-head'>
            <Text className='table-cell-name'>日期</Text>
            <Text className='table-cell'>小助手答复</Text>
            <Text className='table-cell'>转交店员</Text>
          </View>
          {asked.map((day) => (
            <View key={day.day} className='table-row' data-testid='group-questions-day' data-day={day.day}>
              <Text className='table-cell-name'>{shortDay(day.day)}</Text>
              <Text className='table-cell' data-testid='group-questions-answered'>{`${day.questionsAnswered} 个`}</Text>
              <Text className='table-cell' data-testid='group-questions-to-staff'>{`${day.questionsToStaff} 个`}</Text>
            </View>
          ))}
        </View>
      )}
    </View>
  );
}

/** One group's days over the range, from the group stats range endpoint (the same counts as the bot's `统计`). */
function GroupCard({ group, days }: { group: Group; days: number }) {
  const stats = useRequest(() => staffApi.groupStatsRange(group.id, chinaDay(1 - days), chinaDay(0)), [group.id, days]);
  return (
    <View className='card' data-testid='group-card'>
      <View className='row'>
        <Text className='card-title' style={{ marginBottom: 0 }}>{group.topic}</Text>
        <Text className='tag'>{`${group.memberCount} 人`}</Text>
      </View>
      <StateView loading={stats.loading} error={stats.error} data={stats.data} onRetry={() => void stats.reload()}>
        {(range: GroupStatsRange) => {
          const list = range.days;
          const sum = (pick: (day: StatsDay) => number) => list.reduce((total, day) => total + pick(day), 0);
          const step = Math.ceil(list.length / 7);
          const sampled = list.filter((_, index) => (list.length - 1 - index) % step === 0);
          return (
            <View>
              <View className='kv'>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='group-joins'>{`+${sum((d) => d.joins)}`}</Text>
                  <Text className='caption'>{`入群 / 退群 ${sum((d) => d.leaves)}`}</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='group-messages'>{sum((d) => d.messages)}</Text>
                  <Text className='caption'>条发言</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number' data-testid='group-checkins'>{sum((d) => d.checkins)}</Text>
                  <Text className='caption'>次签到</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number'>{sum((d) => d.moderationActions)}</Text>
                  <Text className='caption'>次违规处理</Text>
                </View>
                <View className='kv-item'>
                  <Text className='kv-number'>{list[list.length - 1]?.activeMembers ?? 0}</Text>
                  <Text className='caption'>今日发言人数</Text>
                </View>
                <View className='kv-item' data-testid='group-orders'>
                  <Text className='kv-number' data-testid='group-orders-count'>{sum((d) => d.ordersCredited)}</Text>
                  <Text className='caption'>笔群内订单</Text>
                </View>
              </View>
              <Text className='caption' data-testid='group-orders-note'>{`群内订单共 ${yuan(sum((d) => d.revenueCreditedCents))}：居民点开本群的群发卡片或群里的分享后，在时限内下的单（退款不算）`}</Text>
              <Text className='section-title'>每日发言与签到</Text>
              <ColumnChart
                testId='group-chart'
                unit='条'
                outerLabel='发言'
                innerLabel='签到占比'
                points={sampled.map((day) => ({ label: shortDay(day.day), value: day.messages, inner: Math.min(day.checkins, day.messages) }))}
              />
              <QuestionsSection list={list} sampled={sampled} />
            </View>
          );
        }}
      </StateView>
    </View>
  );
}

function GroupsBody() {
  const groups = useRequest(() => staffApi.groups());
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  return (
    <>
      <View className='card row'>
        <Text>统计范围</Text>
        <View className='segmented segmented-inline'>
          {RANGES.map((range) => (
            <View key={range} className={`segment ${range === days ? 'segment-on' : ''}`} onClick={() => setDays(range)} data-testid={`groups-range-${range}`}>
              <Text>{`近 ${range} 天`}</Text>
            </View>
          ))}
        </View>
      </View>
      <StateView loading={groups.loading} error={groups.error} data={groups.data} onRetry={() => void groups.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有绑定的社群：在群里发送店长生成的绑定码即可绑定'>
        {(list) => (
          <View>
            {list.map((group) => (
              <GroupCard key={`${group.id}:${days}`} group={group} days={days} />
            ))}
          </View>
        )}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Groups() {
  return (
    <StaffPage page='groups'>
      <GroupsBody />
    </StaffPage>
  );
}
