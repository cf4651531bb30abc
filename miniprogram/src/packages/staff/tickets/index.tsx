import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import type { Ticket } from '@o2o/shared/schemas/tickets';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { durationText, newRequestId, ticketsApi } from './tickets-api';

const STATUS_TEXT: Record<Ticket['status'], string> = { open: '待回复', answered: '已回复', closed: '已关闭' };
const REASON_TEXT: Record<Ticket['reason'], string> = { complaint: '投诉/售后', unanswered: '小助手答不上来', bot_account: '小助手账号异常' };

function TicketCard({ ticket, onChanged }: { ticket: Ticket; onChanged: () => void }) {
  const [text, setText] = useState('');
  const [via, setVia] = useState<'group' | 'private'>('group');
  const [requestId, setRequestId] = useState(newRequestId);
  const [sending, setSending] = useState(false);
  const send = async () => {
    if (!text.trim()) return toast('请填写回复内容');
    setSending(true);
    try {
      await ticketsApi.answer(ticket.id, { text: text.trim(), via, requestId });
      toast(via === 'group' ? '已回复，小助手会在群里转达' : '已回复，小助手会私聊转达', 'success');
      setText('');
      setRequestId(newRequestId());
      onChanged();
    } catch (error) {
      // The same request id is kept: trying again cannot post the answer twice.
      toast(errorText(error));
    } finally {
      setSending(false);
    }
  };
  const close = async () => {
    try {
      await ticketsApi.close(ticket.id);
      onChanged();
    } catch (error) {
      toast(errorText(error));
    }
  };
  return (
    <View className='card' data-testid='ticket'>
      <View className='row'>
        <Text className='card-title'>{`${ticket.name || '群成员'} · ${ticket.topic || '门店群'}`}</Text>
        <Text className={ticket.status === 'open' ? 'tag' : 'tag tag-grey'}>{STATUS_TEXT[ticket.status]}</Text>
      </View>
      <Text className='muted'>{`${formatDateTime(ticket.createdAt)} · ${REASON_TEXT[ticket.reason]}${ticket.firstAnswerSeconds !== null ? ` · 首次回复用时 ${durationText(ticket.firstAnswerSeconds)}` : ''}`}</Text>
      <View style={{ margin: '8px 0' }}>
        <Text data-testid='ticket-text'>{ticket.text}</Text>
      </View>
      {ticket.answers.map((answer) => (
        <Text key={answer.id} className='muted' style={{ display: 'block' }}>{`${answer.staffName}（${answer.via === 'group' ? '群内' : '私聊'}${answer.relayed ? '，已送达' : '，发送中'}）：${answer.text}`}</Text>
      ))}
      {ticket.status !== 'closed' ? (
        <View>
          <Input className='input' placeholder='回复内容，小助手会转给对方' maxlength={1000} value={text} onInput={(event) => setText(event.detail.value)} data-testid='ticket-answer' />
          <View className='row'>
            <Text className={via === 'group' ? 'tag' : 'tag tag-grey'} onClick={() => setVia('group')} data-testid='via-group'>在群里回复</Text>
            <Text className={via === 'private' ? 'tag' : 'tag tag-grey'} onClick={() => setVia('private')} data-testid='via-private'>私聊回复</Text>
          </View>
          <View className='row'>
            <Button className='btn btn-small btn-plain' onClick={() => void close()}>关闭工单</Button>
            <Button className='btn btn-small' disabled={sending} onClick={() => void send()} data-testid='ticket-send'>发送回复</Button>
          </View>
        </View>
      ) : null}
    </View>
  );
}

/** Residents' complaints and the questions the bot handed over: answer them, the bot relays the answer. */
export default function Tickets() {
  const [status, setStatus] = useState<Ticket['status'] | undefined>('open');
  const tickets = useRequest(() => ticketsApi.list(status), [status]);
  const stats = useRequest(() => ticketsApi.stats());
  const reload = () => {
    void tickets.reload();
    void stats.reload();
  };
  return (
    <StaffPage page='tickets'>
      {stats.data ? (
        <View className='card'>
          <Text className='muted'>{`近 ${stats.data.days} 天：${stats.data.created} 个工单，待回复 ${stats.data.open} 个，首次回复中位用时 ${durationText(stats.data.medianFirstAnswerSeconds)}`}</Text>
        </View>
      ) : null}
      <View className='card row'>
        {([['open', '待回复'], ['answered', '已回复'], [undefined, '全部']] as const).map(([value, label]) => (
          <Text key={label} className={status === value ? 'tag' : 'tag tag-grey'} onClick={() => setStatus(value)}>{label}</Text>
        ))}
      </View>
      <StateView loading={tickets.loading} error={tickets.error} data={tickets.loading ? null : { value: tickets.data ?? [] }} onRetry={() => void tickets.reload()}>
        {({ value }) =>
          value.length === 0 ? (
            <View className='card state'>暂无工单</View>
          ) : (
            <View>
              {value.map((ticket) => (
                <TicketCard key={ticket.id} ticket={ticket} onChanged={reload} />
              ))}
            </View>
          )
        }
      </StateView>
    </StaffPage>
  );
}
