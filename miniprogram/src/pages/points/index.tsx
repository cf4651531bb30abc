import { Button, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { StateView, errorText } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { api, type PointEntry } from '../../services/api';
import { formatDate, formatDateTime } from '../../services/format';
import { toast } from '../../services/navigation';

function EntryRow({ entry }: { entry: PointEntry }) {
  const amount = entry.amount !== 0 ? entry.amount : entry.pendingAmount;
  const held = entry.amount === 0 && entry.pendingAmount !== 0;
  return (
    <View className='row' data-testid='point-entry'>
      <View style={{ flex: 1 }}>
        <Text>{entry.note}</Text>
        <View>
          <Text className='muted'>{formatDateTime(entry.createdAt)}</Text>
          {entry.expiresAt && entry.amount > 0 ? <Text className='muted'>{`  ${formatDate(entry.expiresAt)}到期`}</Text> : null}
          {held ? <Text className='tag tag-grey'>{entry.hold === 'cancelled' ? '已取消' : '待到账'}</Text> : null}
        </View>
      </View>
      <Text className={amount >= 0 ? 'tag' : 'danger'}>{amount > 0 ? `+${amount}` : String(amount)}</Text>
    </View>
  );
}

export default function PointsHistory() {
  const balance = useRequest(() => api.points());
  const history = useRequest(() => api.pointHistory());
  const [more, setMore] = useState<PointEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const nextBefore = cursor === undefined ? history.data?.nextBefore ?? null : cursor;

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

  return (
    <View className='page' data-testid='page-points'>
      <StateView loading={balance.loading} error={balance.error} data={balance.data} onRetry={() => void balance.reload()}>
        {(data) => (
          <View className='card'>
            <Text className='muted'>可用积分</Text>
            <View>
              <Text className='big-number'>{data.available}</Text>
            </View>
            {data.expiringSoon.map((lot) => (
              <View key={lot.expiresAt}>
                <Text className='warn'>{`${lot.amount} 积分将于 ${formatDate(lot.expiresAt)} 过期`}</Text>
              </View>
            ))}
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
        >
          {(page) => (
            <View>
              {[...page.items, ...more].map((entry) => (
                <EntryRow key={entry.id} entry={entry} />
              ))}
              {nextBefore ? (
                <Button className='btn btn-small btn-plain' disabled={loadingMore} onClick={() => void loadMore()}>
                  {loadingMore ? '加载中…' : '加载更多'}
                </Button>
              ) : null}
            </View>
          )}
        </StateView>
      </View>
    </View>
  );
}
