import { Text, View } from '@tarojs/components';
import type { HoldoutComparison } from '@o2o/shared/schemas/campaigns';
import { percentText } from '../../../services/format';

/** A difference of rates in percentage points with its sign: +3.2 个百分点. */
function points(value: number): string {
  const rounded = Math.round(value * 1000) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}`;
}

/** What the interval says, in words a store manager can act on. */
function verdict(lift: NonNullable<HoldoutComparison['lift']>): string {
  if (lift.low > 0) return '触达确实带来了更多购买';
  if (lift.high < 0) return '触达组反而买得更少';
  return '区间包含 0，还不能确定有提升';
}

/** Members meant to be reached versus the held-out ones, over the period (a promotion's campaign, a push's days after sending). */
export function HoldoutView({ holdout, period = '活动期间', testId = 'promotion-holdout' }: { holdout: HoldoutComparison; period?: string; testId?: string }) {
  return (
    <View className='mt-24' data-testid={testId}>
      <Text className='text-body'>{`对照组对比（随机留出 ${Math.round(holdout.share * 100)}% 不触达）`}</Text>
      <View className='table-row table-head'>
        <Text className='table-cell-name'>{period}</Text>
        <Text className='table-cell'>购买人数</Text>
        <Text className='table-cell'>购买率</Text>
      </View>
      <View className='table-row' data-testid='holdout-treated'>
        <Text className='table-cell-name'>{`触达组（${holdout.treated.size} 人）`}</Text>
        <Text className='table-cell'>{`${holdout.treated.buyers} 人`}</Text>
        <Text className='table-cell'>{percentText(holdout.treated.buyerRate)}</Text>
      </View>
      <View className='table-row' data-testid='holdout-held-out'>
        <Text className='table-cell-name'>{`对照组（${holdout.heldOut.size} 人）`}</Text>
        <Text className='table-cell'>{`${holdout.heldOut.buyers} 人`}</Text>
        <Text className='table-cell'>{percentText(holdout.heldOut.buyerRate)}</Text>
      </View>
      {holdout.lift ? (
        <Text className='caption' data-testid='holdout-lift'>
          {`购买率差 ${points(holdout.lift.difference)} 个百分点，95% 区间 ${points(holdout.lift.low)} 至 ${points(holdout.lift.high)}：${verdict(holdout.lift)}`}
        </Text>
      ) : (
        <Text className='caption' data-testid='holdout-lift'>
          两组都有人后才能计算提升
        </Text>
      )}
    </View>
  );
}

