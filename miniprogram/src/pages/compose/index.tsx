import { Image, Text, Textarea, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useRef, useState } from 'react';
import { createPostSchema, POST_IMAGES_MAX, POST_TEXT_MAX, type Post } from '@o2o/shared/schemas/content';
import type { MediaImage } from '@o2o/shared/schemas/media';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { HiddenNotice } from '../../components/post-parts';
import { LoadingState } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { idempotencyKey } from '../../services/api';
import { contentApi, mediaUrl, type ShownOrder } from '../../services/content-api';
import { errorText } from '../../services/errors';
import { formatMonthDay } from '../../services/format';
import { toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';

/** The user closed the picker without choosing: nothing to say. */
function isCancel(error: unknown): boolean {
  return /cancel/i.test(String((error as { errMsg?: string })?.errMsg ?? ''));
}

function OrderPicker({ chosen, onChoose }: { chosen: string | null; onChoose: (orderId: string | null) => void }) {
  const orders = useRequest(() => contentApi.showOrders());
  if (orders.error) {
    return (
      <View className='compose-orders'>
        <Text className='field-error'>{`晒单订单没有加载出来：${errorText(orders.error)}`}</Text>
        <Btn small variant='plain' onClick={() => void orders.reload()}>
          重试
        </Btn>
      </View>
    );
  }
  if (!orders.data) return <Text className='caption block'>正在加载可以晒的订单…</Text>;
  if (orders.data.orders.length === 0) return <Text className='caption block' data-testid='compose-no-orders'>完成一笔订单后，就可以在这里晒单</Text>;
  return (
    <View data-testid='compose-orders'>
      {orders.data.orders.map((order: ShownOrder) => {
        const on = order.orderId === chosen;
        return (
          <View key={order.orderId} className={`choice ${on ? 'choice-selected' : ''}`} data-testid='compose-order' onClick={() => onChoose(on ? null : order.orderId)}>
            <View className={`radio ${on ? 'radio-on' : ''}`}>{on ? <Icon name='check' color={COLORS.white} size={32} /> : null}</View>
            <View className='grow'>
              <Text className='text-body block ellipsis'>{order.items.join('、') || '门店商品'}</Text>
              <Text className='caption block'>{`${formatMonthDay(order.completedAt)} 完成`}</Text>
            </View>
          </View>
        );
      })}
    </View>
  );
}

export default function Compose() {
  const allowed = useResidentPage();
  const [text, setText] = useState('');
  const [images, setImages] = useState<MediaImage[]>([]);
  const [uploading, setUploading] = useState(0);
  const [imageError, setImageError] = useState<string | null>(null);
  const [showOrder, setShowOrder] = useState(false);
  const [orderId, setOrderId] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [hiddenPost, setHiddenPost] = useState<Post | null>(null);
  // One key per draft: a retry after a lost answer is the same post, not a second one.
  const key = useRef(idempotencyKey('post'));

  const length = Array.from(text.trim()).length;
  const draft = createPostSchema.safeParse({ text, imageIds: images.map((image) => image.id), ...(showOrder && orderId ? { orderId } : {}), idempotencyKey: key.current });
  const ready = draft.success && uploading === 0 && !sending && (!showOrder || orderId !== null);

  const choose = async () => {
    const room = POST_IMAGES_MAX - images.length;
    if (room <= 0) return;
    let paths: string[];
    try {
      const chosen = await Taro.chooseImage({ count: room, sizeType: ['compressed'], sourceType: isH5 ? ['album'] : ['album', 'camera'] });
      paths = chosen.tempFilePaths.slice(0, room);
    } catch (caught) {
      if (!isCancel(caught)) setImageError('没能打开相册，请稍后重试');
      return;
    }
    setImageError(null);
    setUploading(paths.length);
    // One at a time, in the order chosen: the post shows them in that order.
    for (const filePath of paths) {
      try {
        const image = await contentApi.uploadImage(filePath);
        setImages((current) => (current.some((known) => known.id === image.id) || current.length >= POST_IMAGES_MAX ? current : [...current, image]));
      } catch (caught) {
        setImageError(errorText(caught));
      } finally {
        setUploading((count) => count - 1);
      }
    }
  };

  const submit = async () => {
    if (!draft.success) return;
    setSending(true);
    setError(null);
    try {
      const post = await contentApi.createPost(draft.data);
      key.current = idempotencyKey('post');
      if (post.status === 'hidden') {
        setHiddenPost(post);
        return;
      }
      toast('发布成功', 'success');
      void Taro.redirectTo({ url: `${ROUTES.post}?id=${post.id}` });
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setSending(false);
    }
  };

  if (!allowed) return <View className='page'><LoadingState /></View>;
  if (hiddenPost) {
    return (
      <View className='page' data-testid='page-compose'>
        <View className='card' data-testid='compose-hidden'>
          <HiddenNotice reason={hiddenPost.hiddenReason} />
          <Text className='post-text block mt-16'>{hiddenPost.text}</Text>
          <Text className='caption block mt-16'>请修改后重新发布：不发广告、不放外部链接、不用符号绕过审核。</Text>
          <View className='btn-row mt-24'>
            <Btn small variant='plain' onClick={() => void Taro.redirectTo({ url: `${ROUTES.post}?id=${hiddenPost.id}` })}>
              查看帖子
            </Btn>
            <Btn small onClick={() => setHiddenPost(null)} testId='compose-edit-again'>
              重新编辑
            </Btn>
          </View>
        </View>
      </View>
    );
  }
  return (
    <View className='page' data-testid='page-compose'>
      <View className='card'>
        <Textarea
          className='compose-text'
          placeholder='和邻居们聊聊：买到的好物、小区里的新鲜事…'
          maxlength={POST_TEXT_MAX}
          value={text}
          onInput={(event) => setText(event.detail.value)}
          data-testid='compose-text'
        />
        <Text className={`caption block compose-counter ${length > POST_TEXT_MAX ? 'danger' : ''}`} data-testid='compose-counter'>
          {`${length}/${POST_TEXT_MAX}`}
        </Text>
        <View className='compose-images' data-testid='compose-images'>
          {images.map((image) => (
            <View className='compose-image' key={image.id} data-testid='compose-image'>
              <Image className='compose-image-picture' src={mediaUrl(image.path)} mode='aspectFill' />
              <View className='compose-image-remove' data-testid='compose-image-remove' onClick={() => setImages((current) => current.filter((known) => known.id !== image.id))}>
                <Icon name='close' color={COLORS.white} size={32} />
              </View>
            </View>
          ))}
          {images.length + uploading < POST_IMAGES_MAX ? (
            <View className='compose-image compose-image-add' data-testid='compose-add-image' onClick={() => void choose()}>
              <Icon name={uploading > 0 ? 'clock' : 'plus'} color={COLORS.muted} size={56} />
              <Text className='caption'>{uploading > 0 ? '上传中…' : `${images.length}/${POST_IMAGES_MAX}`}</Text>
            </View>
          ) : null}
        </View>
        {imageError ? <Text className='field-error' data-testid='compose-image-error'>{imageError}</Text> : null}
      </View>
      <View className='card'>
        <View className='row' onClick={() => setShowOrder(!showOrder)} data-testid='compose-show-order'>
          <View className='row-start'>
            <Icon name='receipt' color={COLORS.warn} size={40} />
            <Text className='text-body gap-16'>晒单：关联一笔我买过的订单</Text>
          </View>
          <View className={`switch ${showOrder ? 'switch-on' : ''}`}>
            <View className='switch-knob' />
          </View>
        </View>
        {showOrder ? (
          <View className='mt-16'>
            <OrderPicker chosen={orderId} onChoose={setOrderId} />
          </View>
        ) : null}
      </View>
      {error ? (
        <View className='notice notice-danger notice-block' data-testid='compose-error'>
          <Icon name='alert' color={COLORS.danger} size={32} />
          <Text className='notice-text'>{error}</Text>
        </View>
      ) : null}
      <Btn block disabled={!ready} onClick={() => void submit()} testId='compose-submit'>
        {sending ? '发布中…' : uploading > 0 ? '图片上传中…' : '发布'}
      </Btn>
      <Text className='caption block center mt-16'>发布即表示遵守邻里圈公约：不发广告、不放外部链接</Text>
    </View>
  );
}
