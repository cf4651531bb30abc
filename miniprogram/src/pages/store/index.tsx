import { Image, Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { useEffect, useState } from 'react';
import type { GroupCodeJoin, StoreLiveCode } from '@o2o/shared/schemas/group-codes';
import { Btn } from '../../components/button';
import { CardHeader } from '../../components/card-header';
import { Cell, Cells } from '../../components/cell';
import { COLORS, Icon } from '../../components/icon';
import { QrCode } from '../../components/qr-code';
import { EmptyState, LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type Store, type StoreOffers } from '../../services/api';
import { yuan } from '../../services/format';
import { errorText } from '../../services/errors';
import { go, toast } from '../../services/navigation';
import { renderStorePoster, savePoster } from '../../services/poster-image';
import { qrMatrix } from '../../services/qr';
import { isH5 } from '../../services/platform';
import { callStore, deliveryFacts, openStoreMap } from '../../services/store-actions';
import { liveCodeApi } from './live-code-api';

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
      <CardHeader title='配送到家' icon='truck' iconColor={COLORS.brand} />
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

/** The store's live group code: a QR anyone can scan (and a printable poster), and 进群 for the signed-in resident. */
function LiveCodeCard({ store, code, joinWith }: { store: Store; code: NonNullable<StoreLiveCode['code']>; joinWith: string | null }) {
  const [joined, setJoined] = useState<GroupCodeJoin | null>(null);
  const [joining, setJoining] = useState(false);
  const [poster, setPoster] = useState<string | null>(null);
  const join = async (codeId: string) => {
    setJoining(true);
    try {
      setJoined(await liveCodeApi.join(codeId));
    } catch (error) {
      toast(errorText(error));
    } finally {
      setJoining(false);
    }
  };
  useEffect(() => {
    // Opened from a scanned live code: join through that code at once.
    if (joinWith) void join(joinWith);
  }, [joinWith]);
  const makePoster = async () => {
    try {
      const source = poster ?? (await renderStorePoster({ storeName: store.name, address: store.address, hoursText: store.hoursText, qr: qrMatrix(code.url) }));
      setPoster(source);
      toast((await savePoster(source, '门店社群海报.png')) === 'saved' ? '海报已保存到相册' : '海报已下载');
    } catch (error) {
      toast(errorText(error));
    }
  };
  return (
    <View className='card' data-testid='store-group'>
      <CardHeader title='扫码进群' icon='chat' iconColor={COLORS.brand} />
      {joined ? (
        <View className='center' data-testid='store-joined-group'>
          <Text className='text-body block'>{joined.again ? `你的门店群：${joined.topic}` : `为你分配了：${joined.topic}`}</Text>
          <Image className='qr-small' src={joined.qrImageUrl} mode='scaleToFill' showMenuByLongpress data-testid='store-joined-group-qr' />
          <Text className='muted block'>{isH5 ? '用微信扫一扫这个群二维码进群' : '长按识别这个群二维码进群'}</Text>
        </View>
      ) : (
        <View className='center'>
          <Text className='text-body block'>{`${store.name}邻里群`}</Text>
          <QrCode value={code.url} small testId='store-live-code-qr' />
          <Text className='muted block'>{isH5 ? '用微信扫一扫，自动分配一个还有空位的门店群' : '长按识别，自动分配一个还有空位的门店群'}</Text>
          <Text className='caption block mt-8'>群里每天发特惠、到货和配送通知，发“签到”领积分</Text>
          <View className='btn-row mt-16'>
            <Btn small disabled={joining} onClick={() => void join(code.id)} testId='store-join-group'>
              {joining ? '正在分配…' : '我要进群'}
            </Btn>
            <Btn small variant='plain' onClick={() => void makePoster()} testId='store-poster'>
              {isH5 ? '下载门店海报' : '保存门店海报'}
            </Btn>
          </View>
        </View>
      )}
    </View>
  );
}

function GroupCard({ store, joinWith }: { store: Store; joinWith: string | null }) {
  const live = useRequest(() => liveCodeApi.forStore(store.id), [store.id]);
  if (live.loading) return <View className='card'><LoadingState rows={2} /></View>;
  if (live.data) return <LiveCodeCard store={store} code={live.data} joinWith={joinWith} />;
  return (
    <View className='card' data-testid='store-group'>
      <CardHeader title='加入门店社群' icon='chat' iconColor={COLORS.brand} />
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
  const joinWith = useRouter().params.groupCode ?? null;
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
                <GroupCard store={data} joinWith={joinWith} />
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
