// First: zod must be jitless before any shared schema is built (WeChat forbids `new Function`).
import './services/zod-jitless';
import { useDidShow, useLaunch } from '@tarojs/taro';
import type { PropsWithChildren } from 'react';
import { captureTouch } from './services/touches';
import './app.css';

// H5: Taro sizes in rem from a 750-wide design; the server's CSP forbids the usual inline script.
if (process.env.TARO_ENV === 'h5' && typeof document !== 'undefined') {
  const fitRootFontSize = () => {
    const width = Math.min(document.documentElement.clientWidth || 375, 750);
    document.documentElement.style.fontSize = `${Math.max(20, Math.min(40, (40 * width) / 750))}px`;
  };
  fitRootFontSize();
  window.addEventListener('resize', fitRootFontSize);
}

type ShowOptions = { query?: Record<string, string>; shareTicket?: string; scene?: number } | undefined;

function App({ children }: PropsWithChildren) {
  // Opened from a broadcast card, a push or a share: keep the touch; resident pages report it.
  useLaunch((options: ShowOptions) => captureTouch(options?.query, { shareTicket: options?.shareTicket, scene: options?.scene }));
  useDidShow((options: ShowOptions) => captureTouch(options?.query, { shareTicket: options?.shareTicket, scene: options?.scene }));
  return children;
}

export default App;
