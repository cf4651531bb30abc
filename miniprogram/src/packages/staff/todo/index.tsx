import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import type { ChurnAlert } from '@o2o/shared/schemas/churn';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { todoApi } from './todo-api';

const KIND_TEXT: Record<ChurnAlert['kind'], string> = { left_group: '已退群', lapsed: '久未下单' };
const CLOSED_TEXT: Record<NonNullable<ChurnAlert['closedReason']>, string> = { done: '已处理', ordered: '已重新下单', rejoined: '已回群' };

function sinceText(alert: ChurnAlert): string {
  return alert.kind === 'left_group' ? `退群 ${alert.days} 天` : `${alert.days} 天未下单（上次下单 ${formatDateTime(alert.since)}）`;
}

function AlertCard({ alert, onChanged }: { alert: ChurnAlert; onChanged: () => void }) {
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const done = async () => {
    setSaving(true);
    try {
      await todoApi.done(alert.id, note.trim());
      toast('已标记为处理完成', 'success');
      onChanged();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <View className='card' data-testid='churn-alert'>
      <View className='row'>
        <Text className='card-title'>{`${alert.residentName}${alert.phoneTail ? `（尾号 ${alert.phoneTail}）` : ''}`}</Text>
        <Text className={alert.status === 'open' ? 'tag' : 'tag tag-grey'}>{alert.status === 'open' ? KIND_TEXT[alert.kind] : CLOSED_TEXT[alert.closedReason ?? 'done']}</Text>
      </View>
      <Text className='muted'>{sinceText(alert)}</Text>
      <View style={{ margin: '8px 0' }}>
        <Text data-testid='churn-suggestion'>{`建议：${alert.suggestion}`}</Text>
      </View>
      {alert.note ? <Text className='muted' style={{ display: 'block' }}>{`备注：${alert.note}`}</Text> : null}
      {alert.status === 'open' ? (
        <View>
          <Input className='input' placeholder='备注（选填），例如：已私聊，送了 5 元券' maxlength={200} value={note} onInput={(event) => setNote(event.detail.value)} />
          <Button className='btn btn-small' disabled={saving} onClick={() => void done()} data-testid='churn-done'>
            {saving ? '提交中…' : '标记已处理'}
          </Button>
        </View>
      ) : null}
    </View>
  );
}

/** Residents who left the group or stopped ordering: who to contact today, and what to do. */
export default function Todo() {
  const [status, setStatus] = useState<ChurnAlert['status']>('open');
  const alerts = useRequest(() => todoApi.list(status), [status]);
  return (
    <StaffPage page='todo'>
      <View className='card row'>
        {([['open', '待处理'], ['closed', '已关闭']] as const).map(([value, label]) => (
          <Text key={value} className={status === value ? 'tag' : 'tag tag-grey'} onClick={() => setStatus(value)}>{label}</Text>
        ))}
      </View>
      <StateView loading={alerts.loading} error={alerts.error} data={alerts.loading ? null : { value: alerts.data ?? [] }} onRetry={() => void alerts.reload()}>
        {({ value }) =>
          value.length === 0 ? (
            <View className='card state'>{status === 'open' ? '暂无需要跟进的居民' : '暂无已关闭的提醒'}</View>
          ) : (
            <View>
              {value.map((alert) => (
                <AlertCard key={alert.id} alert={alert} onChanged={() => void alerts.reload()} />
              ))}
            </View>
          )
        }
      </StateView>
    </StaffPage>
  );
}
