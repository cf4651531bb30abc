import { Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { COLORS, Icon, type IconName } from './icon';

export interface CellProps {
  title: ReactNode;
  description?: ReactNode;
  value?: ReactNode;
  icon?: IconName;
  iconColor?: string;
  arrow?: boolean;
  onClick?: () => void;
  testId?: string;
}

/** A WeUI cell: icon, title and description on the left, a value and an arrow on the right. */
export function Cell({ title, description, value, icon, iconColor = COLORS.brand, arrow, onClick, testId }: CellProps) {
  return (
    <View className='cell' onClick={onClick} data-testid={testId} hoverClass={onClick ? 'cell-hover' : 'none'}>
      {icon ? <Icon name={icon} color={iconColor} size={48} className='cell-icon' /> : null}
      <View className='cell-body'>
        <Text className='cell-title'>{title}</Text>
        {description ? <Text className='cell-desc'>{description}</Text> : null}
      </View>
      {value !== undefined && value !== null ? <View className='cell-value'>{value}</View> : null}
      {(arrow ?? Boolean(onClick)) ? <Icon name='chevron' color='#c9cdd4' size={32} className='cell-arrow' /> : null}
    </View>
  );
}

export function Cells({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <View className='cells' data-testid={testId}>
      {children}
    </View>
  );
}
