import { Picker, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { z } from 'zod';
import { promotionEffectSchema, promotionSchema, slowMovingSchema, type PromotionEffectView } from '@o2o/shared/schemas/campaigns';
import { Btn } from '../../../components/button';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { ApiError } from '../../../services/api-client';
import { formatDate, percentText, yuan } from '../../../services/format';
import { client, currentSession } from '../../../services/session';
import { BarList } from '../components/charts';
import { HoldoutView } from '../components/holdout-view';
import '../staff.css';

const slowMoving = async (storeId: string) => slowMovingSchema.parse(await client.request({ method: 'GET', path: '/campaigns/slow-moving', query: { storeId, days: 30, limit: 10 } }));
const promotions = async () => z.array(promotionSchema).parse(await client.request({ method: 'GET', path: '/campaigns/promotions' }));

/** A promotion's effect, or why there is none yet (409: it has not started). */
async function effectOf(promotionId: string): Promise<PromotionEffectView | 'not_started'> {
  try {
    return promotionEffectSchema.parse(await client.request({ method: 'GET', path: `/campaigns/promotions/${promotionId}/effect` }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return 'not_started';
    throw error;
  }
}

function Effect({ promotionId }: { promotionId: string }) {
  const effect = useRequest(() => effectOf(promotionId), [promotionId]);
  return (
    <StateView loading={effect.loading} error={effect.error} data={effect.data} onRetry={() => void effect.reload()}>
      {(data) =>
        data === 'not_started' ? (
          <Text className='caption'>活动还没开始，开始后才能对比效果</Text>
        ) : (
          <View data-testid='promotion-effect'>
            <View className='table-row table-head'>
              <Text className='table-cell-name'>购买率</Text>
              <Text className='table-cell'>活动前</Text>
              <Text className='table-cell'>活动中</Text>
            </View>
            <View className='table-row'>
              <Text className='table-cell-name'>{`目标人群（${data.during.audience.size} 人）`}</Text>
              <Text className='table-cell'>{percentText(data.before.audience.buyerRate)}</Text>
              <Text className='table-cell'>{percentText(data.during.audience.buyerRate)}</Text>
            </View>
            <View className='table-row'>
              <Text className='table-cell-name'>{`其他居民（${data.during.others.size} 人）`}</Text>
              <Text className='table-cell'>{percentText(data.before.others.buyerRate)}</Text>
              <Text className='table-cell'>{percentText(data.during.others.buyerRate)}</Text>
            </View>
            <Text className='caption'>{`购买率提升 ${data.lift.buyerRate === null ? '—' : `${(data.lift.buyerRate * 100).toFixed(1)} 个百分点`}${data.complete ? '' : ' · 活动进行中，数据还会变化'}`}</Text>
            {data.holdout ? <HoldoutView holdout={data.holdout} /> : null}
          </View>
        )
      }
    </StateView>
  );
}

function ProductsBody() {
  const staff = currentSession()?.staff ?? null;
  const stores = useRequest(async () => (await api.stores()).filter((store) => staffRole() === 'admin' || store.cityId === staff?.cityId));
  const [storeIndex, setStoreIndex] = useState(0);
  const storeId = stores.data?.[storeIndex]?.id ?? null;
  const slow = useRequest(() => slowMoving(storeId!), [storeId], storeId !== null);
  const list = useRequest(() => promotions());
  const [opened, setOpened] = useState<string | null>(null);
  return (
    <>
      <View className='card'>
        <StateView loading={stores.loading} error={stores.error} data={stores.data} onRetry={() => void stores.reload()} isEmpty={(items) => items.length === 0} emptyText='没有可查看的门店'>
          {(items) => (
            <Picker mode='selector' range={items.map((store) => store.name)} value={storeIndex} onChange={(event) => setStoreIndex(Number(event.detail.value))}>
              <View className='row choice' data-testid='products-store'>
                <Text>门店</Text>
                <Text className='muted'>{`${items[storeIndex]?.name ?? '请选择'} ›`}</Text>
              </View>
            </Picker>
          )}
        </StateView>
      </View>
      <View className='card'>
        <Text className='card-title'>近 30 天卖得最慢的商品</Text>
        <Text className='caption'>动销 = 每天卖出的件数；与门店商品的中位数相比，越短越慢</Text>
        {storeId ? (
          <StateView loading={slow.loading} error={slow.error} data={slow.data} onRetry={() => void slow.reload()} isEmpty={(data) => data.items.length === 0} emptyText='这家门店还没有在售商品'>
            {(data) => (
              <BarList
                testId='products-slow'
                rows={data.items.map((item) => ({
                  key: item.productId,
                  label: item.name,
                  share: Math.min(1, item.velocityRatio ?? 0),
                  valueText: `${item.units} 件`,
                  detail: `${item.category} · 中位数的 ${percentText(item.velocityRatio)} · ${yuan(item.revenueCents)}${item.daysSinceLastSale === null ? ' · 30 天没卖出' : ` · ${item.daysSinceLastSale} 天前卖出`}`,
                }))}
              />
            )}
          </StateView>
        ) : null}
      </View>
      <View className='card'>
        <Text className='card-title'>促销效果</Text>
        <StateView loading={list.loading} error={list.error} data={list.data} onRetry={() => void list.reload()} isEmpty={(items) => items.length === 0} emptyText='还没有促销活动'>
          {(items) => (
            <View>
              {items.map((promotion) => (
                <View key={promotion.id} className='bar-row' data-testid='promotion'>
                  <View className='row'>
                    <Text className='text-body'>{promotion.name}</Text>
                    <Text className='caption'>{`${formatDate(promotion.startAt)} 至 ${formatDate(promotion.endAt)}`}</Text>
                  </View>
                  <Text className='caption'>
                    {`${promotion.audienceName ?? '商品兴趣人群'} · ${promotion.audienceSize} 人${promotion.holdout ? ` · 留出 ${Math.round(promotion.holdout.share * 100)}% 对照组` : ''}`}
                  </Text>
                  {opened === promotion.id ? (
                    <Effect promotionId={promotion.id} />
                  ) : (
                    <View className='mt-24'>
                      <Btn small variant='plain' testId='promotion-open' onClick={() => setOpened(promotion.id)}>
                        看效果
                      </Btn>
                    </View>
                  )}
                </View>
              ))}
            </View>
          )}
        </StateView>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Products() {
  return (
    <StaffPage page='products'>
      <ProductsBody />
    </StaffPage>
  );
}
