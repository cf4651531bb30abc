import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useShareAppMessage } from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { CardHeader } from '../../components/card-header';
import { COLORS, Icon } from '../../components/icon';
import { LoadingState, StateView } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type StoreOffers } from '../../services/api';
import { formatDateTime, formatMonthDay, yuan } from '../../services/format';
import { toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';
import { sharedPath } from '../../services/touches';

type OfferProduct = StoreOffers['products'][number];

function ProductRow({ product, note }: { product: OfferProduct; note?: string }) {
  return (
    <View className='list-row' data-testid='offer-product'>
      <View className='icon-badge icon-badge-green'>
        <Icon name='box' size={48} />
      </View>
      <View className='grow gap-16'>
        <Text className='text-body block'>{product.name}</Text>
        <Text className='caption block ellipsis'>{note ?? [product.category, ...product.tags].join(' · ')}</Text>
      </View>
      <Text className='price-large gap-16'>{yuan(product.priceCents)}</Text>
    </View>
  );
}

function Offers({ offers }: { offers: StoreOffers }) {
  // The bot links a product as this page opened on its category (`?category=粮油`).
  const [category, setCategory] = useState<string | null>(() => {
    const asked = Taro.getCurrentInstance().router?.params?.category;
    return asked ? decodeURIComponent(asked) : null;
  });
  const shown = category ? offers.products.filter((product) => product.category === category) : offers.products;
  const hasDeals = offers.promotions.length + offers.specials.length + offers.notes.length > 0;
  return (
    <View>
      {offers.promotions.length > 0 ? (
        <View className='card' data-testid='offer-promotions'>
          <CardHeader title='限时活动' icon='fire' iconColor={COLORS.price} />
          {offers.promotions.map((promotion) => (
            <View key={promotion.id} data-testid='offer-promotion'>
              <View className='row-start mt-8'>
                <Text className='tag tag-red ml-0'>
                  {promotion.name}
                </Text>
                <Text className='caption gap-8'>{promotion.endsText}</Text>
              </View>
              <ProductRow product={promotion.product} />
            </View>
          ))}
        </View>
      ) : null}
      {offers.notes.length > 0 ? (
        <View className='card' data-testid='offer-notes'>
          <Text className='card-title'>店员推荐</Text>
          {offers.notes.map((note) => (
            <View className='list-row' key={note.postedAt + note.text}>
              <Icon name='chat' color={COLORS.brand} size={40} />
              <View className='grow gap-16'>
                <Text className='text-body block'>{note.text}</Text>
                <Text className='caption block'>{formatDateTime(note.postedAt)}</Text>
              </View>
            </View>
          ))}
        </View>
      ) : null}
      {offers.specials.length > 0 ? (
        <View className='card' data-testid='offer-specials'>
          <Text className='card-title'>特价商品</Text>
          {offers.specials.map((product) => (
            <ProductRow key={product.id} product={product} />
          ))}
        </View>
      ) : null}
      {!hasDeals ? (
        <View className='card'>
          <Text className='muted block'>今天暂无特惠活动，门店商品照常供应</Text>
        </View>
      ) : null}
      <View className='card' data-testid='offer-catalogue'>
        <CardHeader title='门店商品' extra={<Text className='card-extra'>{`${offers.products.length} 件`}</Text>} />
        <View className='chips'>
          <Text className={`chip ${category === null ? 'chip-on' : ''}`} onClick={() => setCategory(null)}>
            全部
          </Text>
          {offers.categories.map((name) => (
            <Text key={name} className={`chip ${category === name ? 'chip-on' : ''}`} onClick={() => setCategory(name)} data-testid='offer-category'>
              {name}
            </Text>
          ))}
        </View>
        {shown.map((product) => (
          <ProductRow key={product.id} product={product} />
        ))}
      </View>
    </View>
  );
}

export default function OffersPage() {
  const allowed = useResidentPage();
  const offers = useRequest(async () => {
    const me = await api.me();
    return me.storeId ? api.offers(me.storeId) : null;
  }, [], allowed);
  const reported = useRef<string | null>(null);

  // Opening this page is what 浏览今日特惠 asks for: report it once per day (the key makes a repeat count once).
  useEffect(() => {
    const data = offers.data;
    if (!data || reported.current === data.day) return;
    reported.current = data.day;
    api
      .reportOffersViewed(`offers-viewed:${data.day}`, data.storeId)
      .then((result) => {
        const paid = result.duplicate ? [] : result.tasks.filter((task) => task.state === 'completed' && task.rewardPoints > 0);
        if (paid.length > 0) toast(`${paid[0].title} +${paid.reduce((sum, task) => sum + task.rewardPoints, 0)} 积分`);
      })
      .catch(() => {
        reported.current = null;
      });
  }, [offers.data]);

  // Shared into a group, the card carries the sharer and WeChat's shareTicket names the group it was opened in.
  useEffect(() => {
    if (!isH5) void Taro.showShareMenu({ withShareTicket: true }).catch(() => undefined);
  }, []);
  useShareAppMessage(() => ({
    title: '邻居分享给你：门店今日特惠',
    path: sharedPath('/pages/offers/index'),
  }));

  usePullDownRefresh(() => {
    void offers.reload().finally(() => Taro.stopPullDownRefresh());
  });

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-offers'>
      <StateView
        loading={offers.loading}
        error={offers.error}
        data={offers.data === undefined ? null : offers.data}
        onRetry={() => void offers.reload()}
        isEmpty={(data) => data === null}
        emptyText='还没有所属门店，完善资料后即可查看门店特惠'
        skeletonRows={3}
      >
        {(data) => (
          <View>
            <Text className='section-title'>{`${formatMonthDay(data!.day)} · 每天更新`}</Text>
            <Offers offers={data!} />
          </View>
        )}
      </StateView>
    </View>
  );
}
