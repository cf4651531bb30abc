import { Image, Input, Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { useRef, useState } from 'react';
import type { ModerationItem } from '@o2o/shared/schemas/content';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { idempotencyKey } from '../../../services/api';
import { mediaUrl } from '../../../services/content-api';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { contentModerationApi, type QueueStatus } from './content-moderation-api';
import '../staff.css';

const TABS: { status: QueueStatus; label: string }[] = [
  { status: 'reported', label: '被举报' },
  { status: 'hidden', label: '已隐藏' },
];

const PENALTY_TEXT: Record<string, string> = { warn: '警告', mute: '禁言中', remove: '已移出' };

function strikesText(item: ModerationItem): string {
  const penalty = item.authorPenalty ? (PENALTY_TEXT[item.authorPenalty] ?? item.authorPenalty) : null;
  if (item.authorStrikes === 0) return '作者此前无违规';
  return `作者违规 ${item.authorStrikes} 次${penalty ? ` · ${penalty}` : ''}`;
}

type Open = 'hide' | 'reply' | null;

function ItemCard({ item, onChanged }: { item: ModerationItem; onChanged: () => void }) {
  const [open, setOpen] = useState<Open>(null);
  const [reason, setReason] = useState('');
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [pinned, setPinned] = useState(item.pinned);
  const [replied, setReplied] = useState<string | null>(null);
  const replyKey = useRef(idempotencyKey('store-reply'));
  const reportTotal = item.reports.reduce((sum, report) => sum + report.count, 0);

  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await action();
      toast(done, 'success');
      return true;
    } catch (error) {
      toast(errorText(error));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const hide = async () => {
    if (reason.trim().length < 2) return toast('请写明隐藏原因（至少 2 个字）');
    if (await run(() => contentModerationApi.setVisibility(item.kind, item.id, { hidden: true, reason: reason.trim() }), '已隐藏')) onChanged();
  };
  const restore = async () => {
    if (await run(() => contentModerationApi.setVisibility(item.kind, item.id, { hidden: false }), '已恢复')) onChanged();
  };
  const pin = async () => {
    const next = !pinned;
    await run(async () => setPinned((await contentModerationApi.pin(item.postId, next)).pinned), next ? '已置顶' : '已取消置顶');
  };
  const answer = async () => {
    const text = reply.trim();
    if (!text) return toast('请写点内容');
    const ok = await run(() => contentModerationApi.answerAsStore(item.postId, { text, ...(item.kind === 'comment' ? { replyTo: item.id } : {}), idempotencyKey: replyKey.current }), '已回复');
    if (ok) {
      replyKey.current = idempotencyKey('store-reply');
      setReplied(text);
      setReply('');
      setOpen(null);
    }
  };

  return (
    <View className='card' data-testid='content-item' data-kind={item.kind} data-id={item.id}>
      <View className='row'>
        <View className='row-start grow'>
          <Text className='tag tag-grey ml-0'>{item.kind === 'post' ? '帖子' : '评论'}</Text>
          <Text className='text-body weight-500 gap-16 ellipsis' data-testid='content-item-author'>{item.author.name}</Text>
        </View>
        <Text className='caption shrink-0'>{formatDateTime(item.createdAt)}</Text>
      </View>
      <Text className={item.authorStrikes > 0 ? 'warn block mt-8' : 'caption block mt-8'} data-testid='content-item-strikes'>
        {strikesText(item)}
      </Text>
      <View className='notice notice-block mt-16 content-quote'>
        <Text className='text-body content-quote-text' data-testid='content-item-text'>{item.text}</Text>
      </View>
      {item.images.length > 0 ? (
        <View className='content-thumbs'>
          {item.images.map((image) => (
            <Image key={image.id} className='content-thumb' src={mediaUrl(image.path)} mode='aspectFill' data-testid='content-item-image' onClick={() => void Taro.previewImage({ urls: item.images.map((entry) => mediaUrl(entry.path)), current: mediaUrl(image.path) }).catch(() => undefined)} />
          ))}
        </View>
      ) : null}
      {item.reports.length > 0 ? (
        <View className='content-reports' data-testid='content-item-reports'>
          <Text className='caption block'>{`举报 ${reportTotal} 次`}</Text>
          <View className='chips mb-0'>
            {item.reports.map((report) => (
              <Text key={report.reason} className='chip chip-small tag-red' data-testid='content-item-report'>{`${report.label} ×${report.count}`}</Text>
            ))}
          </View>
        </View>
      ) : null}
      {item.status === 'hidden' ? (
        <Text className='danger block mt-16' data-testid='content-item-hidden'>{`${item.hiddenBy === 'rule' ? '规则自动隐藏' : '店员隐藏'}：${item.hiddenReason ?? ''}`}</Text>
      ) : null}
      {replied ? <Text className='brand block mt-16' data-testid='content-item-replied'>{`已以门店身份回复：${replied}`}</Text> : null}

      {open === 'hide' ? (
        <View className='mt-16'>
          <Input className='input' placeholder='隐藏原因（作者能看到），如：推销广告' maxlength={100} value={reason} onInput={(event) => setReason(event.detail.value)} data-testid='content-hide-reason' />
          <View className='row mt-16'>
            <Btn small variant='plain' onClick={() => setOpen(null)}>取消</Btn>
            <Btn small variant='danger' disabled={busy} onClick={() => void hide()} testId='content-hide-confirm'>确认隐藏</Btn>
          </View>
        </View>
      ) : open === 'reply' ? (
        <View className='mt-16'>
          <Input className='input' placeholder={item.kind === 'comment' ? `以门店身份回复 ${item.author.name}` : '以门店身份回复这条帖子'} maxlength={300} value={reply} onInput={(event) => setReply(event.detail.value)} data-testid='content-reply-text' />
          <View className='row mt-16'>
            <Btn small variant='plain' onClick={() => setOpen(null)}>取消</Btn>
            <Btn small disabled={busy || !reply.trim()} onClick={() => void answer()} testId='content-reply-send'>发送回复</Btn>
          </View>
        </View>
      ) : (
        <View className='content-item-actions'>
          {item.status === 'hidden' ? (
            <Btn small variant='plain' disabled={busy} onClick={() => void restore()} testId='content-restore'>恢复</Btn>
          ) : (
            <>
              <Btn small variant='danger' disabled={busy} onClick={() => setOpen('hide')} testId='content-hide'>隐藏</Btn>
              {item.kind === 'post' ? (
                <Btn small variant='plain' disabled={busy} onClick={() => void pin()} testId='content-pin'>{pinned ? '取消置顶' : '置顶'}</Btn>
              ) : null}
              <Btn small variant='plain' disabled={busy} onClick={() => setOpen('reply')} testId='content-reply'>以门店身份回复</Btn>
            </>
          )}
        </View>
      )}
    </View>
  );
}

/** One tab's queue; keyed by the tab, so a switch never shows the other tab's items while loading. */
function Queue({ status }: { status: QueueStatus }) {
  const queue = useRequest(() => contentModerationApi.queue(status), [status]);
  usePullDownRefresh(() => {
    void queue.reload().finally(() => Taro.stopPullDownRefresh());
  });
  return (
    <StateView
      loading={queue.loading}
      error={queue.error}
      data={queue.data}
      onRetry={() => void queue.reload()}
      isEmpty={(data) => data.items.length === 0}
      emptyText={status === 'reported' ? '没有待处理的举报' : '没有被隐藏的内容'}
    >
      {(data) => (
        <View data-testid='content-queue' data-status={status}>
          <Text className='section-title'>
            {status === 'reported' ? '居民举报的帖子和评论：核实后隐藏，或以门店身份回复澄清；处理后举报关闭' : '规则或店员隐藏的内容：误判的可以恢复'}
          </Text>
          {data.items.map((item) => (
            <ItemCard key={`${item.kind}:${item.id}`} item={item} onChanged={() => void queue.reload()} />
          ))}
        </View>
      )}
    </StateView>
  );
}

function ContentBody() {
  const [status, setStatus] = useState<QueueStatus>('reported');
  return (
    <View>
      <View className='segmented'>
        {TABS.map((tab) => (
          <Text key={tab.status} className={`segment ${tab.status === status ? 'segment-on' : ''}`} data-testid={`content-tab-${tab.status}`} onClick={() => setStatus(tab.status)}>
            {tab.label}
          </Text>
        ))}
      </View>
      <Queue key={status} status={status} />
    </View>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function ContentModeration() {
  return (
    <StaffPage page='content'>
      <ContentBody />
    </StaffPage>
  );
}
