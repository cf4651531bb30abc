import { useCallback, useEffect, useRef, useState } from 'react';
import type { Post } from '@o2o/shared/schemas/content';
import { contentApi, type FeedSort } from '../services/content-api';

export interface FeedState {
  posts: Post[];
  /** More pages wait behind this cursor; null at the end. */
  nextCursor: string | null;
  /** The first page is loading (nothing to show yet, or a tab switch). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  moreError: unknown;
  reload: () => Promise<void>;
  loadMore: () => Promise<void>;
  /** Replaces one post in place (a like's new count). */
  update: (post: Post) => void;
}

/**
 * The store feed in one sort, page by page. A tab switch or reload starts from the first page; an
 * answer that arrives after the next switch is dropped, so the list never mixes two sorts.
 */
export function useFeed(sort: FeedSort, enabled: boolean, storeId?: string): FeedState {
  const [posts, setPosts] = useState<Post[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = (generation.current += 1);
    setLoading(true);
    setError(null);
    setMoreError(null);
    try {
      const page = await contentApi.feed(sort, undefined, storeId);
      if (mine !== generation.current) return;
      setPosts(page.posts);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [sort, storeId]);

  const loadMore = useCallback(async () => {
    if (!nextCursor || loadingMore || loading) return;
    const mine = generation.current;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await contentApi.feed(sort, nextCursor, storeId);
      if (mine !== generation.current) return;
      // Pinned posts lead only the first page; a post seen already (new posts shift pages) is not shown twice.
      setPosts((shown) => [...shown, ...page.posts.filter((post) => !shown.some((known) => known.id === post.id))]);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      if (mine === generation.current) setMoreError(caught);
    } finally {
      if (mine === generation.current) setLoadingMore(false);
    }
  }, [sort, storeId, nextCursor, loadingMore, loading]);

  useEffect(() => {
    if (enabled) void reload();
  }, [reload, enabled]);

  const update = useCallback((post: Post) => setPosts((shown) => shown.map((known) => (known.id === post.id ? post : known))), []);

  return { posts, nextCursor, loading, loadingMore, error, moreError, reload, loadMore, update };
}
