import { Image, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { ContentAuthor, Post } from '@o2o/shared/schemas/content';
import { mediaUrl } from '../services/content-api';
import { gridColumns } from '../services/content-display';
import { formatDateTime, formatMonthDay } from '../services/format';
import { COLORS, Icon } from './icon';

/** The first character of a name, for a round avatar when there is no picture. */
function initial(name: string): string {
  return Array.from(name.trim())[0] ?? '邻';
}

export function AuthorAvatar({ author }: { author: ContentAuthor }) {
  if (author.avatarUrl) return <Image className='post-avatar' src={mediaUrl(author.avatarUrl)} mode='aspectFill' />;
  return (
    <View className={`post-avatar post-avatar-text ${author.asStore ? 'post-avatar-store' : ''}`}>
      {author.asStore ? <Icon name='store' color={COLORS.white} size={40} /> : <Text>{initial(author.name)}</Text>}
    </View>
  );
}

/** Name, 门店 / 置顶 badges and the time. */
export function AuthorLine({ author, createdAt, pinned }: { author: ContentAuthor; createdAt: string; pinned?: boolean }) {
  return (
    <View className='row-start'>
      <AuthorAvatar author={author} />
      <View className='grow gap-16'>
        <View className='row-start'>
          <Text className='post-author ellipsis' data-testid='post-author'>
            {author.name}
          </Text>
          {author.asStore ? <Text className='tag tag-solid' data-testid='badge-store'>门店</Text> : null}
          {pinned ? <Text className='tag tag-warn' data-testid='badge-pinned'>置顶</Text> : null}
        </View>
        <Text className='caption block'>{formatDateTime(createdAt)}</Text>
      </View>
    </View>
  );
}

/** The pictures of a post: tap one to see them all full screen. */
export function ImageGrid({ images, testId = 'post-images' }: { images: Post['images']; testId?: string }) {
  if (images.length === 0) return null;
  const urls = images.map((image) => mediaUrl(image.path));
  const columns = gridColumns(images.length);
  const preview = (index: number) => void Taro.previewImage({ urls, current: urls[index] }).catch(() => undefined);
  if (columns === 1) {
    const [image] = images;
    // Portrait pictures stand taller than landscape ones, within WeChat's bounds.
    const portrait = image.height > image.width;
    return (
      <View className='post-grid' data-testid={testId} data-columns='1'>
        <Image className={portrait ? 'post-image-single post-image-portrait' : 'post-image-single'} src={urls[0]} mode='aspectFill' onClick={() => preview(0)} data-testid='post-image' />
      </View>
    );
  }
  return (
    <View className={`post-grid post-grid-${columns}`} data-testid={testId} data-columns={String(columns)}>
      {urls.map((url, index) => (
        <View className='post-grid-cell' key={images[index].id} onClick={() => preview(index)}>
          <Image className='post-grid-image' src={url} mode='aspectFill' data-testid='post-image' />
        </View>
      ))}
    </View>
  );
}

/** A 晒单's order: when it was completed and what was in it (no amounts). */
export function OrderChip({ order }: { order: NonNullable<Post['order']> }) {
  return (
    <View className='order-chip' data-testid='post-order'>
      <Icon name='receipt' color={COLORS.warn} size={32} />
      <Text className='order-chip-label'>晒单</Text>
      <Text className='order-chip-text ellipsis'>{`${formatMonthDay(order.completedAt)} 的订单：${order.items.join('、') || '门店商品'}`}</Text>
    </View>
  );
}

/** Shown to the author of a hidden post or comment: plainly, with the reason. */
export function HiddenNotice({ reason }: { reason: string | null }) {
  return (
    <View className='notice notice-danger' data-testid='hidden-notice'>
      <Icon name='alert' color={COLORS.danger} size={32} />
      <Text className='notice-text'>{`内容未通过审核：${reason ?? '不符合邻里圈规范'}。只有你自己能看到。`}</Text>
    </View>
  );
}

/** Like / comment / save counts with their meaning; the like is tappable where `onLike` is given. */
export function PostCounts({ post, onLike, busy }: { post: Post; onLike?: () => void; busy?: boolean }) {
  return (
    <View className='post-actions'>
      <View
        className={`post-action ${post.liked ? 'post-action-on' : ''}`}
        data-testid='post-like'
        data-liked={post.liked ? 'true' : 'false'}
        onClick={(event) => {
          event.stopPropagation();
          if (onLike && !busy) onLike();
        }}
      >
        <Icon name={post.liked ? 'heart-on' : 'heart'} color={COLORS.muted} size={40} />
        <Text className='post-action-text' data-testid='post-like-count'>{post.counts.likes > 0 ? `${post.counts.likes} 赞` : '赞'}</Text>
      </View>
      <View className='post-action' data-testid='post-comments'>
        <Icon name='chat' color={COLORS.muted} size={40} />
        <Text className='post-action-text' data-testid='post-comment-count'>{post.counts.comments > 0 ? `${post.counts.comments} 评论` : '评论'}</Text>
      </View>
      <View className='post-action' data-testid='post-saves'>
        <Icon name={post.saved ? 'star-on' : 'star'} color={COLORS.muted} size={40} />
        <Text className='post-action-text'>{post.counts.saves > 0 ? `${post.counts.saves} 收藏` : '收藏'}</Text>
      </View>
    </View>
  );
}
