import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useState } from 'react';
import { distanceKm } from '@o2o/shared/rules/geo';
import { useRequest } from '../hooks/use-request';
import { api, type CommunityChoice, type Store } from '../services/api';
import { isH5 } from '../services/platform';
import { COLORS, Icon } from './icon';
import { ErrorState, LoadingState } from './state-view';

interface CommunityPickerProps {
  /** The store whose communities are offered first (the code's, the inviter's, or the resident's). */
  storeId: string | null;
  value: string | null;
  onChange: (communityId: string, choice: CommunityChoice) => void;
}

/** Stores nearest first: to where the phone is (WeChat, when allowed), else to the first store. */
async function storesNearestFirst(from: Store | null): Promise<Store[]> {
  const stores = await api.stores();
  let origin = from?.location ?? null;
  if (!isH5) {
    const here = await Taro.getLocation({ type: 'gcj02' }).catch(() => null);
    if (here) origin = { lat: here.latitude, lng: here.longitude };
  }
  return origin ? [...stores].sort((a, b) => distanceKm(origin!, a.location) - distanceKm(origin!, b.location)) : stores;
}

/**
 * The communities a store serves, as radio choices; "我的小区不在这里" lists the other stores,
 * nearest first, so someone who lives by another store picks that store's community.
 */
export function CommunityPicker({ storeId, value, onChange }: CommunityPickerProps) {
  const [shownStoreId, setShownStoreId] = useState<string | null>(storeId);
  const [browsing, setBrowsing] = useState(storeId === null);
  useEffect(() => {
    setShownStoreId(storeId);
    setBrowsing(storeId === null);
  }, [storeId]);
  const choices = useRequest(() => (shownStoreId ? api.communityChoices(shownStoreId) : Promise.resolve([])), [shownStoreId]);
  const stores = useRequest(async () => storesNearestFirst(storeId ? await api.store(storeId).catch(() => null) : null), [storeId], browsing);

  if (browsing) {
    return (
      <View data-testid='store-picker'>
        <Text className='muted block'>选择离你家最近的门店，再选小区</Text>
        {stores.error ? <ErrorState error={stores.error} onRetry={() => void stores.reload()} /> : null}
        {stores.loading && !stores.data ? <LoadingState rows={1} /> : null}
        {(stores.data ?? []).map((store) => (
          <View
            key={store.id}
            className={`choice mt-16 ${store.id === shownStoreId ? 'choice-selected' : ''}`}
            data-testid='store-choice'
            onClick={() => {
              setShownStoreId(store.id);
              setBrowsing(false);
            }}
          >
            <Icon name='store' color={COLORS.brand} size={40} />
            <View className='grow gap-16'>
              <Text className='text-body block'>{store.name}</Text>
              <Text className='caption block ellipsis'>{store.address}</Text>
            </View>
            <Icon name='chevron' color='#c9cdd4' size={32} />
          </View>
        ))}
      </View>
    );
  }
  return (
    <View data-testid='community-picker'>
      {choices.error ? <ErrorState error={choices.error} onRetry={() => void choices.reload()} /> : null}
      {choices.loading && !choices.data ? <LoadingState rows={1} /> : null}
      {choices.data && choices.data.length === 0 ? <Text className='muted block'>这家门店附近暂无可选小区，请选择其他门店</Text> : null}
      {(choices.data ?? []).map((choice) => (
        <View
          key={choice.id}
          className={`choice ${choice.id === value ? 'choice-selected' : ''}`}
          data-testid='community-choice'
          onClick={() => onChange(choice.id, choice)}
        >
          <View className={`radio ${choice.id === value ? 'radio-on' : ''}`}>{choice.id === value ? <Icon name='check' color={COLORS.white} size={32} /> : null}</View>
          <View className='grow'>
            <Text className='text-body block'>{choice.name}</Text>
            <Text className='caption block ellipsis'>{`${choice.distanceKm.toFixed(1)} 公里 · ${choice.address}`}</Text>
          </View>
        </View>
      ))}
      <View className='row row-88' onClick={() => setBrowsing(true)} data-testid='community-not-listed'>
        <Text className='brand'>我的小区不在这里，选择其他门店</Text>
        <Icon name='chevron' color={COLORS.brand} size={32} />
      </View>
    </View>
  );
}
