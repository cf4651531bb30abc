import { Button, Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { ProgressBar } from '../../components/progress-bar';
import { StateView, errorText } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { api, type MyInterests, type MySubscriptions, type MyTasks, type PointBalance, type Store } from '../../services/api';
import { formatDate, yuan } from '../../services/format';
import { go, toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';
import { isStaffSession } from '../../services/session';
import { groupTasks, nextTask, type TaskView } from '../../services/task-display';

function PointsCard({ points }: { points: PointBalance }) {
  return (
    <View className='card' data-testid='points-card' onClick={() => go(ROUTES.points)}>
      <View className='row'>
        <View>
          <Text className='muted'>我的积分</Text>
          <View>
            <Text className='big-number' data-testid='points-available'>{points.available}</Text>
          </View>
        </View>
        <Text className='muted'>积分明细 ›</Text>
      </View>
      {points.pending > 0 ? <Text className='muted'>{`待到账 ${points.pending} 积分  `}</Text> : null}
      {points.expiringSoonTotal > 0 ? (
        <Text className='warn' data-testid='points-expiring'>
          {`${points.expiringSoonTotal} 积分即将过期（最早 ${formatDate(points.expiringSoon[0]?.expiresAt)}），快去兑换吧`}
        </Text>
      ) : null}
    </View>
  );
}

function TaskRow({ view, busy, onDo }: { view: TaskView; busy: boolean; onDo: (view: TaskView) => void }) {
  return (
    <View className='choice' data-testid='task' data-state={view.task.state}>
      <View className='row'>
        <View style={{ flex: 1 }}>
          <Text>{view.title}</Text>
          {view.rewardText ? <Text className='tag'>{view.rewardText}</Text> : null}
          {view.deadlineText ? <Text className='tag tag-grey'>{view.deadlineText}</Text> : null}
        </View>
        {view.action.kind === 'do_here' ? (
          <Button className='btn btn-small' data-testid='task-do' disabled={busy} onClick={() => onDo(view)}>
            {view.action.label}
          </Button>
        ) : (
          <Text className='muted'>{view.action.kind === 'done' ? view.action.label : view.progressText}</Text>
        )}
      </View>
      {view.description ? <Text className='muted'>{view.description}</Text> : null}
      {view.action.kind !== 'done' ? <ProgressBar percent={view.percent} /> : null}
      {view.action.kind === 'hint' ? <Text className='muted'>{`下一步：${view.action.label}`}</Text> : null}
    </View>
  );
}

function TasksCard({ tasks, onDone }: { tasks: MyTasks; onDone: () => void }) {
  const [busyId, setBusyId] = useState<string | null>(null);
  const groups = groupTasks(tasks);
  const next = nextTask(groups);
  const doTask = async (view: TaskView) => {
    if (view.action.kind !== 'do_here') return;
    setBusyId(view.id);
    try {
      await api.reportTaskEvent(view.action.eventType, `task:${view.id}:${view.task.periodKey}`);
      toast(view.rewardText ? `任务完成 ${view.rewardText}` : '任务完成', 'none');
      onDone();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusyId(null);
    }
  };
  if (groups.length === 0) return <View className='card state'>暂无任务</View>;
  return (
    <View data-testid='tasks'>
      {next ? (
        <View className='card'>
          <Text className='muted'>下一步</Text>
          <Text className='card-title'>{`${next.title}：${next.action.kind === 'hint' ? next.action.label : next.action.label}`}</Text>
        </View>
      ) : null}
      {groups.map((group) => (
        <View className='card' key={group.kind} data-testid={`task-group-${group.kind}`}>
          <View className='row'>
            <Text className='card-title'>{group.title}</Text>
            <Text className='muted'>{`${group.completed}/${group.tasks.length} 已完成`}</Text>
          </View>
          {group.tasks.map((view) => (
            <TaskRow key={view.id} view={view} busy={busyId === view.id} onDo={(task) => void doTask(task)} />
          ))}
        </View>
      ))}
    </View>
  );
}

function StoreCard({ store }: { store: Store }) {
  const { delivery } = store;
  return (
    <View className='card' data-testid='store-card'>
      <View className='row'>
        <Text className='card-title'>{store.name}</Text>
        <Text className={store.openNow ? 'tag' : 'tag tag-grey'}>{store.openNow ? '营业中' : '休息中'}</Text>
      </View>
      <Text className='muted'>{`营业时间：${store.hoursText}`}</Text>
      <View>
        <Text className='muted'>
          {`配送：${delivery.radiusKm} 公里内，起送 ${yuan(delivery.minOrderCents)}，配送费 ${yuan(delivery.feeCents)}${delivery.freeAboveCents !== null ? `，满 ${yuan(delivery.freeAboveCents)} 免配送费` : ''}`}
        </Text>
      </View>
      <View>
        <Text className='muted'>{`地址：${store.address}`}</Text>
      </View>
      <View className='row'>
        <Text className='muted'>加入门店社群，特惠和配送通知第一时间收到</Text>
        <Button className='btn btn-small btn-plain' onClick={() => void Taro.makePhoneCall({ phoneNumber: store.contactPhone }).catch(() => undefined)}>
          联系门店
        </Button>
      </View>
    </View>
  );
}

function InterestsCard({ interests }: { interests: MyInterests }) {
  if (interests.products.length === 0) return null;
  return (
    <View className='card' data-testid='interests'>
      <Text className='card-title'>{interests.title}</Text>
      {interests.products.slice(0, 6).map((product) => (
        <View className='row' key={product.productId} data-testid='interest-product'>
          <Text>{product.name}</Text>
          <Text className='muted'>{`${product.category} · ${yuan(product.priceCents)}`}</Text>
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
      toast(accepted > 0 ? `已订阅 ${accepted} 类提醒` : '未订阅提醒', 'none');
      onChange();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='card' data-testid='subscriptions'>
      <Text className='card-title'>消息提醒</Text>
      {subscriptions.map((entry) => (
        <View className='row' key={entry.template.id} data-testid='subscription'>
          <Text>{entry.template.title}</Text>
          <Text className='muted'>{entry.unusedGrants > 0 ? `还可接收 ${entry.unusedGrants} 条` : '未订阅'}</Text>
        </View>
      ))}
      {isH5 ? (
        <Text className='muted'>请在微信小程序中订阅提醒</Text>
      ) : (
        <Button className='btn btn-small' disabled={busy} onClick={() => void subscribe()}>
          订阅提醒
        </Button>
      )}
    </View>
  );
}

export default function Home() {
  const points = useRequest(() => api.points());
  const tasks = useRequest(() => api.tasks());
  const store = useRequest(async () => {
    const me = await api.me();
    return me.storeId ? api.store(me.storeId) : null;
  });
  const interests = useRequest(() => api.myInterests());
  const subscriptions = useRequest(() => api.mySubscriptions());
  const firstShow = useRef(true);

  const reloadAll = async () => {
    await Promise.all([points.reload(), tasks.reload(), store.reload()]);
  };
  useDidShow(() => {
    if (firstShow.current) {
      firstShow.current = false;
      return;
    }
    void points.reload();
    void tasks.reload();
  });
  usePullDownRefresh(() => {
    void reloadAll().finally(() => Taro.stopPullDownRefresh());
  });

  return (
    <View className='page' data-testid='page-home'>
      <StateView loading={points.loading} error={points.error} data={points.data} onRetry={() => void points.reload()}>
        {(data) => <PointsCard points={data} />}
      </StateView>

      <View className='card grid'>
        <View className='grid-item' onClick={() => go(ROUTES.rewards)} data-testid='nav-rewards'>
          <Text>🎁 积分兑换</Text>
        </View>
        <View className='grid-item' onClick={() => go(ROUTES.coupons)} data-testid='nav-coupons'>
          <Text>🎫 我的券</Text>
        </View>
        <View className='grid-item' onClick={() => go(ROUTES.invite)} data-testid='nav-invite'>
          <Text>👋 邀请邻居</Text>
        </View>
        {isStaffSession() ? (
          <View className='grid-item' onClick={() => go(ROUTES.staffCodes)}>
            <Text>员工工作台</Text>
          </View>
        ) : null}
      </View>

      <StateView loading={tasks.loading} error={tasks.error} data={tasks.data} onRetry={() => void tasks.reload()}>
        {(data) => <TasksCard tasks={data} onDone={() => void Promise.all([tasks.reload(), points.reload()])} />}
      </StateView>

      {interests.data ? <InterestsCard interests={interests.data} /> : null}

      {subscriptions.data ? <SubscriptionsCard subscriptions={subscriptions.data} onChange={() => void subscriptions.reload()} /> : null}

      <StateView loading={store.loading} error={store.error} data={store.data === undefined ? null : store.data} onRetry={() => void store.reload()}>
        {(data) => (data ? <StoreCard store={data} /> : <View className='card muted'>还没有所属门店</View>)}
      </StateView>
    </View>
  );
}
