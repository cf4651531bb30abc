import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../services/api-client';

export interface RequestState<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads once on mount (when `enabled`); `reload` runs it again (pull-to-refresh, retry after a
 * network error). A reload keeps the data shown until the new data arrives.
 */
export function useRequest<T>(load: () => Promise<T>, deps: unknown[] = [], enabled = true): RequestState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(true);
  const alive = useRef(true);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);

  const reload = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const result = await run();
      if (alive.current) setData(result);
    } catch (caught) {
      if (alive.current) setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      if (alive.current) setLoading(false);
    }
  }, [run]);

  useEffect(() => {
    alive.current = true;
    if (enabled) void reload();
    return () => {
      alive.current = false;
    };
  }, [reload, enabled]);

  return { data, error, loading, reload };
}
