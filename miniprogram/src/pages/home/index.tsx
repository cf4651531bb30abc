import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { Btn } from '../../components/button';
import { CardHeader } from '../../components/card-header';
import { COLORS, Icon, type IconName } from '../../components/icon';
import { ProgressBar } from '../../components/progress-bar';
import { ErrorState, LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type MyCheckin, type MyInterests, type MySubscriptions, type MyTasks, type PointBalance } from '../../services/api';
import { errorText } from '../../services/errors';
import { formatDate, greeting, weekdayText, yuan } from '../../services/format';
import { go, toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';
import { groupTasks, type TaskView } from '../../services/task-display';

function PointsCard({ points }: { points: PointBalance }) {
  return (
    <View className='card' data-testid='points-card' onClick={() => go(ROUTES.points)}>
      <View className='row'>
        <View className='grow'>
          <Text className='muted block'>可用积分</Text>
          <Text className='big-number block' data-testid='points-available'>
            {points.available}
          </Text>
        </View>
        <View className='card-extra'>
          <Text>积分明细</Text>
          <Icon name='chevron' color='#c9cdd4' size={32} />
        </View>
      </View>
      {points.pending > 0 ? <Text className='muted block'>{`待到账 ${points.pending} 积分（邻居完成首单后到账）`}</Text> : null}
      {points.expiringSoonTotal > 0 ? (
        <View className='notice' data-testid='points-expiring'>
          <Icon name='clock' color={COLORS.warn} size={32} />
          <Text className='notice-text'>{`${points.expiringSoonTotal} 积分将于 ${formatDate(points.expiringSoon[0]?.expiresAt)} 起陆续过期，快去兑换吧`}</Text>
        </View>
      ) : null}
    </View>
  );
}

function CheckinCard({ checkin, onCheckedIn }: { checkin: MyCheckin; onCheckedIn: () => void }) {
  const [busy, setBusy] = useState(false);
  const checkIn = async () => {
    setBusy(true);
    try {
      const outcome = await api.checkIn();
      toast(outcome.pointsEarned > 0 ? `签到成功 +${outcome.pointsEarned} 积分` : outcome.status === 'checked_in' ? '签到成功' : '今天已经签到过了');
      onCheckedIn();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const done = checkin.checkedInToday;
  return (
    <View className='card' data-testid='checkin-card'>
      <View className='row'>
        <View className='row-start grow'>
          <View className='icon-badge icon-badge-green'>
            <Icon name='calendar' size={48} />
          </View>
          <View className='gap-16 grow'>
            <Text className='text-title block'>每日签到</Text>
            <Text className='muted block' data-testid='checkin-streak'>
              {checkin.streak > 0 ? `已连续签到 ${checkin.streak} 天` : '今天还没签到'}
            </Text>
          </View>
        </View>
        <Btn small disabled={done || busy} onClick={() => void checkIn()} testId='checkin-button'>
          {done ? '今日已签到' : busy ? '签到中…' : checkin.rewardPoints > 0 ? `签到 +${checkin.rewardPoints}` : '签到'}
        </Btn>
      </View>
      <View className='week'>
        {checkin.week.map((entry) => (
          <View className='week-day' key={entry.day}>
            <View className={`week-dot ${entry.checkedIn ? 'week-dot-on' : ''}`}>
              {entry.checkedIn ? <Icon name='check' color={COLORS.white} size={32} /> : <Text>{entry.day.slice(8)}</Text>}
            </View>
            <Text className='week-label'>{entry.day === checkin.today ? '今天' : weekdayText(entry.day)}</Text>
          </View>
        ))}
      </View>
      {checkin.todayVia === 'group' ? <Text className='caption block mt-8'>今天已在门店社群签到，与小程序签到是同一次</Text> : null}
    </View>
  );
}

const ENTRIES: { icon: IconName; text: string; url: string; badge: string; testId: string }[] = [
  { icon: 'gift', text: '积分兑换', url: ROUTES.rewards, badge: 'icon-badge-orange', testId: 'nav-rewards' },
  { icon: 'ticket', text: '我的券', url: ROUTES.coupons, badge: 'icon-badge-red', testId: 'nav-coupons' },
  { icon: 'invite', text: '邀请邻居', url: ROUTES.invite, badge: 'icon-badge-green', testId: 'nav-invite' },
  { icon: 'tag', text: '今日特惠', url: ROUTES.offers, badge: 'icon-badge-blue', testId: 'nav-offers' },
];
const ENTRY_COLORS: Record<string, string> = { 'icon-badge-orange': COLORS.warn, 'icon-badge-red': COLORS.price, 'icon-badge-green': COLORS.brand, 'icon-badge-blue': '#3370ff' };

function QuickEntries() {
  return (
    <View className='card grid card-grid'>
      {ENTRIES.map((entry) => (
        <View className='grid-item' key={entry.url} onClick={() => go(entry.url)} data-testid={entry.testId}>
          <View className={`icon-badge ${entry.badge}`}>
            <Icon name={entry.icon} color={ENTRY_COLORS[entry.badge]} size={48} />
          </View>
          <Text className='grid-item-text'>{entry.text}</Text>
        </View>
      ))}
    </View>
  );
}

/** 邻里圈: what neighbours post and 晒单, one tap from home (it is also a tab). */
function FeedEntry() {
  return (
    <View className='card' data-testid='home-feed-entry' onClick={() => go(ROUTES.feed)}>
      <View className='row'>
        <View className='row-start grow'>
          <View className='icon-badge icon-badge-green'>
            <Icon name='neighbours' size={48} />
          </View>
          <View className='gap-16 grow'>
            <Text className='text-title block'>邻里圈</Text>
            <Text className='muted block'>看看邻居们在晒什么，发帖、晒单、评论</Text>
          </View>
        </View>
        <Icon name='chevron' color='#c9cdd4' size={32} />
      </View>
    </View>
  );
}

function TaskRow({ view, busy, onCheckin }: { view: TaskView; busy: boolean; onCheckin: () => void }) {
  const { action } = view;
  const act = () => {
    if (action.kind === 'go') go(action.url);
    else if (action.kind === 'checkin') onCheckin();
  };
  const actionable = action.kind === 'go' || action.kind === 'checkin';
  return (
    <View className='list-row' data-testid='task' data-state={view.task.state} data-event={view.task.eventType} onClick={actionable ? act : undefined}>
      <View className='grow'>
        <View className='row-start wrap'>
          <Text className='text-body weight-500'>
            {view.title}
          </Text>
          {view.rewardText ? <Text className='tag tag-warn'>{view.rewardText}</Text> : null}
          {view.deadlineText ? <Text className='tag tag-grey'>{view.deadlineText}</Text> : null}
        </View>
        {view.description ? <Text className='muted block mt-8'>{view.description}</Text> : null}
        {action.kind !== 'done' && view.task.target > 1 ? (
          <View className='row-start'>
            <View className='grow'>
              <ProgressBar percent={view.percent} />
            </View>
            <Text className='caption gap-16'>{view.progressText}</Text>
          </View>
        ) : null}
        {action.kind === 'hint' ? <Text className='caption block mt-8'>{`下一步：${action.label}`}</Text> : null}
      </View>
      <View className='gap-16 shrink-0 pt-4'>
        {actionable ? (
          <Btn small variant='plain' disabled={busy} testId='task-do' onClick={act}>
            {action.label}
          </Btn>
        ) : action.kind === 'done' ? (
          <Text className='stamp'>{action.label}</Text>
        ) : null}
      </View>
    </View>
  );
}

function TasksCards({ tasks, checkingIn, onCheckin }: { tasks: MyTasks; checkingIn: boolean; onCheckin: () => void }) {
  const groups = groupTasks(tasks);
  if (groups.length === 0) return null;
  return (
    <View data-testid='tasks'>
      {groups.map((group) => (
        <View className='card' key={group.kind} data-testid={`task-group-${group.kind}`}>
          <CardHeader title={group.title} extra={<Text className='card-extra'>{`已完成 ${group.completed}/${group.tasks.length}`}</Text>} />
          {group.kind === 'newbie' ? <ProgressBar percent={(group.completed / Math.max(1, group.tasks.length)) * 100} /> : null}
          {group.tasks.map((view) => (
            <TaskRow key={view.id} view={view} busy={checkingIn} onCheckin={onCheckin} />
          ))}
        </View>
      ))}
    </View>
  );
}

function InterestsCard({ interests }: { interests: MyInterests }) {
  if (interests.products.length === 0) return null;
  return (
    <View className='card' data-testid='interests'>
      <View className='card-header'>
        <Text className='card-title'>{interests.title}</Text>
        <View className='card-extra' onClick={() => go(ROUTES.offers)}>
          <Text>今日特惠</Text>
          <Icon name='chevron' color='#c9cdd4' size={32} />
        </View>
      </View>
      {interests.products.slice(0, 6).map((product) => (
        <View className='list-row' key={product.productId} data-testid='interest-product'>
          <Icon name='box' color={COLORS.muted} size={40} />
          <View className='grow gap-16'>
            <Text className='text-body block ellipsis'>{product.name}</Text>
            <Text className='caption block'>{product.category}</Text>
          </View>
          <Text className='price gap-16'>{yuan(product.priceCents)}</Text>
        </View>
      ))}
    </View>
  );
}

/** One-time subscribe messages: each 允许 lets the store send one reminder of that kind. */
function SubscriptionsCard({ subscriptions, onChange }: { subscriptions: MySubscriptions; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  if (subscriptions.length === 0) return null;
  const subscribe = async () => {
    setBusy(true);
    const requestId = `sub-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    try {
      const ids = subscriptions.map((entry) => entry.template.id);
      const answer = (await Taro.requestSubscribeMessage({ tmplIds: ids, entityIds: [] } as never)) as unknown as Record<string, string>;
      let accepted = 0;
      for (const id of ids) {
        const result = answer[id] === 'accept' ? 'accept' : 'reject';
        await api.reportSubscription(id, result, `${requestId}-${ids.indexOf(id)}`);
        if (result === 'accept') accepted += 1;
      }
      toast(accepted > 0 ? `已订阅 ${accepted} 类提醒` : '未订阅提醒');
      onChange();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='card' data-testid='subscriptions'>
      <CardHeader title='消息提醒' icon='bell' iconColor={COLORS.muted} iconSize={40} />
      {subscriptions.map((entry) => (
        <View className='row row-64' key={entry.template.id} data-testid='subscription'>
          <Text className='text-body grow'>{entry.template.title}</Text>
          <Text className='muted gap-16'>{entry.unusedGrants > 0 ? `还可接收 ${entry.unusedGrants} 条` : '未订阅'}</Text>
        </View>
      ))}
      {isH5 ? (
        <Text className='caption block mt-8'>请在微信小程序中订阅提醒</Text>
      ) : (
        <View className='mt-16'>
          <Btn small disabled={busy} onClick={() => void subscribe()}>
            订阅提醒
          </Btn>
        </View>
      )}
    </View>
  );
}

export default function Home() {
  const allowed = useResidentPage();
  const me = useRequest(() => api.me(), [], allowed);
  const points = useRequest(() => api.points(), [], allowed);
  const tasks = useRequest(() => api.tasks(), [], allowed);
  const checkin = useRequest(() => api.checkin(), [], allowed);
  const storeId = me.data?.storeId ?? null;
  const store = useRequest(() => (storeId ? api.store(storeId) : Promise.resolve(null)), [storeId], allowed && me.data !== null);
  const interests = useRequest(() => api.myInterests(), [], allowed);
  const subscriptions = useRequest(() => api.mySubscriptions(), [], allowed);
  const [checkingIn, setCheckingIn] = useState(false);
  const firstShow = useRef(true);

  const refreshProgress = () => Promise.all([points.reload(), tasks.reload(), checkin.reload()]);
  useDidShow(() => {
    if (firstShow.current) {
      firstShow.current = false;
      return;
    }
    if (allowed) void refreshProgress();
  });
  usePullDownRefresh(() => {
    void Promise.all([refreshProgress(), me.reload(), store.reload(), interests.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  const checkInFromTask = async () => {
    setCheckingIn(true);
    try {
      const outcome = await api.checkIn();
      toast(outcome.pointsEarned > 0 ? `签到成功 +${outcome.pointsEarned} 积分` : '今天已经签到过了');
      await refreshProgress();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setCheckingIn(false);
    }
  };

  if (!allowed) return <View className='page'><LoadingState /></View>;
  const nickname = me.data?.nickname;
  return (
    <View className='page-flush' data-testid='page-home'>
      <View className='hero'>
        <Text className='hero-title'>{`${greeting()}${nickname ? `，${nickname}` : ''}`}</Text>
        <View className='hero-chip' onClick={() => go(ROUTES.store)} data-testid='home-store'>
          <Icon name='store' color={COLORS.white} size={32} />
          <Text className='gap-8'>{store.data ? `${store.data.name} · ${store.data.openNow ? '营业中' : '休息中'}` : '选择我的门店'}</Text>
          <Icon name='chevron' color={COLORS.white} size={32} />
        </View>
      </View>
      <View className='overlap'>
        <StateView loading={points.loading} error={points.error} data={points.data} onRetry={() => void points.reload()} skeletonRows={1}>
          {(data) => <PointsCard points={data} />}
        </StateView>
        {checkin.error ? <ErrorState error={checkin.error} onRetry={() => void checkin.reload()} /> : null}
        {checkin.data ? <CheckinCard checkin={checkin.data} onCheckedIn={() => void refreshProgress()} /> : null}
        <QuickEntries />
        <FeedEntry />
        <StateView loading={tasks.loading} error={tasks.error} data={tasks.data} onRetry={() => void tasks.reload()}>
          {(data) => <TasksCards tasks={data} checkingIn={checkingIn} onCheckin={() => void checkInFromTask()} />}
        </StateView>
        {interests.data ? <InterestsCard interests={interests.data} /> : null}
        {subscriptions.data ? <SubscriptionsCard subscriptions={subscriptions.data} onChange={() => void subscriptions.reload()} /> : null}
      </View>
    </View>
  );
}
