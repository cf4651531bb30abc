import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { RULE_LABELS } from '@o2o/shared/rules/moderation';
import type { ModerationCase } from '@o2o/shared/schemas/groups';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { staffApi } from '../../../services/staff-api';
import { moderationApi } from './moderation-api';
import '../staff.css';

const OUTCOME_TEXT: Record<NonNullable<ModerationCase['outcome']>, string> = { warned: '已警告', muted: '已禁言', removed: '已移出', asked_staff: '已请店员移出', failed: '执行失败' };

function penaltyText(item: ModerationCase): string {
  if (item.penalty === 'warn') return '警告';
  if (item.penalty === 'mute') return `禁言 ${item.muteDays ?? '?'} 天`;
  return '移出群';
}

function CaseCard({ item, topic, onChanged }: { item: ModerationCase; topic: string; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const undo = async () => {
    if (reason.trim().length < 2) return toast('请写明撤销原因（至少 2 个字）');
    setSending(true);
    try {
      const result = await moderationApi.undo(item.id, reason.trim());
      // A removal undo asks staff to re-invite: the message stays on the card, not only in a toast.
      setNotice(result.message);
      setOpen(false);
      onChanged();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSending(false);
    }
  };
  return (
    <View className='card' data-testid='moderation-case'>
      <View className='row'>
        <Text className='card-title' style={{ marginBottom: 0 }}>{`${item.name} · ${RULE_LABELS[item.rule]}`}</Text>
        <Text className={item.undo ? 'tag tag-grey' : item.penalty === 'warn' ? 'tag tag-warn' : 'tag tag-red'} data-testid='case-penalty'>
          {`第 ${item.strike} 次 · ${penaltyText(item)}${item.undo ? '（已撤销）' : ''}`}
        </Text>
      </View>
      <Text className='caption'>{`${formatDateTime(item.at)} · ${topic} · ${item.outcome ? OUTCOME_TEXT[item.outcome] : '处理中'}`}</Text>
      {item.penalty === 'mute' && item.muteUntil && !item.undo ? <Text className='caption' style={{ display: 'block' }}>{`禁言到 ${formatDateTime(item.muteUntil)}`}</Text> : null}
      <View className='notice notice-block mt-24'>
        <Text className='muted'>{`原消息：${item.evidence.text || '（非文字消息）'}`}</Text>
      </View>
      {item.undo ? (
        <Text className='caption' style={{ display: 'block' }} data-testid='case-undo'>{`${item.undo.byName || '店员'} 于 ${formatDateTime(item.undo.at)} 撤销：${item.undo.reason}`}</Text>
      ) : open ? (
        <View>
          <Input className='input' placeholder='撤销原因（会记录在案），如：误判，是正常分享' maxlength={200} value={reason} onInput={(event) => setReason(event.detail.value)} data-testid='undo-reason' />
          <View className='row'>
            <Button className='btn btn-small btn-plain' onClick={() => setOpen(false)}>取消</Button>
            <Button className='btn btn-small' disabled={sending} onClick={() => void undo()} data-testid='undo-confirm'>确认撤销</Button>
          </View>
        </View>
      ) : (
        <View className='row'>
          <Text className='caption'>{item.penalty === 'remove' ? '撤销后需店员重新邀请该成员入群' : '误判可撤销，下次违规从上一级起算'}</Text>
          <Button className='btn btn-small btn-plain' onClick={() => setOpen(true)} data-testid='undo-open'>撤销处罚</Button>
        </View>
      )}
      {notice ? <View className='notice notice-block mt-24'><Text data-testid='undo-notice'>{notice}</Text></View> : null}
    </View>
  );
}

function ModerationBody() {
  const cases = useRequest(() => Promise.all([moderationApi.list(), staffApi.groups()]));
  return (
    <StateView loading={cases.loading} error={cases.error} data={cases.data} onRetry={() => void cases.reload()} isEmpty={([list]) => list.length === 0} emptyText='最近没有违规记录'>
      {([list, groups]) => {
        const topics = new Map(groups.map((group) => [group.id, group.topic]));
        return (
          <View>
            <View className='card'>
              <Text className='caption'>小助手按群规逐级处罚：先警告，再禁言 1 天、7 天、15 天，最后移出群（各门店可在群设置里调整）。禁言期间发言算作再次违规；禁言到期时小助手会在群里告知本人。证据是原消息，保留备查；误判的处罚可以撤销。</Text>
            </View>
            {list.map((item) => (
              <CaseCard key={item.id} item={item} topic={(item.groupId && topics.get(item.groupId)) || '社群'} onChanged={() => void cases.reload()} />
            ))}
          </View>
        );
      }}
    </StateView>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Moderation() {
  return (
    <StaffPage page='moderation'>
      <ModerationBody />
    </StaffPage>
  );
}
