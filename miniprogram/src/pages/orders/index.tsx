import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { COLORS, Icon } from '../../components/icon';
import { LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type MyOrder } from '../../services/api';
import { formatDateTime, yuan } from '../../services/format';
import { go } from '../../services/navigation';

const STATE_TAG: Record<MyOrder['state'], string> = { paid: 'tag tag-warn', completed: 'tag', cancelled: 'tag tag-grey', refunded: 'tag tag-grey' };

function linesText(order: MyOrder): string {
  const names = order.lines.map((line) => `${line.name ?? '商品'} ×${line.quantity}`);
  const count = order.lines.reduce((sum, line) => sum + line.quantity, 0);
  return names.length > 2 ? `${names.slice(0, 2).join('，')} 等 ${count} 件` : names.join('，');
}

function OrderCard({ order }: { order: MyOrder }) {
  return (
    <View className='card' data-testid='order' data-state={order.state}>
      <View className='row'>
        <View className='row-start grow'>
          <Icon name='store' color={COLORS.brand} size={40} />
          <Text className='text-body gap-16 ellipsis'>{order.storeName ?? '邻里鲜生'}</Text>
        </View>
        <Text className={STATE_TAG[order.state]}>{order.stateText}</Text>
      </View>
      <Text className='text-body block mt-16'>{linesText(order)}</Text>
      <View className='row mt-16'>
        <Text className='caption'>{`${formatDateTime(order.placedAt)} 下单`}</Text>
        <Text className='text-body'>
          实付 <Text className='price'>{yuan(order.totalCents)}</Text>
        </Text>
      </View>
      <View className='divider' />
      <View className='row'>
        <View className='row-start'>
          <Icon name='points' color={order.pointsEarned > 0 ? COLORS.warn : COLORS.muted} size={32} />
          <Text className={order.pointsEarned > 0 ? 'warn gap-8' : 'muted gap-8'} data-testid='order-points'>
            {order.pointsText}
          </Text>
        </View>
        <Text className='caption'>{`订单号 ${order.id}`}</Text>
      </View>
    </View>
  );
}

export default function Orders() {
  const allowed = useResidentPage();
  const orders = useRequest(() => api.myOrders(50), [], allowed);
  usePullDownRefresh(() => {
    void orders.reload().finally(() => Taro.stopPullDownRefresh());
  });
  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-orders'>
      <StateView
        loading={orders.loading}
        error={orders.error}
        data={orders.data}
        onRetry={() => void orders.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText='还没有订单，去看看今日特惠吧'
        emptyAction={{ label: '去看看', onClick: () => go(ROUTES.offers) }}
        skeletonRows={3}
      >
        {(list) => (
          <View>
            <Text className='section-title'>{`最近 ${list.length} 笔订单 · 完成后按实付金额得积分`}</Text>
            {list.map((order) => (
              <OrderCard key={order.id} order={order} />
            ))}
          </View>
        )}
      </StateView>
    </View>
  );
}
