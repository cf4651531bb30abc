import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { maskMobile, PROFILE_FIELD_LABELS } from '@o2o/shared/rules/profile';
import { Btn } from '../../components/button';
import { CardHeader } from '../../components/card-header';
import { Cell, Cells } from '../../components/cell';
import { COLORS, Icon } from '../../components/icon';
import { ErrorState, LoadingState } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type BindCode, type Resident } from '../../services/api';
import { errorText } from '../../services/errors';
import { formatDateTime } from '../../services/format';
import { go, toast } from '../../services/navigation';
import { logout } from '../../services/session';

function ProfileHeader({ me, communityName }: { me: Resident; communityName: string | null }) {
  const place = [communityName, me.building, me.unit].filter(Boolean).join(' ');
  return (
    <View className='hero' onClick={() => go(ROUTES.profile)} data-testid='me-header'>
      <View className='row-start'>
        <View className='avatar'>
          <Text>{me.nickname ? [...me.nickname][0] : '邻'}</Text>
        </View>
        <View className='grow gap-16'>
          <Text className='hero-title ellipsis'>{me.nickname ?? '邻居'}</Text>
          <Text className='hero-muted block ellipsis'>{place || '还没有填写小区和门牌'}</Text>
          {me.phone ? <Text className='hero-muted block'>{maskMobile(me.phone)}</Text> : null}
        </View>
        <View className='hero-chip'>
          <Icon name='edit' color={COLORS.white} size={32} />
          <Text className='gap-8'>编辑资料</Text>
        </View>
      </View>
    </View>
  );
}

function BindCodeCard() {
  const [code, setCode] = useState<BindCode | null>(null);
  const [busy, setBusy] = useState(false);
  const issue = async () => {
    setBusy(true);
    try {
      setCode(await api.identityCode());
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='card' data-testid='bind-code-card'>
      <CardHeader title='绑定社群身份' icon='key' iconColor={COLORS.brand} />
      <Text className='muted block'>绑定后，在门店社群发“签到”领积分，私聊群小助手发“积分”“订单”可查自己的信息。</Text>
      {code ? (
        <View className='center mt-16'>
          <Text className='code-text block' data-testid='bind-code'>
            {code.code}
          </Text>
          <Text className='text-body block mt-8'>{code.instruction}</Text>
          <Text className='caption block mt-8'>{`${formatDateTime(code.expiresAt)} 前有效，只能用一次`}</Text>
          <View className='mt-16'>
            <Btn small variant='plain' disabled={busy} onClick={() => void issue()}>
              换一个绑定码
            </Btn>
          </View>
        </View>
      ) : (
        <View className='mt-16'>
          <Btn block variant='plain' disabled={busy} onClick={() => void issue()} testId='bind-code-issue'>
            {busy ? '获取中…' : '获取绑定码'}
          </Btn>
        </View>
      )}
      <View className='mt-16'>
        <Text className='caption block'>1. 点上方获取 12 位绑定码</Text>
        <Text className='caption block'>2. 在微信里找到门店社群的“群小助手”，私聊它发送“绑定 加上 12 位码”</Text>
        <Text className='caption block'>3. 收到“绑定成功”即可，以后无需再绑</Text>
      </View>
    </View>
  );
}

function PrivacyNote() {
  return (
    <View className='card' data-testid='privacy-note'>
      <CardHeader title='隐私说明' icon='shield' iconColor={COLORS.brand} />
      <Text className='muted block'>我们只保存为你服务所需的信息：昵称、所在小区和楼栋门牌、手机号（用于配送联系），以及订单、积分和券的记录。</Text>
      <Text className='muted block mt-8'>手机号只给为你配送的门店使用，不会公开；邀请邻居时，对方只能看到你的昵称。</Text>
      <Text className='muted block mt-8'>如需查询、更正或删除你的信息，请联系门店或拨打门店电话。</Text>
    </View>
  );
}

export default function Me() {
  const allowed = useResidentPage();
  const me = useRequest(() => api.me(), [], allowed);
  const points = useRequest(() => api.points(), [], allowed);
  const coupons = useRequest(() => api.myCoupons(), [], allowed);
  const storeId = me.data?.storeId ?? null;
  const store = useRequest(() => (storeId ? api.store(storeId) : Promise.resolve(null)), [storeId], allowed && me.data !== null);
  const choices = useRequest(() => (storeId ? api.communityChoices(storeId) : Promise.resolve([])), [storeId], allowed && me.data !== null);
  const [showPrivacy, setShowPrivacy] = useState(false);
  const firstShow = useRef(true);

  const reloadAll = () => Promise.all([me.reload(), points.reload(), coupons.reload()]);
  useDidShow(() => {
    if (firstShow.current) {
      firstShow.current = false;
      return;
    }
    if (allowed) void reloadAll();
  });
  usePullDownRefresh(() => {
    void reloadAll().finally(() => Taro.stopPullDownRefresh());
  });

  const signOut = async () => {
    const { confirm } = await Taro.showModal({ title: '退出登录', content: '退出后需要重新登录才能查看积分和券，确定退出吗？', confirmText: '退出', confirmColor: '#e54545' });
    if (!confirm) return;
    await api.logout().catch(() => null);
    logout();
    void Taro.reLaunch({ url: `${ROUTES.landing}?signedOut=1` });
  };

  if (!allowed) return <View className='page'><LoadingState /></View>;
  if (me.error) return <View className='page'><ErrorState error={me.error} onRetry={() => void me.reload()} /></View>;
  if (!me.data) return <View className='page'><LoadingState rows={3} /></View>;
  const resident = me.data;
  const communityName = (choices.data ?? []).find((choice) => choice.id === resident.communityId)?.name ?? null;
  const missing = resident.missingProfileFields.map((field) => PROFILE_FIELD_LABELS[field]);
  const usable = (coupons.data ?? []).filter((coupon) => coupon.state === 'available').length;

  return (
    <View className='page-flush' data-testid='page-me'>
      <ProfileHeader me={resident} communityName={communityName} />
      <View className='overlap'>
        <View className='card card-tight'>
          <View className='stats'>
            <View className='stat' onClick={() => go(ROUTES.points)} data-testid='me-points'>
              <Text className='stat-number'>{points.data?.available ?? '—'}</Text>
              <Text className='stat-label'>可用积分</Text>
            </View>
            <View className='stat' onClick={() => go(ROUTES.coupons)}>
              <Text className='stat-number'>{coupons.data ? usable : '—'}</Text>
              <Text className='stat-label'>可用券</Text>
            </View>
            <View className='stat' onClick={() => go(ROUTES.points)}>
              <Text className='stat-number'>{points.data?.pending ?? '—'}</Text>
              <Text className='stat-label'>待到账</Text>
            </View>
          </View>
          {points.data && points.data.expiringSoonTotal > 0 ? (
            <View className='notice notice-inset' onClick={() => go(ROUTES.points)}>
              <Icon name='clock' color={COLORS.warn} size={32} />
              <Text className='notice-text'>{`${points.data.expiringSoonTotal} 积分即将过期，去看看`}</Text>
            </View>
          ) : null}
        </View>

        {missing.length > 0 ? (
          <View className='card row' data-testid='me-profile-missing'>
            <View className='grow'>
              <Text className='text-body block'>完善资料，方便门店配送</Text>
              <Text className='caption block'>{`还差：${missing.join('、')}`}</Text>
            </View>
            <Btn small onClick={() => go(ROUTES.profile)} testId='me-complete-profile'>
              去完善
            </Btn>
          </View>
        ) : null}

        <Cells>
          <Cell icon='receipt' title='我的订单' description='订单状态和获得的积分' onClick={() => go(ROUTES.orders)} testId='me-orders' />
          <Cell icon='points' title='积分明细' value={points.data && points.data.expiringSoonTotal > 0 ? <Text className='warn'>有积分即将过期</Text> : undefined} onClick={() => go(ROUTES.points)} />
          <Cell icon='ticket' title='我的券' value={coupons.data ? `${usable} 张可用` : undefined} onClick={() => go(ROUTES.coupons)} testId='me-coupons' />
          <Cell icon='gift' title='积分兑换' onClick={() => go(ROUTES.rewards)} />
          <Cell icon='invite' title='邀请邻居' description='邻居完成首单，你得积分' onClick={() => go(ROUTES.invite)} />
        </Cells>

        <Cells testId='me-store'>
          <Cell icon='store' title='我的门店' value={store.data?.name ?? '未选择'} onClick={() => go(ROUTES.store)} />
          <Cell icon='chat' title='门店社群' value={store.data?.groupQr?.name ?? '到门店页加入'} onClick={() => go(ROUTES.store)} />
        </Cells>

        <BindCodeCard />

        <Cells>
          <Cell icon='shield' title='隐私说明' value={showPrivacy ? '收起' : '查看'} arrow={false} onClick={() => setShowPrivacy(!showPrivacy)} testId='me-privacy' />
          <Cell icon='logout' iconColor={COLORS.danger} title={<Text className='danger'>退出登录</Text>} arrow={false} onClick={() => void signOut()} testId='me-sign-out' />
        </Cells>
        {showPrivacy ? <PrivacyNote /> : null}
      </View>
    </View>
  );
}
