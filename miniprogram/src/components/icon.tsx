import { View } from '@tarojs/components';
import icons from '../assets/icons.json';
import { base64Ascii } from '../services/base64';

export type IconName = keyof typeof icons;

export const COLORS = { brand: '#1aad5c', text: '#1f2329', muted: '#8f959e', white: '#ffffff', warn: '#e8870e', danger: '#e54545', price: '#f2491d' } as const;

const cache = new Map<string, string>();

/** The icon as an SVG data URL: the same drawing for CSS backgrounds (both targets) and the tab bar PNGs. */
export function iconDataUrl(name: IconName, color: string): string {
  const key = `${name}|${color}`;
  let url = cache.get(key);
  if (!url) {
    const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='${color}' stroke-width='1.8' stroke-linecap='round' stroke-linejoin='round'>${icons[name]}</svg>`;
    url = `data:image/svg+xml;base64,${base64Ascii(svg)}`;
    cache.set(key, url);
  }
  return url;
}

/** The type scale's icon sizes (design px at 750 wide). */
export type IconSize = 32 | 40 | 48 | 56 | 64 | 96;

/**
 * An SVG icon drawn as a background image: no emoji (the devices may lack an emoji font) and no
 * icon font to ship. `size` is one of the type scale's icon sizes (design px at 750 wide).
 */
export function Icon({ name, color = COLORS.brand, size = 40, className }: { name: IconName; color?: string; size?: IconSize; className?: string }) {
  return <View className={`icon icon-${size}${className ? ` ${className}` : ''}`} style={{ backgroundImage: `url("${iconDataUrl(name, color)}")` }} />;
}
