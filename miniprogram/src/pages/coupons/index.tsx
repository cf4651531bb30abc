import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import type { CouponState } from '@o2o/shared/schemas/rewards';
import { COLORS, Icon } from '../../components/icon';
import { QrCode } from '../../components/qr-code';
import { LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type Coupon } from '../../services/api';
import { formatDate, formatDateTime } from '../../services/format';
import { go } from '../../services/navigation';

const TABS: { state: CouponState; text: string }[] = [
  { state: 'available', text: '可使用' },
  { state: 'used', text: '已使用' },
  { state: 'expired', text: '已过期' },
];

/** The code in groups of five, so staff read it aloud without losing their place. */
function spaced(code: string): string {
  return code.replace(/(.{5})(?=.)/g, '$1 ');
}

function CouponCard({ coupon }: { coupon: Coupon }) {
  const usable = coupon.state === 'available';
  return (
    <View className='card' data-testid='coupon' data-state={coupon.state} style={usable ? undefined : { opacity: 0.6 }}>
      <View className='row-start'>
        <View className={`icon-badge ${usable ? 'icon-badge-red' : ''}`} style={usable ? undefined : { background: '#f2f3f5' }}>
          <Icon name='ticket' color={usable ? COLORS.price : COLORS.muted} size={48} />
        </View>
        <View className='grow gap-16'>
          <Text className='text-title block'>{coupon.name}</Text>
          <Text className='muted block'>{coupon.description}</Text>
        </View>
        {usable ? <Text className='tag tag-red'>{coupon.stateText}</Text> : <Text className='stamp'>{coupon.stateText}</Text>}
      </View>
      {usable ? (
        <View className='center mt-16' data-testid='coupon-qr-block'>
          <Text className='muted block'>到店结账时出示，请店员扫码核销</Text>
          <QrCode value={coupon.code} testId='coupon-qr' />
          <Text className='code-text block' data-testid='coupon-code' data-code={coupon.code}>
            {spaced(coupon.code)}
          </Text>
        </View>
      ) : null}
      <View className='divider' />
      <Text className='caption block'>
        {coupon.state === 'used'
          ? `${formatDateTime(coupon.usedAt)} 已在门店使用`
          : coupon.state === 'expired'
            ? `${formatDate(coupon.expiresAt)} 已过期`
            : `${coupon.whereText} · ${formatDate(coupon.expiresAt)}前有效`}
      </Text>
    </View>
  );
}

export default function Coupons() {
  const allowed = useResidentPage();
  const coupons = useRequest(() => api.myCoupons(), [], allowed);
  const [tab, setTab] = useState<CouponState>('available');
  const firstShow = useRef(true);
  useDidShow(() => {
    if (firstShow.current) {
      firstShow.current = false;
      return;
    }
    if (allowed) void coupons.reload();
  });
  usePullDownRefresh(() => {
    void coupons.reload().finally(() => Taro.stopPullDownRefresh());
  });
  if (!allowed) return <View className='page'><LoadingState /></View>;
  const counts = (coupons.data ?? []).reduce<Record<string, number>>((sum, coupon) => ({ ...sum, [coupon.state]: (sum[coupon.state] ?? 0) + 1 }), {});
  return (
    <View className='page' data-testid='page-coupons'>
      <View className='segmented'>
        {TABS.map((entry) => (
          <Text key={entry.state} className={`segment ${tab === entry.state ? 'segment-on' : ''}`} onClick={() => setTab(entry.state)} data-testid={`coupon-tab-${entry.state}`}>
            {`${entry.text}${counts[entry.state] ? ` ${counts[entry.state]}` : ''}`}
          </Text>
        ))}
      </View>
      <StateView
        loading={coupons.loading}
        error={coupons.error}
        data={coupons.data ? coupons.data.filter((coupon) => coupon.state === tab) : null}
        onRetry={() => void coupons.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText={tab === 'available' ? '还没有可用的券，去积分兑换看看吧' : tab === 'used' ? '还没有用过的券' : '没有过期的券'}
        emptyAction={tab === 'available' ? { label: '去兑换', onClick: () => go(ROUTES.rewards) } : undefined}
        skeletonRows={2}
      >
        {(list) => (
          <View>
            {list.map((coupon) => (
              <CouponCard key={coupon.id} coupon={coupon} />
            ))}
          </View>
        )}
      </StateView>
    </View>
  );
}
