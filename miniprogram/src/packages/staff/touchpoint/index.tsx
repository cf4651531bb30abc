import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { OFFLINE_TOUCH_KINDS } from '@o2o/shared/schemas/acquisition';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { formatDate } from '../../../services/format';
import { toast } from '../../../services/navigation';

const KIND_TEXT: Record<(typeof OFFLINE_TOUCH_KINDS)[number], string> = { store_visit: '到店', delivery_contact: '配送接触', event: '线下活动' };

export default function Touchpoint() {
  const residents = useRequest(() => api.residents({ limit: 50 }));
  const [residentId, setResidentId] = useState<string | null>(null);
  const [kind, setKind] = useState<(typeof OFFLINE_TOUCH_KINDS)[number]>('store_visit');
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    if (!residentId) {
      toast('请选择居民');
      return;
    }
    setSaving(true);
    try {
      await api.recordTouchpoint(residentId, { kind, ...(note.trim() ? { note: note.trim() } : {}) });
      toast('已记录', 'success');
      setNote('');
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-touchpoint'>
        <StaffNav current={ROUTES.staffTouchpoint} />
        <View className='card'>
          <Text className='card-title'>触点类型</Text>
          <View className='row'>
            {OFFLINE_TOUCH_KINDS.map((option) => (
              <View key={option} className={`choice ${option === kind ? 'choice-selected' : ''}`} onClick={() => setKind(option)}>
                <Text>{KIND_TEXT[option]}</Text>
              </View>
            ))}
          </View>
          <Input className='input' placeholder='备注（可选）' maxlength={500} value={note} onInput={(event) => setNote(event.detail.value)} />
          <Button className='btn' disabled={saving || !residentId} onClick={() => void submit()}>
            {saving ? '提交中…' : '记录触点'}
          </Button>
        </View>
        <View className='card'>
          <Text className='card-title'>选择居民</Text>
          <StateView loading={residents.loading} error={residents.error} data={residents.data} onRetry={() => void residents.reload()} isEmpty={(page) => page.items.length === 0} emptyText='你的名下还没有居民'>
            {(page) => (
              <View>
                {page.items.map((resident) => (
                  <View key={resident.id} className={`choice ${resident.id === residentId ? 'choice-selected' : ''}`} onClick={() => setResidentId(resident.id)}>
                    <Text>{resident.nickname ?? '未填写昵称'}</Text>
                    <Text className='muted'>{`  ${formatDate(resident.registeredAt)}注册${resident.firstOrderAt ? ' · 已首单' : ''}`}</Text>
                  </View>
                ))}
              </View>
            )}
          </StateView>
        </View>
      </View>
    </StaffOnly>
  );
}
