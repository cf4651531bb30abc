import { Button, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api, type FraudFlag } from '../../../services/api';
import { ApiError } from '../../../services/api-client';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';

const RULE_TEXT: Record<FraudFlag['rule'], string> = { burst_1d: '单日邀请过多', burst_window: '短期邀请过多', low_quality_invitees: '被邀请人只领积分' };

async function loadFlags(): Promise<FraudFlag[] | 'forbidden' | null> {
  try {
    const data = await api.fraudFlags();
    if (data === null) return null;
    return Array.isArray(data) ? data : data.items;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'forbidden';
    throw error;
  }
}

export default function Flags() {
  const flags = useRequest(loadFlags);
  const decide = async (flag: FraudFlag, decision: 'release' | 'cancel') => {
    const { confirm } = await Taro.showModal({ title: decision === 'release' ? '放行奖励' : '取消奖励', content: `确认${decision === 'release' ? '放行' : '取消'} ${flag.heldRewards} 笔冻结奖励？` });
    if (!confirm) return;
    try {
      await api.decideFlag(flag.id, decision, decision === 'release' ? '人工复核通过' : '人工复核判定为刷量');
      toast('已处理', 'success');
      void flags.reload();
    } catch (error) {
      toast(errorText(error));
    }
  };
  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-flags'>
        <StaffNav current={ROUTES.staffFlags} />
        <StateView loading={flags.loading} error={flags.error} data={flags.loading ? null : { value: flags.data }} onRetry={() => void flags.reload()}>
          {({ value }) => {
            if (value === null) return <View className='card state'>风控审核即将上线</View>;
            if (value === 'forbidden') return <View className='card state'>你的角色无权审核风控标记</View>;
            if (value.length === 0) return <View className='card state'>暂无待审核的标记</View>;
            return (
              <View>
                {value.map((flag) => (
                  <View key={flag.id} className='card'>
                    <View className='row'>
                      <Text className='card-title'>{RULE_TEXT[flag.rule]}</Text>
                      <Text className={flag.status === 'open' ? 'tag' : 'tag tag-grey'}>{flag.status === 'open' ? '待处理' : flag.status === 'released' ? '已放行' : '已取消'}</Text>
                    </View>
                    <Text className='muted'>{`${formatDateTime(flag.createdAt)} · 冻结奖励 ${flag.heldRewards} 笔`}</Text>
                    {flag.status === 'open' ? (
                      <View className='row'>
                        <Button className='btn btn-small btn-plain' onClick={() => void decide(flag, 'release')}>放行</Button>
                        <Button className='btn btn-small' onClick={() => void decide(flag, 'cancel')}>取消奖励</Button>
                      </View>
                    ) : null}
                  </View>
                ))}
              </View>
            );
          }}
        </StateView>
      </View>
    </StaffOnly>
  );
}
