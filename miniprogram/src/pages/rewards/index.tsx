import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { LoadingState, StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, idempotencyKey, type ResidentReward } from '../../services/api';
import { ApiError } from '../../services/api-client';
import { errorText } from '../../services/errors';
import { go, toast } from '../../services/navigation';

const KIND_TEXT: Record<ResidentReward['kind'], string> = { discount: '满减券', product: '商品兑换', service: '服务券' };

function validityText(reward: ResidentReward): string {
  return reward.validity.kind === 'days_after_redemption' ? `兑换后 ${reward.validity.days} 天内有效` : '限时有效';
}

export default function Rewards() {
  const allowed = useResidentPage();
  const points = useRequest(() => api.points(), [], allowed);
  const rewards = useRequest(() => api.rewards(), [], allowed);
  const [busyId, setBusyId] = useState<string | null>(null);
  // One key per reward per attempt: a retry after a network error reuses it and cannot redeem twice.
  const pendingKeys = useRef(new Map<string, string>());
  usePullDownRefresh(() => {
    void Promise.all([points.reload(), rewards.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  const redeem = async (reward: ResidentReward) => {
    const { confirm } = await Taro.showModal({ title: '确认兑换', content: `使用 ${reward.pointsCost} 积分兑换「${reward.name}」？` });
    if (!confirm) return;
    const key = pendingKeys.current.get(reward.id) ?? idempotencyKey('redeem');
    pendingKeys.current.set(reward.id, key);
    setBusyId(reward.id);
    try {
      const redemption = await api.redeem(reward.id, key);
      pendingKeys.current.delete(reward.id);
      toast(redemption.coupon ? '兑换成功，到店出示券码即可使用' : '兑换处理中，稍后到“我的券”查看', 'none');
      await Promise.all([points.reload(), rewards.reload()]);
      go(ROUTES.coupons);
    } catch (error) {
      if (!(error instanceof ApiError && error.retryable)) pendingKeys.current.delete(reward.id);
      toast(errorText(error));
    } finally {
      setBusyId(null);
    }
  };

  if (!allowed) return <View className='page'><LoadingState /></View>;
  const available = points.data?.available ?? null;
  return (
    <View className='page' data-testid='page-rewards'>
      <View className='card row'>
        <View className='row-start'>
          <Icon name='points' color={COLORS.warn} size={48} />
          <Text className='text-body gap-16'>{available === null ? '我的积分 …' : `我的积分 ${available}`}</Text>
        </View>
        <View className='card-extra' onClick={() => go(ROUTES.coupons)}>
          <Text>我的券</Text>
          <Icon name='chevron' color='#c9cdd4' size={32} />
        </View>
      </View>
      <StateView
        loading={rewards.loading}
        error={rewards.error}
        data={rewards.data}
        onRetry={() => void rewards.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText='暂时没有可兑换的奖励，过几天再来看看'
        skeletonRows={3}
      >
        {(list) => (
          <View>
            {list.map((reward) => {
              const short = available !== null && available < reward.pointsCost;
              const disabled = !reward.canRedeem || short || busyId !== null;
              const label = !reward.canRedeem ? (reward.unavailableText ?? '不可兑换') : short ? '积分不足' : busyId === reward.id ? '兑换中…' : '立即兑换';
              return (
                <View className='card' key={reward.id} data-testid='reward'>
                  <View className='row-start'>
                    <View className='icon-badge icon-badge-orange'>
                      <Icon name={reward.kind === 'product' ? 'gift' : 'ticket'} color={COLORS.warn} size={48} />
                    </View>
                    <View className='grow gap-16'>
                      <View className='row-start wrap'>
                        <Text className='text-title'>{reward.name}</Text>
                        <Text className='tag tag-warn'>{KIND_TEXT[reward.kind]}</Text>
                      </View>
                      <Text className='muted block'>{reward.description}</Text>
                    </View>
                  </View>
                  <Text className='caption block mt-16'>{`${reward.whereText} · ${validityText(reward)} · 剩余 ${reward.remainingStock}`}</Text>
                  <View className='row mt-16'>
                    <Text className='price-large'>{`${reward.pointsCost} 积分`}</Text>
                    <Btn small disabled={disabled} testId='reward-redeem' onClick={() => void redeem(reward)}>
                      {label}
                    </Btn>
                  </View>
                </View>
              );
            })}
          </View>
        )}
      </StateView>
    </View>
  );
}
