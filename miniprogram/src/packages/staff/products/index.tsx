import { Picker, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { z } from 'zod';
import { promotionEffectSchema, promotionSchema, slowMovingSchema, type HoldoutComparison, type PromotionEffectView } from '@o2o/shared/schemas/campaigns';
import { Btn } from '../../../components/button';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { ApiError } from '../../../services/api-client';
import { formatDate, percentText, yuan } from '../../../services/format';
import { client, currentSession } from '../../../services/session';
import { BarList } from '../components/charts';
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

/** A difference of rates in percentage points with its sign: +3.2 个百分点. */
function points(value: number): string {
  const rounded = Math.round(value * 1000) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}`;
}

/** What the interval says, in words a store manager can act on. */
function verdict(lift: NonNullable<HoldoutComparison['lift']>): string {
  if (lift.low > 0) return '触达确实带来了更多购买';
  if (lift.high < 0) return '触达组反而买得更少';
  return '区间包含 0，还不能确定有提升';
}

/** Members meant to be reached versus the held-out ones, during the campaign. */
function HoldoutView({ holdout }: { holdout: HoldoutComparison }) {
  return (
    <View className='mt-24' data-testid='promotion-holdout'>
      <Text className='text-body'>{`对照组对比（随机留出 ${Math.round(holdout.share * 100)}% 不触达）`}</Text>
      <View className='table-row table-head'>
        <Text className='table-cell-name'>活动期间</Text>
        <Text className='table-cell'>购买人数</Text>
        <Text className='table-cell'>购买率</Text>
      </View>
      <View className='table-row' data-testid='holdout-treated'>
        <Text className='table-cell-name'>{`触达组（${holdout.treated.size} 人）`}</Text>
        <Text className='table-cell'>{`${holdout.treated.buyers} 人`}</Text>
        <Text className='table-cell'>{percentText(holdout.treated.buyerRate)}</Text>
      </View>
      <View className='table-row' data-testid='holdout-held-out'>
        <Text className='table-cell-name'>{`对照组（${holdout.heldOut.size} 人）`}</Text>
        <Text className='table-cell'>{`${holdout.heldOut.buyers} 人`}</Text>
        <Text className='table-cell'>{percentText(holdout.heldOut.buyerRate)}</Text>
      </View>
      {holdout.lift ? (
        <Text className='caption' data-testid='holdout-lift'>
          {`购买率差 ${points(holdout.lift.difference)} 个百分点，95% 区间 ${points(holdout.lift.low)} 至 ${points(holdout.lift.high)}：${verdict(holdout.lift)}`}
        </Text>
      ) : (
        <Text className='caption' data-testid='holdout-lift'>
          两组都有人后才能计算提升
        </Text>
      )}
    </View>
  );
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
