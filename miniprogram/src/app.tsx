// First: zod must be jitless before any shared schema is built (WeChat forbids `new Function`).
import './services/zod-jitless';
import type { PropsWithChildren } from 'react';
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

function App({ children }: PropsWithChildren) {
  return children;
}

export default App;
