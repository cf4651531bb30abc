import { Button, Text, View } from '@tarojs/components';
import Taro, { useShareAppMessage } from '@tarojs/taro';
import { StateView } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { api, type MyInvites } from '../../services/api';
import { formatDate } from '../../services/format';
import { isH5 } from '../../services/platform';
import { toast } from '../../services/navigation';

const REWARD_STATE_TEXT: Record<MyInvites['invited'][number]['rewardState'], string> = {
  pending: '待达成',
  held_for_review: '审核中',
  available: '已到账',
  lapsed: '已失效',
  cancelled: '已取消',
};

export default function Invite() {
  const invites = useRequest(() => api.invites());

  useShareAppMessage(() => ({
    title: invites.data?.shareTitle ?? '邻居邀你一起逛邻里鲜生',
    path: invites.data ? `${ROUTES.landing}?scene=${encodeURIComponent(invites.data.scene)}` : ROUTES.landing,
  }));

  const copyLink = (data: MyInvites) => {
    void Taro.setClipboardData({ data: isH5 ? data.h5Url : data.inviteCode }).then(() => toast('已复制'));
  };

  return (
    <View className='page' data-testid='page-invite'>
      <StateView loading={invites.loading} error={invites.error} data={invites.data} onRetry={() => void invites.reload()}>
        {(data) => (
          <View>
            <View className='card' data-testid='invite-poster' style={{ textAlign: 'center', background: 'linear-gradient(#e8f7ee, #fff)' }}>
              <Text className='card-title'>{data.shareTitle}</Text>
              <Text className='muted'>{`邻居通过你的邀请注册，${data.qualifyDays} 天内完成首单，你得 ${data.rewardPoints} 积分`}</Text>
              <View style={{ margin: '24px 0' }}>
                <Text className='muted'>我的邀请码</Text>
                <View>
                  <Text className='code-text' data-testid='invite-code'>{data.inviteCode}</Text>
                </View>
              </View>
              <View className='row' style={{ justifyContent: 'center' }}>
                {!isH5 ? (
                  <Button className='btn btn-small' openType='share'>
                    分享给邻居
                  </Button>
                ) : null}
                <Button className='btn btn-small btn-plain' style={{ marginLeft: '16px' }} onClick={() => copyLink(data)}>
                  {isH5 ? '复制邀请链接' : '复制邀请码'}
                </Button>
              </View>
            </View>
            <View className='card'>
              <Text className='card-title'>{`我邀请的邻居（${data.invited.length}）`}</Text>
              {data.invited.length === 0 ? <Text className='muted'>还没有邻居通过你的邀请注册，分享给邻居试试吧</Text> : null}
              {data.invited.map((invitee) => (
                <View className='row' key={invitee.inviteeId} data-testid='invitee'>
                  <View>
                    <Text>{invitee.displayName}</Text>
                    <View>
                      <Text className='muted'>{`${formatDate(invitee.registeredAt)}注册 · ${formatDate(invitee.qualifyBy)}前首单有效`}</Text>
                    </View>
                  </View>
                  <Text className={invitee.rewardState === 'available' ? 'tag' : 'tag tag-grey'}>
                    {`${REWARD_STATE_TEXT[invitee.rewardState]} ${invitee.rewardPoints}分`}
                  </Text>
                </View>
              ))}
            </View>
          </View>
        )}
      </StateView>
    </View>
  );
}
