import type { Types } from 'mongoose';
import type { LabelDefinitionRef } from '@o2o/shared/rules/labels';
import {
  labelDefinitionInputSchema,
  labelRuleSchema,
  RULE_VALUES,
  type LabelDefinition,
  type LabelDefinitionInput,
  type LabelRule,
  type LabelValueOption,
  type Scenario,
  type ScenarioInput,
} from '@o2o/shared/schemas/labels';
import { AppError } from '../../lib/app-error';
import { insertOnce } from '../../db/unique-insert';
import { LabelDefinitionModel, LabelScenarioModel, type LabelDefinitionRecord, type LabelScenarioRecord } from './labels.model';

/** A definition ready for computing and validating: its rule parsed (defaults filled) and its value list. */
export interface CatalogueEntry extends LabelDefinitionRef {
  name: string;
  category: string;
  subcategory: string;
  rule: LabelRule | null;
  values: LabelValueOption[];
  valueFormat: LabelDefinition['valueFormat'];
}

/** The value list of a definition: its own, or the rule's defaults for a rule label that left it empty. */
function valuesOf(record: Pick<LabelDefinitionRecord, 'values' | 'rule'>, rule: LabelRule | null): { values: LabelValueOption[]; valueFormat: LabelDefinition['valueFormat'] } {
  const produced = rule ? RULE_VALUES[rule.name] : null;
  if (produced === 'objectId' || produced === 'text') return { values: [], valueFormat: produced };
  const own = (record.values ?? []).map(({ value, name }) => ({ value, name }));
  return { values: own.length > 0 || !produced ? own : produced, valueFormat: 'enum' };
}

function entryOf(record: LabelDefinitionRecord): CatalogueEntry {
  const parsed = record.rule ? labelRuleSchema.safeParse(record.rule) : null;
  const rule = parsed?.success ? parsed.data : null;
  return {
    key: record._id,
    name: record.name,
    category: record.category,
    subcategory: record.subcategory ?? '',
    kind: record.kind,
    // A stored rule that no longer parses (edited by hand) switches the label off rather than failing every refresh.
    active: record.active && (record.kind === 'manual' || rule !== null),
    rule,
    ...valuesOf(record, rule),
  };
}

export function scenarioView(record: LabelScenarioRecord): Scenario {
  return { key: record._id, name: record.name, description: record.description ?? '', active: record.active, updatedAt: record.updatedAt.toISOString() };
}

export function definitionView(record: LabelDefinitionRecord): LabelDefinition {
  const entry = entryOf(record);
  return {
    key: record._id,
    name: record.name,
    description: record.description ?? '',
    scenarioKeys: [...(record.scenarioKeys ?? [])],
    category: record.category,
    subcategory: record.subcategory ?? '',
    kind: record.kind,
    rule: entry.rule ? { name: entry.rule.name, params: { ...entry.rule.params } } : null,
    values: entry.values,
    valueFormat: entry.valueFormat,
    active: record.active,
    updatedAt: record.updatedAt.toISOString(),
  };
}

/** Scenarios and label definitions, editable by operations without code changes. */
export class LabelCatalogue {
  async listScenarios(): Promise<Scenario[]> {
    const records = await LabelScenarioModel.find().lean<LabelScenarioRecord[]>();
    return records.sort((a, b) => (a._id < b._id ? -1 : 1)).map(scenarioView);
  }

  async putScenario(key: string, input: ScenarioInput, staffId: Types.ObjectId | null): Promise<Scenario> {
    const record = await LabelScenarioModel.findOneAndUpdate({ _id: key }, { $set: { ...input, updatedBy: staffId } }, { upsert: true, returnDocument: 'after' }).lean<LabelScenarioRecord>();
    return scenarioView(record!);
  }

  async listDefinitions(): Promise<LabelDefinition[]> {
    const records = await LabelDefinitionModel.find().lean<LabelDefinitionRecord[]>();
    return records.sort(byCategoryThenKey).map(definitionView);
  }

  /** Creates or replaces a definition; its scenarios must exist. Takes effect at each resident's next refresh. */
  async putDefinition(key: string, input: LabelDefinitionInput, staffId: Types.ObjectId | null): Promise<LabelDefinition> {
    const existing = await LabelDefinitionModel.findById(key, { kind: 1 }).lean<Pick<LabelDefinitionRecord, 'kind'>>();
    if (existing && existing.kind !== input.kind) {
      throw AppError.conflict(`标签「${key}」的类型不能修改，如需其他类型请新建标签`, { kind: existing.kind });
    }
    await this.assertScenariosExist(input.scenarioKeys);
    const fields = { ...input, rule: input.rule ? { name: input.rule.name, params: input.rule.params } : null, updatedBy: staffId };
    const record = await LabelDefinitionModel.findOneAndUpdate({ _id: key }, { $set: fields }, { upsert: true, returnDocument: 'after' }).lean<LabelDefinitionRecord>();
    return definitionView(record!);
  }

  /** Every definition, parsed, for computing and validating (a small collection, read whole). */
  async entries(): Promise<CatalogueEntry[]> {
    const records = await LabelDefinitionModel.find().lean<LabelDefinitionRecord[]>();
    return records.sort(byCategoryThenKey).map(entryOf);
  }

  async entry(key: string): Promise<CatalogueEntry | null> {
    const record = await LabelDefinitionModel.findById(key).lean<LabelDefinitionRecord>();
    return record ? entryOf(record) : null;
  }

  private async assertScenariosExist(keys: string[]): Promise<void> {
    const found = await Promise.all(keys.map((key) => LabelScenarioModel.exists({ _id: key })));
    const details = keys.flatMap((key, index) => (found[index] ? [] : [{ path: `body.scenarioKeys.${index}`, message: `unknown scenario ${key}` }]));
    if (details.length > 0) throw AppError.badRequest('业务场景不存在', details);
  }
}

const byCategoryThenKey = (a: LabelDefinitionRecord, b: LabelDefinitionRecord) =>
  a.category === b.category ? (a._id < b._id ? -1 : 1) : a.category < b.category ? -1 : 1;

// ---- the seeded catalogue ----------------------------------------------------------------------

/** The five scenarios of the issue. */
export const SEED_SCENARIOS: (ScenarioInput & { key: string })[] = [
  { key: 'new_first_order', name: '新客首单推送', description: '新注册、新手期居民尚未首单，推送首单优惠和新手任务', active: true },
  { key: 'lapsed_repurchase', name: '沉睡复购召回', description: '较久未下单或沉默、流失的居民，推送复购券召回', active: true },
  { key: 'slow_moving_promotion', name: '滞销商品促销', description: '按兴趣品类把滞销商品推给可能想要的居民', active: true },
  { key: 'group_activation', name: '社群激活', description: '未入群或群内沉默的居民，引导入群、签到和参与', active: true },
  { key: 'high_value_retention', name: '高价值客户维系', description: '高频高消费、优质邀请的居民，重点维护', active: true },
];

type SeedDefinition = Omit<LabelDefinitionInput, 'description' | 'values' | 'active'> & { key: string; description?: string; values?: LabelValueOption[] };

/** The seeded labels: one per built-in rule, the interest label and one manual label. */
export const SEED_DEFINITIONS: SeedDefinition[] = [
  { key: 'lifecycle', name: '生命周期', category: '生命周期', subcategory: '用户阶段', kind: 'rule', scenarioKeys: ['new_first_order', 'lapsed_repurchase', 'high_value_retention'], rule: { name: 'lifecycle', params: { newbieDays: 7, activeDays: 30, lostDays: 90 } } },
  {
    key: 'recency', name: '最近下单', category: '消费行为', subcategory: 'RFM', kind: 'rule', scenarioKeys: ['lapsed_repurchase', 'high_value_retention'],
    rule: { name: 'recency', params: { thresholdsDays: [7, 30, 90] } },
    values: [{ value: 'r1', name: '7 天内下单' }, { value: 'r2', name: '8-30 天未下单' }, { value: 'r3', name: '31-90 天未下单' }, { value: 'r4', name: '超过 90 天未下单' }, { value: 'none', name: '从未下单' }],
  },
  { key: 'frequency', name: '购买频次', category: '消费行为', subcategory: 'RFM', kind: 'rule', scenarioKeys: ['lapsed_repurchase', 'high_value_retention'], rule: { name: 'frequency', params: { windowDays: 90, thresholds: [1, 3, 6] } } },
  { key: 'monetary', name: '消费金额', category: '消费行为', subcategory: 'RFM', kind: 'rule', scenarioKeys: ['high_value_retention'], rule: { name: 'monetary', params: { windowDays: 90, thresholdsCents: [1, 20_000, 80_000] } } },
  { key: 'newbie_tasks', name: '新手任务', category: '任务参与', subcategory: '新手任务', kind: 'rule', scenarioKeys: ['new_first_order'], rule: { name: 'newbie_tasks', params: {} } },
  { key: 'group', name: '社群参与', category: '社群', subcategory: '入群与活跃', kind: 'rule', scenarioKeys: ['group_activation'], rule: { name: 'group', params: { activeDays: 30 } } },
  { key: 'invite_quality', name: '邀请质量', category: '邀请裂变', subcategory: '邀请质量', kind: 'rule', scenarioKeys: ['high_value_retention'], rule: { name: 'invite_quality', params: { goodShare: 0.5 } } },
  { key: 'community', name: '所在小区', category: '地域归属', subcategory: '小区', kind: 'rule', scenarioKeys: ['group_activation', 'new_first_order'], rule: { name: 'community', params: {} } },
  { key: 'store', name: '归属门店', category: '地域归属', subcategory: '门店', kind: 'rule', scenarioKeys: ['group_activation', 'slow_moving_promotion'], rule: { name: 'store', params: {} } },
  { key: 'interest_category', name: '兴趣品类', category: '兴趣偏好', subcategory: '品类兴趣', kind: 'interest', scenarioKeys: ['slow_moving_promotion'], rule: { name: 'interest_category', params: { topN: 3 } } },
  {
    key: 'service_note', name: '服务标注', category: '运营标注', subcategory: '人工标签', kind: 'manual', scenarioKeys: ['high_value_retention'], rule: null,
    values: [{ value: 'key_customer', name: '重点客户' }, { value: 'needs_help', name: '需协助下单' }, { value: 'complained', name: '近期有投诉' }],
  },
];

/**
 * Seeds the five scenarios and the default labels. Idempotent: an entry that exists (possibly
 * edited by operations) is left alone, so start-up may call it every time.
 */
export async function seedLabelCatalogue(): Promise<{ scenarios: number; definitions: number }> {
  let scenarios = 0;
  let definitions = 0;
  for (const { key, ...scenario } of SEED_SCENARIOS) if (await insertOnce(LabelScenarioModel, { _id: key, ...scenario })) scenarios += 1;
  for (const { key, ...definition } of SEED_DEFINITIONS) {
    const parsed = labelDefinitionInputSchema.parse(definition);
    if (await insertOnce(LabelDefinitionModel, { _id: key, ...parsed })) definitions += 1;
  }
  return { scenarios, definitions };
}
