import { Text, View } from '@tarojs/components';

export interface ColumnPoint {
  label: string;
  value: number;
  /** A second, smaller series drawn inside the column (e.g. converted of registered). */
  inner?: number;
}

/**
 * A column chart drawn with views and percentages: the same markup renders in the WeChat
 * build and in H5, and costs no library in either package.
 */
export function ColumnChart({ points, unit, innerLabel, outerLabel, testId }: { points: ColumnPoint[]; unit: string; innerLabel?: string; outerLabel?: string; testId?: string }) {
  const max = Math.max(1, ...points.map((point) => point.value));
  if (points.every((point) => point.value === 0)) {
    return (
      <View className='chart chart-empty' data-testid={testId}>
        <Text className='caption'>{`这段时间还没有数据（${outerLabel ?? unit}都是 0）`}</Text>
      </View>
    );
  }
  return (
    <View className='chart' data-testid={testId}>
      <View className='chart-columns'>
        {points.map((point) => (
          <View key={point.label} className='chart-column' data-testid='chart-column' data-value={String(point.value)}>
            <Text className='chart-value'>{String(point.value)}</Text>
            <View className='chart-bar-track'>
              <View className='chart-bar' style={{ height: `${(point.value / max) * 100}%` }}>
                {point.inner !== undefined && point.value > 0 ? <View className='chart-bar-inner' style={{ height: `${(point.inner / point.value) * 100}%` }} /> : null}
              </View>
            </View>
            <Text className='chart-label'>{point.label}</Text>
          </View>
        ))}
      </View>
      {innerLabel ? (
        <View className='chart-legend'>
          <View className='chart-key' />
          <Text className='caption'>{`${outerLabel ?? ''}（${unit}）`}</Text>
          <View className='chart-key chart-key-inner' />
          <Text className='caption'>{innerLabel}</Text>
        </View>
      ) : (
        <Text className='caption'>{`单位：${unit}`}</Text>
      )}
    </View>
  );
}

export interface BarRow {
  key: string;
  label: string;
  /** 0..1 of the bar's full width. */
  share: number;
  valueText: string;
  detail?: string;
}

/** Ranked horizontal bars (communities by penetration, advisors by progress). */
export function BarList({ rows, testId }: { rows: BarRow[]; testId?: string }) {
  return (
    <View className='bar-list' data-testid={testId}>
      {rows.map((row) => (
        <View key={row.key} className='bar-row' data-testid='bar-row'>
          <View className='row'>
            <Text className='ellipsis bar-label'>{row.label}</Text>
            <Text className='bar-value'>{row.valueText}</Text>
          </View>
          <View className='bar-track'>
            <View className='bar-fill' style={{ width: `${Math.max(0, Math.min(1, row.share)) * 100}%` }} />
          </View>
          {row.detail ? <Text className='caption'>{row.detail}</Text> : null}
        </View>
      ))}
    </View>
  );
}
