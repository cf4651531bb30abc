import { Image } from '@tarojs/components';
import { useMemo } from 'react';
import { qrDataUrl } from '../services/qr';

/** A QR code of `value`, drawn on the device (long-press recognises it in WeChat). */
export function QrCode({ value, small, testId }: { value: string; small?: boolean; testId?: string }) {
  const src = useMemo(() => qrDataUrl(value), [value]);
  return <Image className={small ? 'qr-small' : 'qr'} src={src} mode='scaleToFill' showMenuByLongpress data-testid={testId} />;
}
