import { Image, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { Btn } from '../../../components/button';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api, type QrCode } from '../../../services/api';
import { loadCodeImage, saveCodeImage } from '../../../services/code-image';
import { go, toast } from '../../../services/navigation';
import { isH5 } from '../../../services/platform';
import { currentSession } from '../../../services/session';
import '../staff.css';

const TYPE_TEXT: Record<QrCode['type'], string> = { brand: '品牌码', advisor: '顾问码', advisor_activity: '顾问活动码', store_activity: '门店活动码' };

/** Whom a sign-up through each code type credits (the attribution rule, in one line each). */
const CREDIT_TEXT: Record<QrCode['type'], string> = {
  brand: '注册记给门店，不记给个人',
  advisor: '注册记给门店；码印着你的名字，但不计入你的进度',
  advisor_activity: '注册记给你本人（也算门店的），计入你的 1000 消费用户进度',
  store_activity: '注册记给门店的这次活动，不记给个人',
};

/** Full screen, white, brightest: what a resident scans at the counter or a doorstep. */
function Presenter({ image, code, storeName, staffName, onClose }: { image: string; code: QrCode; storeName: string; staffName: string; onClose: () => void }) {
  return (
    <View className='presenter' data-testid='code-presenter' onClick={onClose}>
      <Image className='presenter-qr' src={image} mode='aspectFit' data-testid='code-presenter-image' />
      <Text className='presenter-store'>{storeName}</Text>
      <Text className='presenter-name'>{`${TYPE_TEXT[code.type]} · ${code.type === 'advisor_activity' || code.type === 'advisor' ? staffName : code.name}`}</Text>
      <Text className='presenter-hint'>请用微信扫一扫注册 · 轻触任意处关闭</Text>
    </View>
  );
}

async function brighten(on: boolean, previous: { value: number | null }): Promise<void> {
  if (isH5) return;
  try {
    if (on) {
      previous.value = (await Taro.getScreenBrightness()).value;
      await Taro.setScreenBrightness({ value: 1 });
      await Taro.setKeepScreenOn({ keepScreenOn: true });
    } else {
      if (previous.value !== null) await Taro.setScreenBrightness({ value: previous.value });
      await Taro.setKeepScreenOn({ keepScreenOn: false });
    }
  } catch {
    // Brightness is a nicety: some devices refuse it.
  }
}

function CodeCard({ code, onPresent }: { code: QrCode; onPresent: (code: QrCode, image: string) => void }) {
  const [loading, setLoading] = useState(false);
  const [image, setImage] = useState<string | null>(null);
  const load = async (): Promise<string | null> => {
    if (image) return image;
    setLoading(true);
    try {
      const loaded = await loadCodeImage(code.id);
      setImage(loaded);
      return loaded;
    } catch (error) {
      toast(errorText(error));
      return null;
    } finally {
      setLoading(false);
    }
  };
  return (
    <View className='card' data-testid='staff-code'>
      <View className='row'>
        <Text className='card-title' style={{ marginBottom: 0 }}>{code.name}</Text>
        <Text className={code.enabled ? 'tag' : 'tag tag-grey'}>{code.enabled ? TYPE_TEXT[code.type] : '已停用'}</Text>
      </View>
      <Text className='muted' data-testid='staff-code-credit'>{CREDIT_TEXT[code.type]}</Text>
      <View className='row mt-24'>
        <Btn small disabled={loading || !code.enabled} testId='code-present' onClick={() => void load().then((loaded) => (loaded ? onPresent(code, loaded) : undefined))}>
          {loading ? '加载中…' : '全屏出示'}
        </Btn>
        <Btn small variant='plain' disabled={loading} onClick={() => void load().then((loaded) => (loaded ? saveCodeImage(loaded, code.name).then(() => toast('已保存'), (error: unknown) => toast(errorText(error))) : undefined))}>
          保存图片
        </Btn>
      </View>
    </View>
  );
}

function StaffCodesBody() {
  const staff = currentSession()?.staff;
  const codes = useRequest(async () => {
    const [list, store] = await Promise.all([api.codes(), staff?.storeId ? api.store(staff.storeId) : Promise.resolve(null)]);
    // Mine first: the codes that credit me, then the store's.
    const order: QrCode['type'][] = staffRole() === 'advisor' ? ['advisor_activity', 'advisor', 'store_activity', 'brand'] : ['store_activity', 'brand', 'advisor', 'advisor_activity'];
    return { list: [...list].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type)), storeName: store?.name ?? '' };
  });
  const [presenting, setPresenting] = useState<{ code: QrCode; image: string } | null>(null);
  const previous = useState(() => ({ value: null as number | null }))[0];
  const present = (code: QrCode, image: string) => {
    setPresenting({ code, image });
    void brighten(true, previous);
  };
  const close = () => {
    setPresenting(null);
    void brighten(false, previous);
  };
  return (
    <>
      <View className='card row'>
        <Text>{staff ? `${staff.name} 的二维码` : '我的二维码'}</Text>
        <Btn small testId='code-create' onClick={() => go(ROUTES.staffCodeCreate)}>
          新建活动码
        </Btn>
      </View>
      <StateView loading={codes.loading} error={codes.error} data={codes.data} onRetry={() => void codes.reload()} isEmpty={(data) => data.list.length === 0} emptyText='还没有二维码，点「新建活动码」创建一个'>
        {(data) => (
          <View>
            {data.list.map((code) => (
              <CodeCard key={code.id} code={code} onPresent={present} />
            ))}
            {presenting ? <Presenter image={presenting.image} code={presenting.code} storeName={data.storeName} staffName={staff?.name ?? ''} onClose={close} /> : null}
          </View>
        )}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function StaffCodes() {
  return (
    <StaffPage page='codes'>
      <StaffCodesBody />
    </StaffPage>
  );
}
