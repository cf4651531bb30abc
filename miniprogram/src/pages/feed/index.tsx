import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh, useReachBottom } from '@tarojs/taro';
import { useRef, useState } from 'react';
import type { Post } from '@o2o/shared/schemas/content';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { AuthorLine, HiddenNotice, ImageGrid, OrderChip, PostCounts } from '../../components/post-parts';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-view';
import { ROUTES } from '../../constants/routes';
import { useFeed } from '../../hooks/use-feed';
import { useResidentPage } from '../../hooks/use-resident-page';
import { contentApi, type FeedSort } from '../../services/content-api';
import { errorText } from '../../services/errors';
import { go, toast } from '../../services/navigation';

const SORTS: { sort: FeedSort; label: string }[] = [
  { sort: 'newest', label: '最新' },
  { sort: 'engaged', label: '最热' },
];

function PostCard({ post, onChange }: { post: Post; onChange: (post: Post) => void }) {
  const [busy, setBusy] = useState(false);
  const like = async () => {
    setBusy(true);
    try {
      const state = await contentApi.like(post.id, !post.liked);
      onChange({ ...post, liked: state.active, counts: { ...post.counts, likes: state.count } });
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='card post-card' data-testid='feed-post' data-post-id={post.id} onClick={() => go(`${ROUTES.post}?id=${post.id}`)}>
      <AuthorLine author={post.author} createdAt={post.createdAt} pinned={post.pinned} />
      {post.mine && post.status === 'hidden' ? <HiddenNotice reason={post.hiddenReason} /> : null}
      <Text className='post-text post-text-clamped' data-testid='post-text'>
        {post.text}
      </Text>
      <ImageGrid images={post.images} />
      {post.order ? <OrderChip order={post.order} /> : null}
      <PostCounts post={post} onLike={post.status === 'visible' ? () => void like() : undefined} busy={busy} />
    </View>
  );
}

export default function Feed() {
  const allowed = useResidentPage();
  const [sort, setSort] = useState<FeedSort>('newest');
  const feed = useFeed(sort, allowed);
  const firstShow = useRef(true);

  // Back from the composer or a post: the list shows the new post and the counts as they are now.
  useDidShow(() => {
    if (firstShow.current) {
      firstShow.current = false;
      return;
    }
    if (allowed) void feed.reload();
  });
  usePullDownRefresh(() => {
    void feed.reload().finally(() => Taro.stopPullDownRefresh());
  });
  useReachBottom(() => {
    void feed.loadMore();
  });

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-feed'>
      <View className='feed-head'>
        <View className='segmented segmented-inline feed-tabs'>
          {SORTS.map((option) => (
            <Text key={option.sort} className={`segment ${option.sort === sort ? 'segment-on' : ''}`} data-testid={`feed-sort-${option.sort}`} onClick={() => setSort(option.sort)}>
              {option.label}
            </Text>
          ))}
        </View>
        <Btn small onClick={() => go(ROUTES.compose)} testId='feed-compose'>
          发帖
        </Btn>
      </View>
      {feed.error && feed.posts.length === 0 ? (
        <ErrorState error={feed.error} onRetry={() => void feed.reload()} />
      ) : feed.loading && feed.posts.length === 0 ? (
        <LoadingState rows={3} />
      ) : feed.posts.length === 0 ? (
        <EmptyState text='邻里圈还没有人发帖，来分享第一条吧：买到的好物、小区里的新鲜事' action={{ label: '发第一条', onClick: () => go(ROUTES.compose) }} />
      ) : (
        <View data-testid='feed-list' data-sort={sort} data-loading={feed.loading ? 'true' : 'false'}>
          {feed.posts.map((post) => (
            <PostCard key={post.id} post={post} onChange={feed.update} />
          ))}
          {feed.moreError ? (
            <View className='feed-more' data-testid='feed-more-error'>
              <Text className='state-error-text'>{errorText(feed.moreError)}</Text>
              <Btn small variant='plain' onClick={() => void feed.loadMore()}>
                重试
              </Btn>
            </View>
          ) : feed.nextCursor ? (
            <View className='feed-more'>
              <Btn small variant='ghost' disabled={feed.loadingMore} onClick={() => void feed.loadMore()} testId='feed-more'>
                {feed.loadingMore ? '加载中…' : '加载更多'}
              </Btn>
            </View>
          ) : (
            <View className='feed-more' data-testid='feed-end'>
              <Icon name='leaf' color={COLORS.muted} size={32} />
              <Text className='caption gap-8'>没有更多了</Text>
            </View>
          )}
        </View>
      )}
    </View>
  );
}
