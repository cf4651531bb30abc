import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Btn } from '../../components/button';
import { Cell, Cells } from '../../components/cell';
import { COLORS, Icon } from '../../components/icon';
import { QrCode } from '../../components/qr-code';
import { EmptyState, LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type Store, type StoreOffers } from '../../services/api';
import { yuan } from '../../services/format';
import { go } from '../../services/navigation';
import { isH5 } from '../../services/platform';
import { callStore, deliveryFacts, openStoreMap } from '../../services/store-actions';

function StoreInfo({ store }: { store: Store }) {
  return (
    <Cells testId='store-card'>
      <Cell icon='clock' title={store.hoursText} description={store.openNow ? '现在营业中' : '现在休息中，可先下单预约'} value={<Text className={store.openNow ? 'tag' : 'tag tag-grey'}>{store.openNow ? '营业中' : '休息中'}</Text>} />
      <Cell icon='pin' title={store.address} description='查看地图、导航到店' value={<Text className='brand'>导航</Text>} onClick={() => openStoreMap(store)} testId='store-map' />
      <Cell icon='phone' title={store.contactPhone} description='门店电话，点击拨打' value={<Text className='brand'>拨打</Text>} onClick={() => callStore(store.contactPhone)} testId='store-phone' />
    </Cells>
  );
}

function DeliveryCard({ store }: { store: Store }) {
  return (
    <View className='card' data-testid='store-delivery'>
      <View className='card-header'>
        <Text className='card-title'>配送到家</Text>
        <Icon name='truck' color={COLORS.brand} size={48} />
      </View>
      <View className='stats'>
        {deliveryFacts(store.delivery).map((fact) => (
          <View className='stat' key={fact.label}>
            <Text className='stat-number stat-number-small'>
              {fact.value}
            </Text>
            <Text className='stat-label'>{fact.label}</Text>
          </View>
        ))}
      </View>
    </View>
  );
}

function GroupCard({ store }: { store: Store }) {
  return (
    <View className='card' data-testid='store-group'>
      <View className='card-header'>
        <Text className='card-title'>加入门店社群</Text>
        <Icon name='chat' color={COLORS.brand} size={48} />
      </View>
      {store.groupQr ? (
        <View className='center'>
          <Text className='text-body block'>{store.groupQr.name}</Text>
          <QrCode value={store.groupQr.qrContent} small testId='store-group-qr' />
          <Text className='muted block'>{isH5 ? '用微信扫一扫二维码，加入门店社群' : '长按识别二维码，加入门店社群'}</Text>
          <Text className='caption block mt-8'>群里每天发特惠、到货和配送通知，发“签到”领积分</Text>
        </View>
      ) : (
        <Text className='muted block'>门店社群即将开放，可以到店咨询店员加入。</Text>
      )}
    </View>
  );
}

function OffersPreview({ offers }: { offers: StoreOffers }) {
  const items = [
    ...offers.promotions.map((promotion) => ({ key: promotion.id, name: promotion.product.name, note: `${promotion.name} · ${promotion.endsText}`, priceCents: promotion.product.priceCents })),
    ...offers.specials.map((product) => ({ key: product.id, name: product.name, note: '特价', priceCents: product.priceCents })),
  ].slice(0, 3);
  return (
    <View className='card' data-testid='store-offers'>
      <View className='card-header'>
        <Text className='card-title'>今日特惠</Text>
        <View className='card-extra' onClick={() => go(ROUTES.offers)} data-testid='store-offers-all'>
          <Text>全部</Text>
          <Icon name='chevron' color='#c9cdd4' size={32} />
        </View>
      </View>
      {items.length === 0 ? <Text className='muted block'>今天暂无特惠活动，去看看门店商品吧</Text> : null}
      {items.map((item) => (
        <View className='list-row' key={item.key}>
          <Icon name='fire' color={COLORS.price} size={40} />
          <View className='grow gap-16'>
            <Text className='text-body block ellipsis'>{item.name}</Text>
            <Text className='caption block ellipsis'>{item.note}</Text>
          </View>
          <Text className='price gap-16'>{yuan(item.priceCents)}</Text>
        </View>
      ))}
      <View className='mt-16'>
        <Btn block variant='plain' onClick={() => go(ROUTES.offers)} testId='store-offers-button'>
          {`查看今日特惠和全部 ${offers.products.length} 件商品`}
        </Btn>
      </View>
    </View>
  );
}

export default function StorePage() {
  const allowed = useResidentPage();
  const store = useRequest(async () => {
    const me = await api.me();
    return me.storeId ? api.store(me.storeId) : null;
  }, [], allowed);
  const storeId = store.data?.id ?? null;
  const offers = useRequest(() => (storeId ? api.offers(storeId) : Promise.resolve(null)), [storeId], allowed && storeId !== null);
  usePullDownRefresh(() => {
    void Promise.all([store.reload(), offers.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page-flush' data-testid='page-store'>
      <StateView loading={store.loading} error={store.error} data={store.data === undefined ? null : store.data} onRetry={() => void store.reload()}>
        {(data) =>
          data ? (
            <View>
              <View className='hero hero-compact'>
                <Text className='hero-title'>{data.name}</Text>
                <View className='hero-chip'>
                  <Icon name='leaf' color={COLORS.white} size={32} />
                  <Text className='gap-8'>{`${data.openNow ? '营业中' : '休息中'} · ${data.delivery.radiusKm} 公里内送货上门`}</Text>
                </View>
              </View>
              <View className='under-hero mt-24'>
                <StoreInfo store={data} />
                <DeliveryCard store={data} />
                <StateView loading={offers.loading} error={offers.error} data={offers.data} onRetry={() => void offers.reload()} skeletonRows={1}>
                  {(list) => <OffersPreview offers={list} />}
                </StateView>
                <GroupCard store={data} />
              </View>
            </View>
          ) : (
            <View className='page'>
              <EmptyState text='还没有所属门店，选择所在小区后为你匹配最近的门店' action={{ label: '选择小区', onClick: () => go(ROUTES.profile) }} />
            </View>
          )
        }
      </StateView>
    </View>
  );
}
