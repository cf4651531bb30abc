import { Picker, Text, Textarea, View } from '@tarojs/components';
import { useState } from 'react';
import { broadcastInputSchema } from '@o2o/shared/schemas/groups';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';
import { chinaDay, staffApi, type Broadcast, type BroadcastInput, type Group } from '../../../services/staff-api';
import '../staff.css';

const AUDIENCE_TEXT: Record<Broadcast['audience'], string> = { group: '一个群', store: '门店的全部群', city: '城市的全部群', brand: '全部群', audience: '人群所在的群' };

/** China-time date and time as an instant. */
function chinaInstant(day: string, time: string): string {
  return new Date(`${day}T${time}:00+08:00`).toISOString();
}

function Composer({ groups, onScheduled }: { groups: Group[]; onScheduled: () => void }) {
  const staff = currentSession()?.staff ?? null;
  const targets: { label: string; input: Pick<BroadcastInput, 'audience' | 'groupId' | 'storeId' | 'cityId'> }[] = [
    ...(staff?.storeId ? [{ label: '本店全部群', input: { audience: 'store' as const, storeId: staff.storeId } }] : []),
    ...(staff?.role === 'city_ops' && staff.cityId ? [{ label: '本城市全部群', input: { audience: 'city' as const, cityId: staff.cityId } }] : []),
    ...groups.map((group) => ({ label: group.topic, input: { audience: 'group' as const, groupId: group.id } })),
  ];
  const [target, setTarget] = useState(0);
  const [text, setText] = useState('');
  const [day, setDay] = useState(chinaDay(0));
  const [time, setTime] = useState('');
  const [saving, setSaving] = useState(false);
  const [previewing, setPreviewing] = useState(false);

  const schedule = async () => {
    const chosen = targets[target];
    if (!chosen) return;
    const sendAt = time ? chinaInstant(day, time) : undefined;
    if (sendAt && Date.parse(sendAt) < Date.now() - 60_000) {
      toast('发送时间已经过去，请重新选择');
      return;
    }
    const checked = broadcastInputSchema.safeParse({ ...chosen.input, text, ...(sendAt ? { sendAt } : {}) });
    if (!checked.success) {
      toast('请填写消息内容（最多 1500 字）');
      return;
    }
    setSaving(true);
    try {
      await staffApi.scheduleBroadcast(checked.data);
      toast(sendAt ? '已定时' : '已安排发送', 'success');
      setText('');
      setPreviewing(false);
      onScheduled();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  if (targets.length === 0) return <View className='card state'>还没有可以群发的社群</View>;
  return (
    <View className='card' data-testid='broadcast-form'>
      <Text className='card-title'>新建群发</Text>
      <Picker mode='selector' range={targets.map((option) => option.label)} value={target} onChange={(event) => setTarget(Number(event.detail.value))}>
        <View className='row choice' data-testid='broadcast-target'>
          <Text>发给</Text>
          <Text className='muted'>{`${targets[target]?.label ?? '请选择'} ›`}</Text>
        </View>
      </Picker>
      <Textarea className='textarea' placeholder='消息内容，如：今晚 8 点草莓特价，群内下单满 39 元包邮' maxlength={1500} value={text} onInput={(event) => setText(event.detail.value)} data-testid='broadcast-text' />
      <View className='row'>
        <Picker mode='date' value={day} start={chinaDay(0)} onChange={(event) => setDay(event.detail.value)}>
          <View className='choice' data-testid='broadcast-day'>
            <Text>{day}</Text>
          </View>
        </Picker>
        <Picker mode='time' value={time || '20:00'} onChange={(event) => setTime(event.detail.value)}>
          <View className='choice' data-testid='broadcast-time'>
            <Text>{time ? `${time} 发送` : '立即发送'}</Text>
          </View>
        </Picker>
      </View>
      {previewing && text.trim() ? (
        <View className='notice notice-block' data-testid='broadcast-preview'>
          <View>
            <Text className='caption'>{`群里会看到（${time ? `${day} ${time}` : '立即'}）：`}</Text>
            <View>
              <Text className='text-body'>{text.trim()}</Text>
            </View>
          </View>
        </View>
      ) : null}
      <View className='row mt-24'>
        <Btn small variant='plain' disabled={!text.trim()} testId='broadcast-preview-button' onClick={() => setPreviewing(true)}>
          预览
        </Btn>
        <Btn small disabled={saving || !text.trim()} testId='broadcast-submit' onClick={() => void schedule()}>
          {saving ? '提交中…' : time ? '定时发送' : '立即发送'}
        </Btn>
      </View>
    </View>
  );
}

function BroadcastsBody() {
  const groups = useRequest(() => staffApi.groups());
  const broadcasts = useRequest(() => staffApi.broadcasts());
  return (
    <>
      <StateView loading={groups.loading} error={groups.error} data={groups.data} onRetry={() => void groups.reload()}>
        {(list) => <Composer groups={list} onScheduled={() => void broadcasts.reload()} />}
      </StateView>
      <View className='card'>
        <Text className='card-title'>最近的群发</Text>
        <StateView loading={broadcasts.loading} error={broadcasts.error} data={broadcasts.data} onRetry={() => void broadcasts.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有群发过消息'>
          {(list) => (
            <View>
              {list.map((broadcast) => {
                const due = Date.parse(broadcast.sendAt) > Date.now();
                return (
                  <View key={broadcast.id} className='bar-row' data-testid='broadcast-item'>
                    <View className='row'>
                      <Text className='caption'>{`${formatDateTime(broadcast.sendAt)} · ${AUDIENCE_TEXT[broadcast.audience]}`}</Text>
                      <Text className={due ? 'tag tag-warn' : broadcast.sent >= broadcast.deliveries ? 'tag' : 'tag tag-grey'} data-testid='broadcast-status'>
                        {due ? '待发送' : `已送达 ${broadcast.sent}/${broadcast.deliveries} 个群`}
                      </Text>
                    </View>
                    <Text className='text-body'>{broadcast.text}</Text>
                  </View>
                );
              })}
            </View>
          )}
        </StateView>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Broadcasts() {
  return (
    <StaffPage page='broadcasts'>
      <BroadcastsBody />
    </StaffPage>
  );
}
