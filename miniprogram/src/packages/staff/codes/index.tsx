import { Button, Image, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api, type QrCode } from '../../../services/api';
import { loadCodeImage, saveCodeImage } from '../../../services/code-image';
import { go, toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';

const TYPE_TEXT: Record<QrCode['type'], string> = { brand: '品牌码', advisor: '顾问码', advisor_activity: '顾问活动码', store_activity: '门店活动码' };

function CodeCard({ code }: { code: QrCode }) {
  const [image, setImage] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const show = async () => {
    setLoading(true);
    try {
      setImage(await loadCodeImage(code.id));
    } catch (error) {
      toast(errorText(error));
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
      <Text className='muted'>{`场景值 ${code.scene}`}</Text>
      {image ? <Image className='qr' src={image} mode='aspectFit' data-testid='staff-code-image' /> : null}
      <View className='row'>
        <Button className='btn btn-small btn-plain' disabled={loading} onClick={() => void show()}>
          {loading ? '加载中…' : image ? '刷新二维码' : '查看二维码'}
        </Button>
        {image ? (
          <Button className='btn btn-small' onClick={() => void saveCodeImage(image, code.name).then(() => toast('已保存'), (error: unknown) => toast(errorText(error)))}>
            保存图片
          </Button>
        ) : null}
      </View>
    </View>
  );
}

export default function StaffCodes() {
  const codes = useRequest(() => api.codes());
  const staff = currentSession()?.staff;
  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-codes'>
        <StaffNav current={ROUTES.staffCodes} />
        <View className='card row'>
          <Text>{staff ? `${staff.name} 的二维码` : '我的二维码'}</Text>
          <Button className='btn btn-small' data-testid='code-create' onClick={() => go(ROUTES.staffCodeCreate)}>
            新建活动码
          </Button>
        </View>
        <StateView loading={codes.loading} error={codes.error} data={codes.data} onRetry={() => void codes.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有二维码'>
          {(list) => (
            <View>
              {list.map((code) => (
                <CodeCard key={code.id} code={code} />
              ))}
            </View>
          )}
        </StateView>
      </View>
    </StaffOnly>
  );
}
