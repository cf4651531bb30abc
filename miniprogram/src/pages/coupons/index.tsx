import { Text, View } from '@tarojs/components';
import { StateView } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { api } from '../../services/api';
import { formatDate } from '../../services/format';

export default function Coupons() {
  const coupons = useRequest(() => api.myCoupons());
  return (
    <View className='page' data-testid='page-coupons'>
      <StateView
        loading={coupons.loading}
        error={coupons.error}
        data={coupons.data}
        onRetry={() => void coupons.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText='还没有券，去积分兑换看看吧'
      >
        {(list) => (
          <View>
            {list.map((coupon) => (
              <View className='card' key={coupon.id} data-testid='coupon' style={coupon.state === 'available' ? undefined : { opacity: 0.55 }}>
                <View className='row'>
                  <Text className='card-title'>{coupon.name}</Text>
                  <Text className={coupon.state === 'available' ? 'tag' : 'tag tag-grey'}>{coupon.stateText}</Text>
                </View>
                <Text className='muted'>{coupon.description}</Text>
                {coupon.state === 'available' ? (
                  <View style={{ textAlign: 'center', margin: '16px 0' }}>
                    <Text className='muted'>到店出示券码</Text>
                    <View>
                      <Text className='code-text' data-testid='coupon-code'>{coupon.code}</Text>
                    </View>
                  </View>
                ) : null}
                <Text className='muted'>{`${coupon.whereText} · ${formatDate(coupon.expiresAt)}前有效`}</Text>
              </View>
            ))}
          </View>
        )}
      </StateView>
    </View>
  );
}
