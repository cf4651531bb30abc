import { Image, Input, Picker, Text, Textarea, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { broadcastInputSchema } from '@o2o/shared/schemas/groups';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { isH5 } from '../../../services/platform';
import { currentSession } from '../../../services/session';
import { chinaDay, imageSource, staffApi, type Broadcast, type BroadcastInput, type BroadcastReport, type Group, type MediaImage, type StaffAudience } from '../../../services/staff-api';
import '../staff.css';

const AUDIENCE_TEXT: Record<Broadcast['audience'], string> = { group: '一个群', store: '门店的全部群', city: '城市的全部群', brand: '全部群', audience: '人群所在的群' };

/** China-time date and time as an instant. */
function chinaInstant(day: string, time: string): string {
  return new Date(`${day}T${time}:00+08:00`).toISOString();
}

const KIND_TEXT: Record<Broadcast['kind'], string> = { text: '文字', image: '图片', card: '小程序卡片' };
const STATUS_TEXT: Record<BroadcastReport['groups'][number]['status'], string> = { pending: '待送达', sent: '已送达', failed: '发送失败', uncertain: '不确定是否送达', cancelled: '已取消' };
/** Resident pages a card may open, with what residents see there. */
const CARD_PAGES = [
  { path: 'pages/offers/index', name: '优惠活动' },
  { path: 'pages/home/index', name: '首页（任务和积分）' },
  { path: 'pages/store/index', name: '门店和社群' },
  { path: 'pages/coupons/index', name: '我的优惠券' },
  { path: 'pages/rewards/index', name: '积分兑换' },
  { path: 'pages/invite/index', name: '邀请邻居' },
] as const;

type Target = { label: string; input: Pick<BroadcastInput, 'audience' | 'groupId' | 'storeId' | 'cityId' | 'audienceId'> };

function targetsFor(groups: Group[], audiences: StaffAudience[]): Target[] {
  const staff = currentSession()?.staff ?? null;
  return [
    ...(staff?.storeId ? [{ label: '本店全部群', input: { audience: 'store' as const, storeId: staff.storeId } }] : []),
    ...(staff?.role === 'city_ops' && staff.cityId ? [{ label: '本城市全部群', input: { audience: 'city' as const, cityId: staff.cityId } }] : []),
    ...groups.map((group) => ({ label: group.topic, input: { audience: 'group' as const, groupId: group.id } })),
    ...audiences.map((audience) => ({ label: `人群：${audience.name}（所在的群）`, input: { audience: 'audience' as const, audienceId: audience.id } })),
  ];
}

/** What the group will see: the words, then the image or the card, as WeChat shows them. */
function Preview({ kind, text, imageUrl, cardTitle, cardPage, when }: { kind: Broadcast['kind']; text: string; imageUrl: string; cardTitle: string; cardPage: string; when: string }) {
  return (
    <View className='notice notice-block' data-testid='broadcast-preview'>
      <View>
        <Text className='caption'>{`群里会看到（${when}）：`}</Text>
        {text.trim() ? (
          <View className='bubble'>
            <Text className='text-body'>{text.trim()}</Text>
          </View>
        ) : null}
        {kind === 'image' && imageUrl ? <Image className='bubble-image' src={imageSource(imageUrl)} mode='aspectFit' data-testid='broadcast-preview-image' /> : null}
        {kind === 'card' ? (
          <View className='bubble mini-card' data-testid='broadcast-preview-card'>
            <Text className='caption'>小程序</Text>
            <View>
              <Text className='text-body'>{cardTitle.trim() || '（卡片标题）'}</Text>
            </View>
            <Text className='caption'>{`打开：${CARD_PAGES.find((page) => page.path === cardPage)?.name ?? cardPage}`}</Text>
          </View>
        ) : null}
      </View>
    </View>
  );
}

/** The user closed the picker without choosing: nothing to say. */
function isCancel(error: unknown): boolean {
  return /cancel/i.test(String((error as { errMsg?: string })?.errMsg ?? ''));
}

/**
 * 选择图片: a picture from the phone, uploaded at once; the server's path for it becomes the
 * image address. A typed http(s) address still works for pictures already online.
 */
function ImagePicker({ imageUrl, onChange }: { imageUrl: string; onChange: (address: string) => void }) {
  const [uploaded, setUploaded] = useState<MediaImage | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const showing = uploaded && uploaded.path === imageUrl ? uploaded : null;

  const choose = async () => {
    let filePath: string | undefined;
    try {
      // H5: no 拍摄/相册 sheet first (the phone's own file picker offers the camera).
      const chosen = await Taro.chooseImage({ count: 1, sizeType: ['compressed'], sourceType: isH5 ? ['album'] : ['album', 'camera'] });
      filePath = chosen.tempFilePaths[0];
    } catch (caught) {
      if (!isCancel(caught)) setError('没能打开相册，请稍后重试');
      return;
    }
    if (!filePath) {
      setError('这个文件打不开，不是图片或已损坏，请换一张');
      return;
    }
    setUploading(true);
    setError(null);
    try {
      const image = await staffApi.uploadImage(filePath);
      setUploaded(image);
      onChange(image.path);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setUploading(false);
    }
  };

  return (
    <View className='mb-16' data-testid='broadcast-image-picker'>
      <View className='image-pick'>
        {imageUrl ? <Image className='image-thumb' src={imageSource(imageUrl)} mode='aspectFill' data-testid='broadcast-image-thumb' /> : null}
        <View className='image-pick-side'>
          <Btn small variant='plain' disabled={uploading} testId='broadcast-image-choose' onClick={() => void choose()}>
            {uploading ? '上传中…' : imageUrl ? '换一张' : '选择图片'}
          </Btn>
          <Text className='caption image-pick-hint' data-testid='broadcast-image-status'>
            {uploading ? '正在上传，请稍候' : showing ? `已上传 ${showing.width}×${showing.height}` : 'JPG、PNG、WebP 或 GIF 图片'}
          </Text>
        </View>
      </View>
      {error ? (
        <Text className='field-error' data-testid='broadcast-image-error'>
          {error}
        </Text>
      ) : null}
      <Input className='input mt-16' placeholder='或填写图片地址，以 https:// 开头' maxlength={1000} value={imageUrl} onInput={(event) => onChange(event.detail.value)} data-testid='broadcast-image-url' />
    </View>
  );
}

function Composer({ targets, onScheduled }: { targets: Target[]; onScheduled: () => void }) {
  const [target, setTarget] = useState(0);
  const [kind, setKind] = useState<Broadcast['kind']>('text');
  const [text, setText] = useState('');
  const [imageUrl, setImageUrl] = useState('');
  const [cardTitle, setCardTitle] = useState('');
  const [cardPage, setCardPage] = useState(0);
  const [day, setDay] = useState(chinaDay(0));
  const [time, setTime] = useState('');
  const [saving, setSaving] = useState(false);
  const [previewing, setPreviewing] = useState(false);
  const pagePath = CARD_PAGES[cardPage].path;
  const ready = kind === 'text' ? Boolean(text.trim()) : kind === 'image' ? Boolean(imageUrl.trim()) : Boolean(cardTitle.trim());

  const schedule = async () => {
    const chosen = targets[target];
    if (!chosen) return;
    const sendAt = time ? chinaInstant(day, time) : undefined;
    if (sendAt && Date.parse(sendAt) < Date.now() - 60_000) {
      toast('发送时间已经过去，请重新选择');
      return;
    }
    const checked = broadcastInputSchema.safeParse({
      ...chosen.input,
      kind,
      text,
      ...(kind === 'image' ? { imageUrl } : {}),
      ...(kind === 'card' ? { card: { title: cardTitle, pagePath } } : {}),
      ...(sendAt ? { sendAt } : {}),
    });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      toast(/[\u4e00-\u9fa5]/.test(issue?.message ?? '') ? issue!.message : '请检查消息内容');
      return;
    }
    setSaving(true);
    try {
      await staffApi.scheduleBroadcast(checked.data);
      toast(sendAt ? '已定时' : '已安排发送', 'success');
      setText('');
      setImageUrl('');
      setCardTitle('');
      setPreviewing(false);
      onScheduled();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  if (targets.length === 0) return <View className='card state'>还没有可以群发的社群：先在群里发送绑定码绑定社群</View>;
  return (
    <View className='card' data-testid='broadcast-form'>
      <Text className='card-title'>新建群发</Text>
      <Picker mode='selector' range={targets.map((option) => option.label)} value={target} onChange={(event) => setTarget(Number(event.detail.value))}>
        <View className='row choice' data-testid='broadcast-target'>
          <Text>发给</Text>
          <Text className='muted ellipsis'>{`${targets[target]?.label ?? '请选择'} ›`}</Text>
        </View>
      </Picker>
      <View className='segmented'>
        {(Object.keys(KIND_TEXT) as Broadcast['kind'][]).map((option) => (
          <View key={option} className={`segment ${option === kind ? 'segment-on' : ''}`} onClick={() => setKind(option)} data-testid={`broadcast-kind-${option}`}>
            <Text>{KIND_TEXT[option]}</Text>
          </View>
        ))}
      </View>
      {kind === 'image' ? <ImagePicker imageUrl={imageUrl} onChange={setImageUrl} /> : null}
      {kind === 'card' ? (
        <View>
          <Input className='input mb-16' placeholder='卡片标题，如：本周特价，点开领券' maxlength={40} value={cardTitle} onInput={(event) => setCardTitle(event.detail.value)} data-testid='broadcast-card-title' />
          <Picker mode='selector' range={CARD_PAGES.map((page) => page.name)} value={cardPage} onChange={(event) => setCardPage(Number(event.detail.value))}>
            <View className='row choice' data-testid='broadcast-card-page'>
              <Text>打开页面</Text>
              <Text className='muted'>{`${CARD_PAGES[cardPage].name} ›`}</Text>
            </View>
          </Picker>
        </View>
      ) : null}
      <Textarea
        className='textarea'
        placeholder={kind === 'text' ? '消息内容，如：今晚 8 点草莓特价，群内下单满 39 元包邮' : '附言（可不填），会在图片或卡片前发出'}
        maxlength={1500}
        value={text}
        onInput={(event) => setText(event.detail.value)}
        data-testid='broadcast-text'
      />
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
      {previewing && ready ? <Preview kind={kind} text={text} imageUrl={imageUrl.trim()} cardTitle={cardTitle} cardPage={pagePath} when={time ? `${day} ${time}` : '立即'} /> : null}
      <View className='row mt-24'>
        <Btn small variant='plain' disabled={!ready} testId='broadcast-preview-button' onClick={() => setPreviewing(true)}>
          预览
        </Btn>
        <Btn small disabled={saving || !ready} testId='broadcast-submit' onClick={() => void schedule()}>
          {saving ? '提交中…' : time ? '定时发送' : '立即发送'}
        </Btn>
      </View>
    </View>
  );
}

function statusTag(broadcast: Broadcast): { text: string; className: string } {
  if (broadcast.status === 'cancelled') return { text: '已取消', className: 'tag tag-grey' };
  if (broadcast.status === 'scheduled') return { text: '待发送', className: 'tag tag-warn' };
  if (broadcast.status === 'sending') return { text: `发送中 已送达 ${broadcast.sent}/${broadcast.deliveries} 个群`, className: 'tag tag-grey' };
  return { text: `已送达 ${broadcast.sent}/${broadcast.deliveries} 个群`, className: 'tag' };
}

/** Which groups got it: loaded when opened, from the broadcast's report endpoint. */
function DeliveryReport({ broadcastId }: { broadcastId: string }) {
  const report = useRequest(() => staffApi.broadcastReport(broadcastId), [broadcastId]);
  return (
    <StateView loading={report.loading} error={report.error} data={report.data} onRetry={() => void report.reload()} isEmpty={(data) => data.groups.length === 0} emptyText='发送时没有符合条件的群'>
      {(data) => (
        <View className='report' data-testid='broadcast-report'>
          {data.groups.map((group) => (
            <View key={group.groupId} className='row report-row' data-testid='broadcast-report-row'>
              <Text className='ellipsis'>{group.topic}</Text>
              <Text className={group.status === 'sent' ? 'tag' : group.status === 'failed' ? 'tag tag-red' : 'tag tag-grey'}>{STATUS_TEXT[group.status]}</Text>
            </View>
          ))}
        </View>
      )}
    </StateView>
  );
}

function BroadcastItem({ broadcast, onChanged }: { broadcast: Broadcast; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const tag = statusTag(broadcast);
  const cancel = async () => {
    setCancelling(true);
    try {
      await staffApi.cancelBroadcast(broadcast.id);
      toast('已取消，这条消息不会发出', 'success');
      onChanged();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setCancelling(false);
    }
  };
  return (
    <View className='bar-row' data-testid='broadcast-item' data-broadcast={broadcast.id}>
      {/* The kind is a chip of its own and the status a line of its own: at 375 px neither shares a line with the time and audience, so no word breaks in two. */}
      <View className='row-start broadcast-meta'>
        <Text className='tag tag-grey kind-chip' data-testid='broadcast-item-kind'>
          {KIND_TEXT[broadcast.kind]}
        </Text>
        <Text className='caption ellipsis'>{`${formatDateTime(broadcast.sendAt)} · ${AUDIENCE_TEXT[broadcast.audience]}`}</Text>
      </View>
      <View className='row-start mt-8'>
        <Text className={`${tag.className} status-tag`} data-testid='broadcast-status'>
          {tag.text}
        </Text>
      </View>
      {broadcast.text ? (
        <View>
          <Text className='text-body'>{broadcast.text}</Text>
        </View>
      ) : null}
      {broadcast.kind === 'image' && broadcast.imageUrl ? <Image className='image-thumb image-thumb-small' src={imageSource(broadcast.imageUrl)} mode='aspectFill' data-testid='broadcast-item-image' /> : null}
      {broadcast.card ? (
        <View>
          <Text className='caption'>{`小程序卡片：${broadcast.card.title}（${CARD_PAGES.find((page) => page.path === broadcast.card!.pagePath)?.name ?? broadcast.card.pagePath}）`}</Text>
        </View>
      ) : null}
      <View className='row row-start mt-8'>
        <Text className='link' onClick={() => setOpen(!open)} data-testid='broadcast-report-toggle'>
          {open ? '收起送达明细' : '送达明细'}
        </Text>
        {broadcast.status === 'scheduled' ? (
          <Btn small variant='ghost' disabled={cancelling} testId='broadcast-cancel' onClick={() => void cancel()}>
            {cancelling ? '取消中…' : '取消发送'}
          </Btn>
        ) : null}
      </View>
      {open ? <DeliveryReport key={`${broadcast.id}:${broadcast.status}`} broadcastId={broadcast.id} /> : null}
    </View>
  );
}

function BroadcastsBody() {
  const targets = useRequest(async () => {
    const [groups, audiences] = await Promise.all([staffApi.groups(), staffApi.audiences()]);
    return targetsFor(groups, audiences);
  });
  const broadcasts = useRequest(() => staffApi.broadcasts());
  return (
    <>
      <StateView loading={targets.loading} error={targets.error} data={targets.data} onRetry={() => void targets.reload()}>
        {(list) => <Composer targets={list} onScheduled={() => void broadcasts.reload()} />}
      </StateView>
      <View className='card'>
        <Text className='card-title'>最近的群发</Text>
        <StateView loading={broadcasts.loading} error={broadcasts.error} data={broadcasts.data} onRetry={() => void broadcasts.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有群发过消息'>
          {(list) => (
            <View>
              {list.map((broadcast) => (
                <BroadcastItem key={broadcast.id} broadcast={broadcast} onChanged={() => void broadcasts.reload()} />
              ))}
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
