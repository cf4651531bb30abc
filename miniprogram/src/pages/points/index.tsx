import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { useState } from 'react';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type PointEntry } from '../../services/api';
import { errorText } from '../../services/errors';
import { formatDate, formatDateTime } from '../../services/format';
import { go, toast } from '../../services/navigation';

function EntryRow({ entry }: { entry: PointEntry }) {
  const amount = entry.amount !== 0 ? entry.amount : entry.pendingAmount;
  const held = entry.amount === 0 && entry.pendingAmount !== 0;
  return (
    <View className='list-row' data-testid='point-entry'>
      <View className='grow'>
        <Text className='text-body block'>{entry.note}</Text>
        <Text className='caption block'>
          {formatDateTime(entry.createdAt)}
          {entry.expiresAt && entry.amount > 0 ? ` · ${formatDate(entry.expiresAt)}到期` : ''}
        </Text>
        {held ? <Text className='tag tag-grey ml-0'>{entry.hold === 'cancelled' ? '已取消' : '待到账'}</Text> : null}
      </View>
      <Text className={amount >= 0 ? 'text-title brand gap-16' : 'text-title gap-16'}>{amount > 0 ? `+${amount}` : String(amount)}</Text>
    </View>
  );
}

export default function PointsHistory() {
  const allowed = useResidentPage();
  const balance = useRequest(() => api.points(), [], allowed);
  const history = useRequest(() => api.pointHistory(), [], allowed);
  const [more, setMore] = useState<PointEntry[]>([]);
  const [cursor, setCursor] = useState<number | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const nextBefore = cursor === undefined ? (history.data?.nextBefore ?? null) : cursor;

  usePullDownRefresh(() => {
    setMore([]);
    setCursor(undefined);
    void Promise.all([balance.reload(), history.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  const loadMore = async () => {
    if (!nextBefore) return;
    setLoadingMore(true);
    try {
      const page = await api.pointHistory(nextBefore);
      setMore((items) => [...items, ...page.items]);
      setCursor(page.nextBefore ?? null);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setLoadingMore(false);
    }
  };

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-points'>
      <StateView loading={balance.loading} error={balance.error} data={balance.data} onRetry={() => void balance.reload()} skeletonRows={1}>
        {(data) => (
          <View className='card'>
            <View className='row'>
              <View>
                <Text className='muted block'>可用积分</Text>
                <Text className='big-number block'>{data.available}</Text>
              </View>
              <Btn small onClick={() => go(ROUTES.rewards)}>
                去兑换
              </Btn>
            </View>
            {data.pending > 0 ? <Text className='muted block mt-8'>{`待到账 ${data.pending} 积分：邀请的邻居完成首单后到账`}</Text> : null}
            {data.expiringSoon.length > 0 ? (
              <View className='notice' data-testid='points-expiring-list'>
                <Icon name='clock' color={COLORS.warn} size={32} />
                <View className='notice-text'>
                  {data.expiringSoon.map((lot) => (
                    <Text className='block' key={lot.expiresAt}>{`${lot.amount} 积分将于 ${formatDate(lot.expiresAt)} 过期`}</Text>
                  ))}
                </View>
              </View>
            ) : (
              <Text className='caption block mt-8'>近期没有即将过期的积分</Text>
            )}
          </View>
        )}
      </StateView>
      <View className='card'>
        <Text className='card-title'>积分明细</Text>
        <StateView
          loading={history.loading}
          error={history.error}
          data={history.data}
          onRetry={() => void history.reload()}
          isEmpty={(page) => page.items.length === 0}
          emptyText='还没有积分记录，去完成任务赚积分吧'
          emptyAction={{ label: '去做任务', onClick: () => go(ROUTES.home) }}
        >
          {(page) => (
            <View>
              {[...page.items, ...more].map((entry) => (
                <EntryRow key={entry.id} entry={entry} />
              ))}
              {nextBefore ? (
                <View className='center mt-16'>
                  <Btn small variant='plain' disabled={loadingMore} onClick={() => void loadMore()}>
                    {loadingMore ? '加载中…' : '加载更多'}
                  </Btn>
                </View>
              ) : (
                <Text className='caption block center mt-16'>没有更多了</Text>
              )}
            </View>
          )}
        </StateView>
      </View>
    </View>
  );
}
