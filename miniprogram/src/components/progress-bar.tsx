import { View } from '@tarojs/components';

export function ProgressBar({ percent }: { percent: number }) {
  const width = Math.max(0, Math.min(100, percent));
  return (
    <View className='progress'>
      <View className='progress-bar' style={{ width: `${width}%` }} />
    </View>
  );
}
