import { Input, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { couponCodeSchema } from '@o2o/shared/schemas/rewards';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { errorText } from '../../../components/state-view';
import { ApiError } from '../../../services/api-client';
import { formatDate, formatDateTime } from '../../../services/format';
import { isH5 } from '../../../services/platform';
import { currentSession } from '../../../services/session';
import { staffApi, type StaffCoupon } from '../../../services/staff-api';
import '../staff.css';

type Answer = { tone: 'ok' | 'warn' | 'bad'; title: string; detail: string; coupon: StaffCoupon | null };

/** What the counter needs to hear about a coupon before (or instead of) using it. */
function answerFor(coupon: StaffCoupon, storeId: string | null): Answer {
  if (coupon.state === 'used') return { tone: 'bad', title: '这张券已经用过了', detail: `${formatDateTime(coupon.usedAt)} 已核销，不能再用`, coupon };
  if (coupon.state === 'expired') return { tone: 'bad', title: '这张券已过期', detail: `有效期到 ${formatDate(coupon.expiresAt)}`, coupon };
  const cityId = currentSession()?.staff?.cityId ?? null;
  const otherStore = coupon.scope.kind === 'stores' ? storeId !== null && !coupon.scope.storeIds.includes(storeId) : cityId !== null && coupon.scope.cityId !== cityId;
  if (otherStore) return { tone: 'bad', title: '这张券不能在本店使用', detail: `${coupon.whereText}，请让居民到对应门店使用`, coupon };
  return { tone: 'ok', title: '可以使用', detail: `${coupon.description || coupon.name} · ${coupon.whereText} · 有效期到 ${formatDate(coupon.expiresAt)}`, coupon };
}

function VerifyBody() {
  const storeId = currentSession()?.staff?.storeId ?? null;
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);

  const check = async (raw: string) => {
    const parsed = couponCodeSchema.safeParse(raw);
    if (!parsed.success) {
      setAnswer({ tone: 'warn', title: '券码格式不对', detail: '券码是 10 位字母和数字，请核对后重新输入', coupon: null });
      return;
    }
    setCode(parsed.data);
    setBusy(true);
    try {
      setAnswer(answerFor(await staffApi.coupon(parsed.data), storeId));
    } catch (error) {
      const notFound = error instanceof ApiError && error.status === 404;
      const otherStore = error instanceof ApiError && error.code === 'COUPON_NOT_FOR_THIS_STORE';
      if (otherStore) setAnswer({ tone: 'bad', title: '这张券不能在本店使用', detail: '这张券是其他门店的，请让居民到券上写的门店使用', coupon: null });
      else setAnswer({ tone: 'bad', title: notFound ? '没有这张券' : '查询失败', detail: notFound ? '请核对券码，或让居民打开「我的券」重新出示' : errorText(error), coupon: null });
    } finally {
      setBusy(false);
    }
  };

  const use = async () => {
    if (!answer?.coupon) return;
    setBusy(true);
    try {
      const used = await staffApi.useCoupon(answer.coupon.code);
      setAnswer({ tone: 'ok', title: '核销成功', detail: `${used.name} 已标记为已使用（${formatDateTime(used.usedAt)}）`, coupon: null });
    } catch (error) {
      // A second tap, another counter or a stale screen: ask the server what the coupon is now.
      if (error instanceof ApiError && (error.status === 409 || error.status === 403)) {
        try {
          const fresh = await staffApi.coupon(answer.coupon.code);
          setAnswer({ ...answerFor(fresh, storeId), detail: `${errorText(error)} · ${answerFor(fresh, storeId).detail}`, coupon: null });
        } catch {
          setAnswer({ tone: 'bad', title: '核销失败', detail: errorText(error), coupon: null });
        }
      } else {
        setAnswer({ tone: 'bad', title: '核销失败', detail: errorText(error), coupon: null });
      }
    } finally {
      setBusy(false);
    }
  };

  const scan = async () => {
    try {
      const result = await Taro.scanCode({ onlyFromCamera: true, scanType: ['qrCode', 'barCode'] });
      await check(result.result);
    } catch {
      // Closing the scanner is not an error.
    }
  };

  return (
    <>
      <View className='card'>
        <Text className='card-title'>核销居民的兑换券</Text>
        {isH5 ? null : (
          <Btn block testId='verify-scan' onClick={() => void scan()}>
            扫码核销
          </Btn>
        )}
        <Text className='caption'>{isH5 ? '输入居民「我的券」页上的 10 位券码' : '或输入券码'}</Text>
        <View className='row'>
          <Input className='input grow' placeholder='10 位券码' maxlength={12} value={code} onInput={(event) => setCode(event.detail.value.toUpperCase())} onConfirm={() => void check(code)} data-testid='verify-code' />
          <Btn small disabled={busy || code.trim().length === 0} testId='verify-check' onClick={() => void check(code)}>
            查询
          </Btn>
        </View>
      </View>
      {answer ? (
        <View className='card' data-testid='verify-answer' data-tone={answer.tone}>
          <Text className={`card-title ${answer.tone === 'ok' ? '' : 'danger'}`} data-testid='verify-title'>{answer.title}</Text>
          {answer.coupon ? <Text className='text-body'>{answer.coupon.name}</Text> : null}
          <View>
            <Text className='muted' data-testid='verify-detail'>{answer.detail}</Text>
          </View>
          {answer.coupon && answer.tone === 'ok' ? (
            <View className='mt-24'>
              <Btn block disabled={busy} testId='verify-use' onClick={() => void use()}>
                {busy ? '核销中…' : '确认核销'}
              </Btn>
            </View>
          ) : null}
        </View>
      ) : null}
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Verify() {
  return (
    <StaffPage page='verify'>
      <VerifyBody />
    </StaffPage>
  );
}
