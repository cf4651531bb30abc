import type { LabelDefinition } from '@o2o/shared/schemas/labels';
import { yuan } from '../../../services/format';

/** A numeric parameter of a rule, or null when the stored parameters do not have it. */
function number(params: Record<string, unknown>, key: string): number | null {
  return typeof params[key] === 'number' ? (params[key] as number) : null;
}

function three(params: Record<string, unknown>, key: string): [number, number, number] | null {
  const value = params[key];
  return Array.isArray(value) && value.length === 3 && value.every((item) => typeof item === 'number') ? (value as [number, number, number]) : null;
}

/**
 * What a label means, in one Chinese sentence built from its rule and the parameters operations
 * set (so the sentence follows an edited threshold), or null when the rule gives nothing to say.
 */
export function labelMeaning(definition: Pick<LabelDefinition, 'kind' | 'rule'>): string | null {
  if (definition.kind === 'manual') return '由店长或城市运营手动标注';
  const rule = definition.rule;
  if (!rule) return null;
  const params = rule.params;
  switch (rule.name) {
    case 'lifecycle': {
      const [newbie, active, lost] = [number(params, 'newbieDays'), number(params, 'activeDays'), number(params, 'lostDays')];
      if (newbie === null || active === null || lost === null) return null;
      return `注册当天为新注册，${newbie} 天内未下单为新手期；最近一次下单或活动在 ${active} 天内为活跃或回流，${lost} 天内为沉默，更久为流失`;
    }
    case 'recency': {
      const days = three(params, 'thresholdsDays');
      return days ? `距最近一次完成的订单：${days[0]} 天内、${days[1]} 天内、${days[2]} 天内，或更久` : null;
    }
    case 'frequency': {
      const [window, counts] = [number(params, 'windowDays'), three(params, 'thresholds')];
      return window !== null && counts ? `近 ${window} 天完成的订单：${counts[0]} 单起为低频，${counts[1]} 单起为中频，${counts[2]} 单起为高频` : null;
    }
    case 'monetary': {
      const [window, cents] = [number(params, 'windowDays'), three(params, 'thresholdsCents')];
      return window !== null && cents ? `近 ${window} 天完成订单的金额：${yuan(cents[0])} 起为低消费，${yuan(cents[1])} 起为中消费，${yuan(cents[2])} 起为高消费` : null;
    }
    case 'newbie_tasks':
      return '新手任务做到了哪一步';
    case 'group': {
      const days = number(params, 'activeDays');
      return days !== null ? `是否在门店社群里；${days} 天内在群里签到或发言为群内活跃` : null;
    }
    case 'invite_quality': {
      const share = number(params, 'goodShare');
      return share !== null ? `邀请来的邻居中至少 ${Math.round(share * 100)}% 按时下单为优质邀请，被风控标记的另算` : null;
    }
    case 'community':
    case 'store':
      // The value line already says it (居民所在的小区 / 居民归属的门店).
      return null;
    case 'interest_category': {
      const top = number(params, 'topN');
      return top !== null ? `按购买记录、商品相似度和时间衰减预测的前 ${top} 个感兴趣品类` : null;
    }
  }
}
