import { Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { errorText } from '../services/errors';
import { Btn } from './button';
import { COLORS, Icon } from './icon';

export { errorText };

interface StateViewProps<T> {
  loading: boolean;
  error: unknown;
  data: T | null;
  onRetry?: () => void;
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  /** What to do about an empty list, e.g. 去兑换. */
  emptyAction?: { label: string; onClick: () => void };
  /** Rows of the loading placeholder (default 2). */
  skeletonRows?: number;
  children: (data: T) => ReactNode;
}

export function LoadingState({ rows = 2 }: { rows?: number }) {
  return (
    <View className='skeleton' data-testid='state-loading'>
      {Array.from({ length: rows }, (_, index) => (
        <View key={index}>
          <View className='skeleton-line' />
          <View className='skeleton-line skeleton-line-short' />
        </View>
      ))}
      <Text className='caption'>加载中…</Text>
    </View>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <View className='state state-card' data-testid='state-error'>
      <Icon name='alert' color={COLORS.muted} size={96} />
      <Text className='state-error-text'>{errorText(error)}</Text>
      {onRetry ? (
        <View className='mt-24'>
          <Btn small variant='plain' onClick={onRetry}>
            重试
          </Btn>
        </View>
      ) : null}
    </View>
  );
}

export function EmptyState({ text, action }: { text: string; action?: { label: string; onClick: () => void } }) {
  return (
    <View className='state state-card' data-testid='state-empty'>
      <Icon name='empty' color='#c9cdd4' size={96} />
      <Text className='state-text'>{text}</Text>
      {action ? (
        <View className='mt-24'>
          <Btn small onClick={action.onClick}>
            {action.label}
          </Btn>
        </View>
      ) : null}
    </View>
  );
}

/** Loading, error (with retry) and empty states in one place, so every list and card has them. */
export function StateView<T>({ loading, error, data, onRetry, isEmpty, emptyText = '暂无数据', emptyAction, skeletonRows, children }: StateViewProps<T>) {
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (loading && data === null) return <LoadingState rows={skeletonRows} />;
  if (data === null) return null;
  if (isEmpty?.(data)) return <EmptyState text={emptyText} action={emptyAction} />;
  return <>{children(data)}</>;
}
