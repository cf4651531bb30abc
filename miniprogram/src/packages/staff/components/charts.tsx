import { Canvas, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { drawColumns, type ColumnDrawing, type ColumnPoint } from './column-canvas';

export type { ColumnPoint } from './column-canvas';

let canvasCount = 0;

/** What a canvas chart says to a screen reader: every point's label and value. */
function spokenSummary({ points, unit, outerLabel, innerLabel }: ColumnDrawing): string {
  return points.map((point) => `${point.label} ${outerLabel ?? ''}${point.value}${unit}${innerLabel && point.inner !== undefined ? `，${innerLabel}${point.inner}` : ''}`).join('；');
}

/**
 * The canvas a chart draws into. H5: a plain `<canvas>` this component owns (Taro's
 * `taro-canvas-core` resets its canvas's size, which erases it, whenever it re-renders), sized
 * once for devicePixelRatio. WeChat: a `type='2d'` Canvas whose node the selector query answers.
 * Either way uCharts gets a 2D context and draws the same picture.
 */
function ColumnCanvas({ drawing }: { drawing: ColumnDrawing }) {
  const [canvasId] = useState(() => `staff-chart-${(canvasCount += 1)}`);
  const ref = useRef<HTMLCanvasElement>(null);
  const signature = JSON.stringify(drawing);
  const label = spokenSummary(drawing);

  useEffect(() => {
    if (process.env.TARO_ENV === 'h5') {
      const canvas = ref.current;
      if (!canvas) return undefined;
      const paint = () => {
        const { width, height } = canvas.getBoundingClientRect();
        if (width === 0 || height === 0) return false;
        const ratio = window.devicePixelRatio || 1;
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
        const context = canvas.getContext('2d');
        if (!context) return true;
        drawColumns(context, width, height, ratio, drawing, () => canvas.setAttribute('data-drawn', 'true'));
        return true;
      };
      if (paint()) return undefined;
      // Laid out while hidden (a page not yet shown): draw once it has a size.
      const observer = new ResizeObserver(() => {
        if (paint()) observer.disconnect();
      });
      observer.observe(canvas);
      return () => observer.disconnect();
    }
    let cancelled = false;
    Taro.nextTick(() => {
      Taro.createSelectorQuery()
        .select(`#${canvasId}`)
        .fields({ node: true, size: true })
        .exec((result: { node?: { width: number; height: number; getContext: (kind: '2d') => unknown }; width: number; height: number }[]) => {
          const found = result?.[0];
          if (cancelled || !found?.node || !found.width) return;
          const ratio = (typeof Taro.getWindowInfo === 'function' ? Taro.getWindowInfo() : Taro.getSystemInfoSync()).pixelRatio || 1;
          found.node.width = Math.round(found.width * ratio);
          found.node.height = Math.round(found.height * ratio);
          drawColumns(found.node.getContext('2d'), found.width, found.height, ratio, drawing);
        });
    });
    return () => {
      cancelled = true;
    };
    // The drawing is compared by value: a page re-rendering with the same numbers does not redraw.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature, canvasId]);

  if (process.env.TARO_ENV === 'h5') {
    return <canvas ref={ref} className='chart-canvas' role='img' aria-label={label} data-testid='chart-canvas' />;
  }
  return <Canvas type='2d' id={canvasId} className='chart-canvas' data-testid='chart-canvas' />;
}

/**
 * A column chart drawn by uCharts into a canvas, the inner series (when given) as a line over
 * the columns, with every value also written out beneath it: screen readers and the end-to-end
 * tests read the numbers there (each `chart-column` carries its value), not from pixels.
 */
export function ColumnChart({ points, unit, innerLabel, outerLabel, testId }: { points: ColumnPoint[]; unit: string; innerLabel?: string; outerLabel?: string; testId?: string }) {
  if (points.every((point) => point.value === 0)) {
    return (
      <View className='chart chart-empty' data-testid={testId}>
        <Text className='caption'>{`这段时间还没有数据（${outerLabel ?? unit}都是 0）`}</Text>
      </View>
    );
  }
  return (
    <View className='chart' data-testid={testId}>
      <ColumnCanvas drawing={{ points, unit, outerLabel, innerLabel }} />
      <View className='chart-data'>
        {points.map((point) => (
          <View key={point.label} className='chart-datum' data-testid='chart-column' data-value={String(point.value)}>
            <Text className='chart-datum-label'>{point.label}</Text>
            <Text className='chart-datum-value'>{point.inner !== undefined && innerLabel ? `${point.value} / ${point.inner}` : String(point.value)}</Text>
          </View>
        ))}
      </View>
      <Text className='caption'>{innerLabel ? `单位：${unit}；每格数字为 ${outerLabel ?? unit} / ${innerLabel}` : `单位：${unit}`}</Text>
    </View>
  );
}

export interface BarRow {
  key: string;
  label: string;
  /** 0..1 of the bar's full width. */
  share: number;
  valueText: string;
  /** One line below the bar, or several (each on its own line). */
  detail?: string | string[];
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
          {(Array.isArray(row.detail) ? row.detail : row.detail ? [row.detail] : []).map((line) => (
            <View key={line}>
              <Text className='caption'>{line}</Text>
            </View>
          ))}
        </View>
      ))}
    </View>
  );
}
