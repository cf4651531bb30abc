import { Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { Icon, type IconName, type IconSize } from './icon';

export interface CardHeaderProps {
  title: ReactNode;
  /** An icon on the right, drawn at the size every card header uses unless told otherwise. */
  icon?: IconName;
  iconColor?: string;
  iconSize?: IconSize;
  /** Text or a link on the right instead of an icon. */
  extra?: ReactNode;
}

/** A card's title row: the title on the left, an icon or a short extra on the right. */
export function CardHeader({ title, icon, iconColor, iconSize = 48, extra }: CardHeaderProps) {
  return (
    <View className='card-header'>
      <Text className='card-title'>{title}</Text>
      {icon ? <Icon name={icon} color={iconColor} size={iconSize} /> : null}
      {extra}
    </View>
  );
}
