import { Button, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useRef, useState } from 'react';
import { StateView, errorText } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { api, idempotencyKey, type ResidentReward } from '../../services/api';
import { go, toast } from '../../services/navigation';

const KIND_TEXT: Record<ResidentReward['kind'], string> = { discount: '满减券', product: '商品兑换', service: '服务券' };

function validityText(reward: ResidentReward): string {
  return reward.validity.kind === 'days_after_redemption' ? `兑换后 ${reward.validity.days} 天内有效` : '限时有效';
}

export default function Rewards() {
  const points = useRequest(() => api.points());
  const rewards = useRequest(() => api.rewards());
  const [busyId, setBusyId] = useState<string | null>(null);
  // One key per reward per attempt: a retry after a network error reuses it and cannot redeem twice.
  const pendingKeys = useRef(new Map<string, string>());

  const redeem = async (reward: ResidentReward) => {
    const { confirm } = await Taro.showModal({ title: '确认兑换', content: `使用 ${reward.pointsCost} 积分兑换「${reward.name}」？` });
    if (!confirm) return;
    const key = pendingKeys.current.get(reward.id) ?? idempotencyKey('redeem');
    pendingKeys.current.set(reward.id, key);
    setBusyId(reward.id);
    try {
      const redemption = await api.redeem(reward.id, key);
      pendingKeys.current.delete(reward.id);
      toast(redemption.coupon ? `兑换成功，券码 ${redemption.coupon.code}` : '兑换处理中', 'none');
      await Promise.all([points.reload(), rewards.reload()]);
      go(ROUTES.coupons);
    } catch (error) {
      if (!(error instanceof Error && 'retryable' in error && (error as { retryable: boolean }).retryable)) pendingKeys.current.delete(reward.id);
      toast(errorText(error));
    } finally {
      setBusyId(null);
    }
  };

  const available = points.data?.available ?? null;
  return (
    <View className='page' data-testid='page-rewards'>
      <View className='card row'>
        <Text>{available === null ? '我的积分 …' : `我的积分 ${available}`}</Text>
        <Text className='muted' onClick={() => go(ROUTES.coupons)}>我的券 ›</Text>
      </View>
      <StateView
        loading={rewards.loading}
        error={rewards.error}
        data={rewards.data}
        onRetry={() => void rewards.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText='暂时没有可兑换的奖励'
      >
        {(list) => (
          <View>
            {list.map((reward) => {
              const short = available !== null && available < reward.pointsCost;
              const disabled = !reward.canRedeem || short || busyId !== null;
              const label = !reward.canRedeem ? reward.unavailableText ?? '不可兑换' : short ? '积分不足' : busyId === reward.id ? '兑换中…' : '立即兑换';
              return (
                <View className='card' key={reward.id} data-testid='reward'>
                  <View className='row'>
                    <Text className='card-title'>{reward.name}</Text>
                    <Text className='tag'>{KIND_TEXT[reward.kind]}</Text>
                  </View>
                  <Text className='muted'>{reward.description}</Text>
                  <View>
                    <Text className='muted'>{`${reward.whereText} · ${validityText(reward)} · 剩余 ${reward.remainingStock}`}</Text>
                  </View>
                  <View className='row'>
                    <Text className='big-number' style={{ fontSize: '40px' }}>{`${reward.pointsCost} 积分`}</Text>
                    <Button className='btn btn-small' data-testid='reward-redeem' disabled={disabled} onClick={() => void redeem(reward)}>
                      {label}
                    </Button>
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
