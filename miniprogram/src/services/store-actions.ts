import Taro from '@tarojs/taro';
import type { Store } from './api';
import { toast } from './navigation';
import { isH5 } from './platform';

/** The store on a map: WeChat's built-in map (openLocation); in a browser, the map site in a new tab. */
export function openStoreMap(store: Pick<Store, 'name' | 'address' | 'location'>): void {
  if (isH5) {
    const { lat, lng } = store.location;
    window.open(`https://uri.amap.com/marker?position=${lng},${lat}&name=${encodeURIComponent(store.name)}&coordinate=gaode&callnative=1`, '_blank', 'noopener');
    return;
  }
  void Taro.openLocation({ latitude: store.location.lat, longitude: store.location.lng, name: store.name, address: store.address, scale: 17 }).catch(() => toast('暂时无法打开地图'));
}

export function callStore(phone: string): void {
  void Taro.makePhoneCall({ phoneNumber: phone.replace(/[^\d+]/g, '') }).catch(() => undefined);
}

/** 配送范围 3 公里 · 起送 ¥15 · 配送费 ¥5 · 满 ¥39 免配送费 */
export function deliveryFacts(delivery: Store['delivery']): { label: string; value: string }[] {
  return [
    { label: '配送范围', value: `${delivery.radiusKm} 公里` },
    { label: '起送', value: delivery.minOrderCents > 0 ? `¥${delivery.minOrderCents / 100}` : '不限' },
    { label: '配送费', value: delivery.feeCents > 0 ? `¥${delivery.feeCents / 100}` : '免费' },
    { label: '免配送费', value: delivery.freeAboveCents !== null ? `满 ¥${delivery.freeAboveCents / 100}` : '—' },
  ];
}
