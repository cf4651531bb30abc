import { Axis, Chart, Interval, Legend, jsx } from '@antv/f2';
import { Text, View } from '@tarojs/components';
import { useMemo } from 'react';
import { F2Chart } from './f2-canvas';

// F2's classic element factory; its generic typings reject its own components outside F2's JSX pragma.
const f2 = jsx as unknown as (type: unknown, props: Record<string, unknown> | null, ...children: unknown[]) => unknown;

const OUTER_COLOUR = '#a6e3c1';
const INNER_COLOUR = '#1aad5c';

export interface ColumnPoint {
  label: string;
  value: number;
  /** A second, smaller series drawn beside the column (e.g. converted of registered). */
  inner?: number;
}

interface SeriesRow {
  label: string;
  series: string;
  value: number;
}

function seriesRows(points: ColumnPoint[], outer: string, inner?: string): SeriesRow[] {
  return points.flatMap((point) => [
    { label: point.label, series: outer, value: point.value },
    ...(inner && point.inner !== undefined ? [{ label: point.label, series: inner, value: point.inner }] : []),
  ]);
}

function summaryOf(points: ColumnPoint[], outer: string, inner?: string): string {
  return points.map((point) => `${point.label} ${outer} ${point.value}${inner && point.inner !== undefined ? ` ${inner} ${point.inner}` : ''}`).join('；');
}

/** An F2 column (or, transposed, bar) chart of one or two series per label. */
function seriesChart(rows: SeriesRow[], series: string[], transposed: boolean) {
  return f2(
    Chart,
    { data: rows, coord: transposed ? { transposed: true } : undefined, scale: { value: { min: 0, tickCount: 4, nice: true } } },
    f2(Axis, { field: 'label', style: { label: { fontSize: 11 } } }),
    f2(Axis, { field: 'value', style: { label: { fontSize: 10 } } }),
    f2(Interval, { x: 'label', y: 'value', color: { field: 'series', range: series.length > 1 ? [OUTER_COLOUR, INNER_COLOUR] : [INNER_COLOUR] }, adjust: series.length > 1 ? 'dodge' : undefined }),
    series.length > 1 ? f2(Legend, { position: 'top', style: { justifyContent: 'flex-start' } }) : null,
  );
}

/**
 * A trend as columns (or, `transposed`, a ranking as bars) drawn by F2 on a canvas: the same
 * code renders in the WeChat build and in H5. `outerLabel` names the columns, `innerLabel` the
 * second series beside them.
 */
export function ColumnChart({ points, unit, innerLabel, outerLabel, testId, transposed = false }: { points: ColumnPoint[]; unit: string; innerLabel?: string; outerLabel?: string; testId?: string; transposed?: boolean }) {
  const outer = outerLabel ?? unit;
  const key = JSON.stringify([points, outer, innerLabel, transposed]);
  const chart = useMemo(() => seriesChart(seriesRows(points, outer, innerLabel), innerLabel ? [outer, innerLabel] : [outer], transposed), [key]);
  if (points.every((point) => point.value === 0)) {
    return (
      <View className='chart chart-empty' data-testid={testId}>
        <Text className='caption'>{`这段时间还没有数据（${outer}都是 0）`}</Text>
      </View>
    );
  }
  const height = transposed ? 48 + points.length * (innerLabel ? 40 : 28) : 200;
  return (
    <View className='chart' data-testid={testId} data-points={JSON.stringify(points)}>
      <F2Chart chart={chart} height={height} summary={summaryOf(points, outer, innerLabel)} testId='f2-chart' />
      <Text className='caption'>{`单位：${unit}`}</Text>
    </View>
  );
}

export interface BarRow {
  key: string;
  label: string;
  /** 0..1 of the bar's full length. */
  share: number;
  valueText: string;
  detail?: string;
}

/** The figures behind a chart, one row each (label, figure, detail): what the canvas cannot say in words. */
export function RowList({ rows, testId }: { rows: BarRow[]; testId?: string }) {
  return (
    <View className='bar-list' data-testid={testId}>
      {rows.map((row) => (
        <View key={row.key} className='bar-row' data-testid='bar-row'>
          <View className='row'>
            <Text className='ellipsis bar-label'>{row.label}</Text>
            <Text className='bar-value'>{row.valueText}</Text>
          </View>
          {row.detail ? <Text className='caption'>{row.detail}</Text> : null}
        </View>
      ))}
    </View>
  );
}

/** Ranked horizontal bars (communities by penetration, advisors by progress): an F2 bar chart of the shares, then each row's figures. */
export function BarList({ rows, testId, shareLabel = '占比' }: { rows: BarRow[]; testId?: string; shareLabel?: string }) {
  const points = rows.map((row) => ({ label: row.label.length > 6 ? `${row.label.slice(0, 6)}…` : row.label, value: Math.round(Math.max(0, Math.min(1, row.share)) * 1000) / 10 }));
  return (
    <View>
      {rows.length > 0 ? <ColumnChart transposed points={points} unit='%' outerLabel={shareLabel} testId={testId ? `${testId}-chart` : undefined} /> : null}
      <RowList rows={rows} testId={testId} />
    </View>
  );
}
