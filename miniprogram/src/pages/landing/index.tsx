import { Input, Text, View } from '@tarojs/components';
import { useRouter } from '@tarojs/taro';
import { useCallback, useEffect, useState } from 'react';
import { Btn } from '../../components/button';
import { CommunityPicker } from '../../components/community-picker';
import { COLORS, Icon } from '../../components/icon';
import { ErrorState } from '../../components/state-view';
import { api, type InviteLanding, type ScanResult } from '../../services/api';
import { errorText } from '../../services/errors';
import { goHomeFor, toast } from '../../services/navigation';
import { deviceId, isH5 } from '../../services/platform';
import { resolveScene } from '../../services/scene';
import { currentSession, hasToken, login, markSignedUp, type Session } from '../../services/session';

type Step =
  | { name: 'working'; text: string }
  | { name: 'signed_out' }
  | { name: 'signup'; storeId: string | null; storeName: string | null }
  | { name: 'error'; error: unknown };

function InviteCard({ invite }: { invite: InviteLanding }) {
  if (!invite.valid) {
    return (
      <View className='card' data-testid='invite-landing'>
        <Text className='muted block'>{invite.message}</Text>
      </View>
    );
  }
  return (
    <View className='hero hero-compact' data-testid='invite-landing'>
      <Text className='hero-muted block'>{invite.store?.name ?? '邻里鲜生'}</Text>
      <Text className='hero-title' data-testid='invite-landing-inviter'>{`${invite.inviterName} 邀请你加入`}</Text>
      <View className='card mt-24 mb-0'>
        <View className='row-start'>
          <View className='icon-badge icon-badge-orange'>
            <Icon name='gift' color={COLORS.warn} size={48} />
          </View>
          <View className='grow gap-16'>
            <Text className='text-body block'>你可得</Text>
            <Text className='price block' data-testid='invite-landing-invitee-reward'>
              {invite.inviteeRewardText}
            </Text>
          </View>
        </View>
        <View className='row-start mt-16'>
          <View className='icon-badge icon-badge-green'>
            <Icon name='invite' size={48} />
          </View>
          <View className='grow gap-16'>
            <Text className='text-body block'>{`${invite.inviterName} 可得`}</Text>
            <Text className='muted block'>{`你注册后 ${invite.qualifyDays} 天内完成首单，TA 得 ${invite.inviterRewardPoints} 积分`}</Text>
          </View>
        </View>
      </View>
    </View>
  );
}

export default function Landing() {
  const router = useRouter();
  const [step, setStep] = useState<Step>({ name: 'working', text: '正在进入…' });
  const [scan, setScan] = useState<ScanResult | null>(null);
  const [invite, setInvite] = useState<InviteLanding | null>(null);
  const [communityId, setCommunityId] = useState<string | null>(null);
  const [nickname, setNickname] = useState('');
  const [phoneCode, setPhoneCode] = useState<string | undefined>(undefined);
  const [submitting, setSubmitting] = useState(false);

  const start = useCallback(async () => {
    setStep({ name: 'working', text: '正在进入…' });
    const scene = resolveScene(router.params, isH5 && typeof window !== 'undefined' ? window.location.href : null);
    const rawScene = scene ? `${scene.payload}.${scene.signature}` : null;
    try {
      // A returning resident opening the app without a code goes straight home.
      if (!scene && hasToken() && currentSession() && !currentSession()?.needsSignUp) {
        goHomeFor(currentSession(), router.params.redirect);
        return;
      }
      let scanResult: ScanResult | null = null;
      if (rawScene) {
        const [recorded, landing] = await Promise.all([
          api.recordScan(rawScene, deviceId()).catch(() => null),
          scene!.kind === 'invite' ? api.inviteLanding(rawScene).catch(() => null) : Promise.resolve(null),
        ]);
        scanResult = recorded;
        setScan(recorded);
        setInvite(landing);
      }
      setStep({ name: 'working', text: '正在登录…' });
      const session: Session = await login(rawScene ?? undefined);
      if (session.kind === 'staff' || !session.needsSignUp) {
        goHomeFor(session, router.params.redirect);
        return;
      }
      const resident = await api.me();
      const storeId = resident.storeId ?? scanResult?.store?.id ?? null;
      setStep({ name: 'signup', storeId, storeName: scanResult?.store?.name ?? null });
    } catch (error) {
      setStep({ name: 'error', error });
    }
  }, [router.params]);

  useEffect(() => {
    if (router.params.signedOut) setStep({ name: 'signed_out' });
    else void start();
  }, [start, router.params.signedOut]);

  const submit = async () => {
    if (!communityId) {
      toast('请选择所在小区');
      return;
    }
    setSubmitting(true);
    try {
      await api.signUp({ communityId, ...(nickname.trim() ? { nickname: nickname.trim() } : {}), ...(phoneCode ? { phoneCode } : {}) });
      markSignedUp();
      toast('注册成功', 'success');
      goHomeFor(currentSession(), router.params.redirect);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSubmitting(false);
    }
  };

  const showScan = scan && !(invite && invite.valid);
  return (
    <View className={invite?.valid ? 'page-flush' : 'page'} data-testid='page-landing'>
      {invite ? <InviteCard invite={invite} /> : null}
      <View className={invite?.valid ? 'under-hero mt-24' : ''}>
        {showScan ? (
          <View className='card' data-testid='scan-message'>
            <View className='row-start'>
              <View className='icon-badge icon-badge-green'>
                <Icon name='store' size={48} />
              </View>
              <View className='grow gap-16'>
                <Text className='text-title block'>{scan!.store?.name ?? '邻里鲜生'}</Text>
                <Text className={scan!.status === 'attributable' || scan!.status === 'invite' ? 'muted block' : 'warn block'}>{scan!.message}</Text>
              </View>
            </View>
          </View>
        ) : null}

        {step.name === 'working' ? (
          <View className='state'>
            <Icon name='leaf' size={96} />
            <Text className='state-text'>{step.text}</Text>
          </View>
        ) : null}

        {step.name === 'signed_out' ? (
          <View className='state' data-testid='signed-out'>
            <Icon name='logout' color={COLORS.muted} size={96} />
            <Text className='state-text'>你已退出登录</Text>
            <View className='mt-24'>
              <Btn onClick={() => void start()} testId='sign-in-again'>
                重新登录
              </Btn>
            </View>
          </View>
        ) : null}

        {step.name === 'error' ? <ErrorState error={step.error} onRetry={() => void start()} /> : null}

        {step.name === 'signup' ? (
          <View data-testid='signup'>
            <View className='card'>
              <Text className='card-title'>选择你所在的小区</Text>
              <Text className='muted block mb-16'>
                {step.storeName ? `由${step.storeName}为你配送和服务` : '我们会为你匹配最近的门店'}
              </Text>
              <CommunityPicker storeId={step.storeId} value={communityId} onChange={(id) => setCommunityId(id)} />
            </View>
            <View className='card'>
              <Text className='card-title'>昵称（选填）</Text>
              <Input className='input mt-16' placeholder='邻居和门店怎么称呼你' maxlength={20} value={nickname} onInput={(event) => setNickname(event.detail.value)} data-testid='signup-nickname' />
              {!isH5 ? (
                <View className='row mt-16'>
                  <Text className='muted grow'>{phoneCode ? '已授权手机号' : '授权手机号，方便配送联系（选填）'}</Text>
                  <Btn small variant='plain' openType='getPhoneNumber' onGetPhoneNumber={(event) => setPhoneCode((event.detail as { code?: string }).code)}>
                    {phoneCode ? '已授权' : '授权'}
                  </Btn>
                </View>
              ) : null}
            </View>
            <Btn block testId='signup-submit' disabled={submitting || !communityId} onClick={() => void submit()}>
              {submitting ? '提交中…' : '完成注册'}
            </Btn>
            <Text className='caption block center mt-16'>注册即表示同意门店为你提供配送服务所需的信息使用</Text>
          </View>
        ) : null}
      </View>
    </View>
  );
}
