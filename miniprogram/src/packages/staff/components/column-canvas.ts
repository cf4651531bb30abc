import UCharts, { type UChartsSeries } from '@qiun/ucharts';

export interface ColumnPoint {
  label: string;
  value: number;
  /** A second, smaller series drawn inside the column (e.g. converted of registered). */
  inner?: number;
}

export interface ColumnDrawing {
  points: ColumnPoint[];
  unit: string;
  outerLabel?: string;
  innerLabel?: string;
}

/** The workbench's two greens: the outer series light, the inner one the brand colour. */
const OUTER_COLOR = '#8fd9b0';
const INNER_COLOR = '#0e8a45';
const SPLITS = 4;

/** A y-axis maximum that splits into whole numbers, so no tick reads "0.8 人". */
function axisMax(points: ColumnPoint[]): number {
  const top = Math.max(1, ...points.map((point) => point.value));
  return Math.ceil(top / SPLITS) * SPLITS;
}

/**
 * Draws the columns (and, when given, the inner series as a line with points over them) into a
 * canvas 2D context sized `width`×`height` CSS pixels at `pixelRatio`. uCharts draws synchronously
 * from the same calls in WeChat's Canvas2D and the browser's canvas; `onDrawn` runs once painted.
 */
export function drawColumns(context: unknown, width: number, height: number, pixelRatio: number, drawing: ColumnDrawing, onDrawn?: () => void): void {
  const { points, unit, outerLabel, innerLabel } = drawing;
  const withInner = innerLabel !== undefined && points.some((point) => point.inner !== undefined);
  const series: UChartsSeries[] = [{ name: outerLabel ?? unit, type: 'column', color: OUTER_COLOR, data: points.map((point) => point.value), textColor: '#4e5969', formatter: (value: number) => (value === 0 ? '' : String(value)) }];
  // The line's own numbers would sit on the columns' labels: they are in the table under the chart.
  if (withInner) {
    series.push({ name: innerLabel, type: 'line', color: INNER_COLOR, data: points.map((point) => point.inner ?? 0), pointShape: 'circle', addPoint: true, formatter: () => '' });
  }
  const chart = new UCharts({
    type: 'mix',
    context,
    canvas2d: true,
    width: width * pixelRatio,
    height: height * pixelRatio,
    pixelRatio,
    animation: false,
    background: '#FFFFFF',
    fontSize: 11,
    fontColor: '#4e5969',
    padding: [16, 8, 4, 0],
    dataLabel: true,
    dataPointShape: true,
    categories: points.map((point) => point.label),
    series,
    legend: { show: true, position: 'bottom', fontSize: 11, lineHeight: 14, itemGap: 16 },
    xAxis: { disableGrid: true, fontSize: 10, fontColor: '#8f959e', axisLineColor: '#dcdfe6' },
    yAxis: { gridType: 'dash', dashLength: 3, gridColor: '#ebedf0', splitNumber: SPLITS, data: [{ min: 0, max: axisMax(points), fontSize: 10, fontColor: '#8f959e', axisLine: false }] },
    extra: {
      mix: { column: { width: Math.max(8, Math.min(24, (width / Math.max(1, points.length)) * 0.45)), barBorderRadius: [3, 3, 0, 0] }, line: { width: 2 } },
    },
  });
  if (onDrawn) chart.addEventListener('renderComplete', onDrawn);
}
