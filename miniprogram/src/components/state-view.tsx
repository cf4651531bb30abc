import { Button, Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { ApiError } from '../services/api-client';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.kind === 'network' ? '网络不给力，请检查网络后重试' : error.message;
  return error instanceof Error ? error.message : '出错了，请稍后重试';
}

interface StateViewProps<T> {
  loading: boolean;
  error: unknown;
  data: T | null;
  onRetry?: () => void;
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}

/** Loading, error (with retry) and empty states in one place, so every list and card has them. */
export function StateView<T>({ loading, error, data, onRetry, isEmpty, emptyText = '暂无数据', children }: StateViewProps<T>) {
  if (error) {
    return (
      <View className='state' data-testid='state-error'>
        <Text className='danger'>{errorText(error)}</Text>
        {onRetry ? (
          <View style={{ marginTop: '16px' }}>
            <Button className='btn btn-small btn-plain' onClick={onRetry}>重试</Button>
          </View>
        ) : null}
      </View>
    );
  }
  if (loading && data === null) {
    return (
      <View className='state' data-testid='state-loading'>
        <Text>加载中…</Text>
      </View>
    );
  }
  if (data === null) return null;
  if (isEmpty?.(data)) {
    return (
      <View className='state' data-testid='state-empty'>
        <Text>{emptyText}</Text>
      </View>
    );
  }
  return <>{children(data)}</>;
}
