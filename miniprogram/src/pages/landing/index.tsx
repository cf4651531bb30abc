import { Button, Input, Text, View } from '@tarojs/components';
import { useRouter } from '@tarojs/taro';
import { useCallback, useEffect, useState } from 'react';
import { api, type CommunityChoice, type ScanResult } from '../../services/api';
import { errorText } from '../../components/state-view';
import { deviceId, isH5 } from '../../services/platform';
import { resolveScene } from '../../services/scene';
import { currentSession, hasToken, login, markSignedUp, type Session } from '../../services/session';
import { goHomeFor, toast } from '../../services/navigation';

type Step =
  | { name: 'working'; text: string }
  | { name: 'signup'; storeName: string | null; choices: CommunityChoice[] }
  | { name: 'error'; message: string };

export default function Landing() {
  const router = useRouter();
  const [step, setStep] = useState<Step>({ name: 'working', text: '正在进入…' });
  const [scan, setScan] = useState<ScanResult | null>(null);
  const [communityId, setCommunityId] = useState<string | null>(null);
  const [nickname, setNickname] = useState('');
  const [phoneCode, setPhoneCode] = useState<string | undefined>(undefined);
  const [submitting, setSubmitting] = useState(false);

  const start = useCallback(async () => {
    setStep({ name: 'working', text: '正在进入…' });
    const scene = resolveScene(router.params, isH5 && typeof window !== 'undefined' ? window.location.href : null);
    try {
      // A returning resident opening the app without a code goes straight home.
      if (!scene && hasToken() && currentSession() && !currentSession()?.needsSignUp) {
        goHomeFor();
        return;
      }
      let scanResult: ScanResult | null = null;
      if (scene) {
        scanResult = await api.recordScan(`${scene.payload}.${scene.signature}`, deviceId()).catch(() => null);
        setScan(scanResult);
      }
      setStep({ name: 'working', text: '正在登录…' });
      const session: Session = await login(scene ? `${scene.payload}.${scene.signature}` : undefined);
      if (session.kind === 'staff' || !session.needsSignUp) {
        goHomeFor(session);
        return;
      }
      const resident = await api.me();
      const storeId = resident.storeId ?? scanResult?.store?.id ?? null;
      let choices: CommunityChoice[] = [];
      let storeName = scanResult?.store?.name ?? null;
      if (storeId) {
        choices = await api.communityChoices(storeId);
        if (!storeName) storeName = (await api.store(storeId).catch(() => null))?.name ?? null;
      }
      setCommunityId(choices[0]?.id ?? null);
      setStep({ name: 'signup', storeName, choices });
    } catch (error) {
      setStep({ name: 'error', message: errorText(error) });
    }
  }, [router.params]);

  useEffect(() => {
    void start();
  }, [start]);

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
      goHomeFor();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <View className='page' data-testid='page-landing'>
      {scan ? (
        <View className='card' data-testid='scan-message'>
          <Text className='card-title'>{scan.store?.name ?? '邻里鲜生'}</Text>
          <Text className={scan.status === 'attributable' || scan.status === 'invite' ? 'muted' : 'warn'}>{scan.message}</Text>
        </View>
      ) : null}

      {step.name === 'working' ? (
        <View className='state'>
          <Text>{step.text}</Text>
        </View>
      ) : null}

      {step.name === 'error' ? (
        <View className='state' data-testid='state-error'>
          <Text className='danger'>{step.message}</Text>
          <View style={{ marginTop: '16px' }}>
            <Button className='btn btn-small btn-plain' onClick={() => void start()}>重试</Button>
          </View>
        </View>
      ) : null}

      {step.name === 'signup' ? (
        <View data-testid='signup'>
          <View className='card'>
            <Text className='card-title'>完成注册</Text>
            <Text className='muted'>{step.storeName ? `选择你所在的小区，由${step.storeName}为你服务` : '选择你所在的小区'}</Text>
          </View>
          <View className='card'>
            <Text className='card-title'>所在小区</Text>
            {step.choices.length === 0 ? <Text className='muted'>附近暂无可选小区，请联系门店</Text> : null}
            {step.choices.map((choice) => (
              <View
                key={choice.id}
                className={`choice ${choice.id === communityId ? 'choice-selected' : ''}`}
                data-testid='community-choice'
                onClick={() => setCommunityId(choice.id)}
              >
                <Text>{choice.name}</Text>
                <Text className='muted'>{`  ${choice.distanceKm.toFixed(1)} km · ${choice.address}`}</Text>
              </View>
            ))}
          </View>
          <View className='card'>
            <Text className='card-title'>昵称（可选）</Text>
            <Input className='input' placeholder='邻居怎么称呼你' maxlength={30} value={nickname} onInput={(event) => setNickname(event.detail.value)} />
            {!isH5 ? (
              <Button className='btn btn-small btn-plain' openType='getPhoneNumber' onGetPhoneNumber={(event) => setPhoneCode((event.detail as { code?: string }).code)}>
                {phoneCode ? '已授权手机号' : '授权手机号（可选）'}
              </Button>
            ) : null}
          </View>
          <Button className='btn' data-testid='signup-submit' disabled={submitting || !communityId} onClick={() => void submit()}>
            {submitting ? '提交中…' : '完成注册'}
          </Button>
        </View>
      ) : null}
    </View>
  );
}
