import { Canvas as F2Canvas, type CanvasProps } from '@antv/f2';
import { Canvas, Text } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';

let nextId = 0;

/** The node of a `type='2d'` canvas: WeChat's Canvas2D object, or (H5) the HTML canvas inside Taro's element. */
interface CanvasNode {
  width: number;
  height: number;
  getContext(type: '2d'): CanvasRenderingContext2D;
  requestAnimationFrame?: (callback: () => void) => number;
  cancelAnimationFrame?: (handle: number) => void;
  style?: CSSStyleDeclaration;
}

function pixelRatio(): number {
  if (process.env.TARO_ENV === 'h5') return window.devicePixelRatio || 1;
  return Taro.getWindowInfo().pixelRatio || 2;
}

/**
 * Finds the canvas node by id. WeChat answers once the page has laid it out; Taro's H5 canvas
 * element creates its inner `<canvas>` a frame after mounting, so an empty answer is asked again.
 */
function findNode(id: string, attempts = 20): Promise<{ node: CanvasNode; width: number } | null> {
  return new Promise((resolve) => {
    Taro.createSelectorQuery()
      .select(`#${id}`)
      .fields({ node: true, size: true })
      .exec((result: { node?: CanvasNode; width?: number }[]) => {
        const found = result?.[0];
        if (found?.node && found.width) resolve({ node: found.node, width: found.width });
        else if (attempts <= 0) resolve(null);
        else setTimeout(() => void findNode(id, attempts - 1).then(resolve), 50);
      });
  });
}

/**
 * One F2 chart on a Canvas 2D node, the same code in the WeChat build and in H5. `chart` is an F2
 * element (built with F2's `jsx`), rebuilt by the caller whenever its data changes.
 * `summary` is the chart's figures as text, for screen readers and tests; `data-rendered` turns
 * "true" once F2 has drawn.
 */
export function F2Chart({ chart, height, summary, testId }: { chart: unknown; height: number; summary: string; testId?: string }) {
  const [id] = useState(() => `f2-chart-${++nextId}`);
  const instance = useRef<F2Canvas | null>(null);
  const [state, setState] = useState<'drawing' | 'rendered' | 'failed'>('drawing');

  useEffect(() => {
    let cancelled = false;
    const draw = async () => {
      if (instance.current) {
        await instance.current.update({ children: chart } as CanvasProps);
        return;
      }
      const found = await findNode(id);
      if (cancelled) return;
      if (!found) {
        setState('failed');
        return;
      }
      const { node, width } = found;
      const ratio = pixelRatio();
      node.width = Math.round(width * ratio);
      node.height = Math.round(height * ratio);
      if (node.style) {
        node.style.width = `${width}px`;
        node.style.height = `${height}px`;
      }
      const props: CanvasProps = {
        context: node.getContext('2d'),
        pixelRatio: ratio,
        width,
        height,
        animate: false,
        children: chart,
      };
      // WeChat's canvas has its own frame clock; H5 uses the window's.
      if (node.requestAnimationFrame) Object.assign(props, { requestAnimationFrame: node.requestAnimationFrame.bind(node), cancelAnimationFrame: node.cancelAnimationFrame?.bind(node) });
      instance.current = new F2Canvas(props);
      await instance.current.render();
    };
    draw().then(
      () => !cancelled && setState('rendered'),
      () => !cancelled && setState('failed'),
    );
    return () => {
      cancelled = true;
    };
  }, [chart, height, id]);

  useEffect(
    () => () => {
      instance.current?.destroy();
      instance.current = null;
    },
    [],
  );

  return (
    <>
      <Canvas type='2d' id={id} canvasId={id} className='f2-canvas' style={{ width: '100%', height: `${height}px` }} data-testid={testId} data-rendered={state === 'rendered' ? 'true' : 'false'} aria-label={summary} />
      {state === 'failed' ? <Text className='caption'>{`图表没能画出来，数据如下：${summary}`}</Text> : null}
    </>
  );
}
