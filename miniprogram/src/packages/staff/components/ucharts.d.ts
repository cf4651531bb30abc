/**
 * The part of uCharts (`@qiun/ucharts`, which ships no types) that the staff charts use.
 * Options are uCharts' own names; see column-canvas.ts for what each is set to.
 */
declare module '@qiun/ucharts' {
  export interface UChartsSeries {
    name: string;
    data: number[];
    type?: 'column' | 'line' | 'area' | 'point';
    color?: string;
    /** Per-series extras uCharts reads by name (e.g. pointShape, textColor). */
    [option: string]: unknown;
  }

  export interface UChartsOptions {
    type: 'column' | 'line' | 'mix' | 'bar' | 'area';
    /** A canvas 2D context: WeChat's Canvas2D node context or the browser's CanvasRenderingContext2D. */
    context: unknown;
    /** Canvas pixels (CSS size × pixelRatio); uCharts scales fonts and lines by pixelRatio itself. */
    width: number;
    height: number;
    pixelRatio: number;
    canvas2d?: boolean;
    animation?: boolean;
    background?: string;
    fontSize?: number;
    fontColor?: string;
    color?: string[];
    padding?: number[];
    dataLabel?: boolean;
    dataPointShape?: boolean;
    categories: string[];
    series: UChartsSeries[];
    legend?: Record<string, unknown>;
    xAxis?: Record<string, unknown>;
    yAxis?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  }

  export default class UCharts {
    constructor(options: UChartsOptions);
    addEventListener(type: 'renderComplete', listener: () => void): void;
  }
}
