import { Input, Text, View } from '@tarojs/components';
import { useEffect, useMemo, useRef, useState } from 'react';
import { createAudienceSchema } from '@o2o/shared/schemas/audiences';
import { Btn } from '../../../components/button';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { ErrorState, StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { formatDate } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';
import { staffApi, type AudienceCountView, type LabelDefinitionView, type LabelScenarioView, type StaffAudience } from '../../../services/staff-api';
import {
  JOIN_TEXT,
  MODE_TEXT,
  canAddLeaf,
  describeStored,
  emptyDraft,
  isComplete,
  isGroup,
  toCondition,
  type ConditionDraft,
  type GroupDraft,
  type Join,
  type LabelNames,
  type LeafDraft,
  type LeafMode,
} from './condition-draft';
import { labelMeaning } from './label-meaning';
import '../staff.css';

/** How long the editor waits after the last change before counting (a count streams every label document in scope). */
const COUNT_DEBOUNCE_MS = 600;

interface Catalogue {
  scenarios: LabelScenarioView[];
  definitions: LabelDefinitionView[];
  /** Store id to name, for the store label's values. */
  stores: Map<string, string>;
}

async function loadCatalogue(): Promise<Catalogue> {
  const staff = currentSession()?.staff ?? null;
  const [scenarios, definitions, stores] = await Promise.all([staffApi.labelScenarios(), staffApi.labelDefinitions(), api.stores()]);
  const visible = stores.filter((store) => staffRole() === 'admin' || (staffRole() === 'store_manager' ? store.id === staff?.storeId : store.cityId === staff?.cityId));
  return { scenarios, definitions, stores: new Map(visible.map((store) => [store.id, store.name])) };
}

function namesOf(catalogue: Catalogue): LabelNames {
  const byKey = new Map(catalogue.definitions.map((definition) => [definition.key, definition]));
  return {
    label: (key) => byKey.get(key)?.name ?? key,
    value: (key, value) => byKey.get(key)?.values.find((option) => option.value === value)?.name ?? catalogue.stores.get(value) ?? value,
  };
}

/** The values a label can be compared with in the editor: its listed values, the stores in scope, or typed text (interest). */
function optionsOf(definition: LabelDefinitionView, catalogue: Catalogue): { value: string; name: string }[] | 'text' | null {
  if (definition.valueFormat === 'enum') return definition.values;
  if (definition.valueFormat === 'text') return 'text';
  if (definition.rule?.name === 'store') return [...catalogue.stores].map(([value, name]) => ({ value, name }));
  return null;
}

/** Labels the editor offers: active ones whose values can be chosen here (a community id is not something staff type). */
function editableDefinitions(catalogue: Catalogue): LabelDefinitionView[] {
  return catalogue.definitions.filter((definition) => definition.active && optionsOf(definition, catalogue) !== null);
}

function valuesText(definition: LabelDefinitionView): string {
  if (definition.valueFormat === 'enum') return definition.values.map((option) => option.name).join('、');
  if (definition.valueFormat === 'text') return '预测的品类名称，如：蔬菜、水果';
  return definition.rule?.name === 'store' ? '居民归属的门店' : '居民所在的小区';
}

function Scenarios({ catalogue }: { catalogue: Catalogue }) {
  const [open, setOpen] = useState<string | null>(catalogue.scenarios[0]?.key ?? null);
  if (catalogue.scenarios.length === 0) return <Text className='caption'>还没有业务场景</Text>;
  return (
    <View data-testid='scenarios'>
      {catalogue.scenarios.map((scenario) => {
        const labels = catalogue.definitions.filter((definition) => definition.scenarioKeys.includes(scenario.key));
        const expanded = open === scenario.key;
        return (
          <View key={scenario.key} className='bar-row' data-testid='scenario' data-scenario={scenario.key}>
            <View className='row row-88' onClick={() => setOpen(expanded ? null : scenario.key)}>
              <View className='grow'>
                <Text className='text-body weight-500'>{scenario.name}</Text>
                {scenario.active ? null : <Text className='tag tag-grey'>已停用</Text>}
              </View>
              <Text className='muted shrink-0'>{`${labels.length} 个标签 ${expanded ? '收起' : '展开'}`}</Text>
            </View>
            <Text className='caption block'>{scenario.description}</Text>
            {expanded ? (
              <View className='report'>
                {labels.map((label) => (
                  <View key={label.key} className='report-row' data-testid='scenario-label'>
                    <View className='row-start wrap'>
                      <Text className='text-body'>{label.name}</Text>
                      <Text className='tag tag-grey'>{label.subcategory ? `${label.category} · ${label.subcategory}` : label.category}</Text>
                      {label.active ? null : <Text className='tag tag-warn'>已停用</Text>}
                    </View>
                    {label.description || labelMeaning(label) ? <Text className='caption block' data-testid='scenario-label-meaning'>{label.description || labelMeaning(label)}</Text> : null}
                    <Text className='caption block'>{`取值：${valuesText(label)}`}</Text>
                  </View>
                ))}
              </View>
            ) : null}
          </View>
        );
      })}
    </View>
  );
}

let nextId = 0;
const newId = () => `c${(nextId += 1)}`;

function JoinSwitch({ join, onChange, testId }: { join: Join; onChange: (join: Join) => void; testId: string }) {
  return (
    <View className='segmented mb-16'>
      {(['all', 'any'] as const).map((option) => (
        <View key={option} className={`segment ${option === join ? 'segment-on' : ''}`} onClick={() => onChange(option)} data-testid={`${testId}-${option}`}>
          <Text>{JOIN_TEXT[option]}</Text>
        </View>
      ))}
    </View>
  );
}

/** The labels to pick from when adding a condition, by category. */
function LabelChooser({ catalogue, onPick, onCancel }: { catalogue: Catalogue; onPick: (key: string) => void; onCancel: () => void }) {
  const definitions = editableDefinitions(catalogue);
  const categories = [...new Set(definitions.map((definition) => definition.category))];
  return (
    <View className='report' data-testid='label-chooser'>
      <Text className='caption block'>选择一个标签</Text>
      {categories.map((category) => (
        <View key={category}>
          <Text className='caption block mt-8'>{category}</Text>
          <View className='chips mb-0'>
            {definitions
              .filter((definition) => definition.category === category)
              .map((definition) => (
                <View key={definition.key} className='chip' onClick={() => onPick(definition.key)} data-testid={`pick-label-${definition.key}`}>
                  <Text>{definition.name}</Text>
                </View>
              ))}
          </View>
        </View>
      ))}
      <Text className='link' onClick={onCancel}>
        取消
      </Text>
    </View>
  );
}

function LeafEditor({ leaf, catalogue, onChange, onRemove }: { leaf: LeafDraft; catalogue: Catalogue; onChange: (leaf: LeafDraft) => void; onRemove: () => void }) {
  const definition = catalogue.definitions.find((candidate) => candidate.key === leaf.label);
  const options = definition ? optionsOf(definition, catalogue) : null;
  const needsValues = leaf.mode === 'is' || leaf.mode === 'not';
  const toggle = (value: string) => onChange({ ...leaf, values: leaf.values.includes(value) ? leaf.values.filter((candidate) => candidate !== value) : [...leaf.values, value] });
  return (
    <View className='condition' data-testid='condition' data-label={leaf.label}>
      <View className='row'>
        <Text className='text-body weight-500'>{definition?.name ?? leaf.label}</Text>
        <Text className='link-danger' onClick={onRemove} data-testid='condition-remove'>
          删除
        </Text>
      </View>
      <View className='chips mb-0'>
        {(['is', 'not', 'has', 'lacks'] as LeafMode[]).map((mode) => (
          <View key={mode} className={`chip chip-small ${leaf.mode === mode ? 'chip-on' : ''}`} onClick={() => onChange({ ...leaf, mode })} data-testid={`condition-mode-${mode}`}>
            <Text>{MODE_TEXT[mode]}</Text>
          </View>
        ))}
      </View>
      {needsValues && Array.isArray(options) ? (
        <View className='chips mb-0'>
          {options.map((option) => (
            <View key={option.value} className={`chip chip-small ${leaf.values.includes(option.value) ? 'chip-on' : ''}`} onClick={() => toggle(option.value)} data-testid={`condition-value-${option.value}`}>
              <Text>{option.name}</Text>
            </View>
          ))}
        </View>
      ) : null}
      {needsValues && options === 'text' ? (
        <Input
          className='input mb-16'
          placeholder='品类名称，如：蔬菜'
          maxlength={40}
          value={leaf.values[0] ?? ''}
          onInput={(event) => onChange({ ...leaf, values: event.detail.value.trim() ? [event.detail.value] : [] })}
          data-testid='condition-text'
        />
      ) : null}
      {isComplete(leaf) ? null : <Text className='warn block'>请选择至少一个取值，选好前不计入人数</Text>}
    </View>
  );
}

function LiveCount({ state, hasCondition }: { state: { count: AudienceCountView | null; computing: boolean; error: unknown; retry: () => void }; hasCondition: boolean }) {
  if (!hasCondition) return <Text className='muted block' data-testid='audience-count-hint'>添加条件后这里显示符合的人数</Text>;
  if (state.error) return <ErrorState error={state.error} onRetry={state.retry} />;
  return (
    <View className='row' data-testid='audience-live'>
      <View>
        <Text className='big-number' data-testid='audience-count'>{state.count ? String(state.count.count) : '—'}</Text>
        <Text className='muted'> 人</Text>
      </View>
      <Text className='caption' data-testid='audience-count-state'>{state.computing ? '计算中…' : state.count ? `在 ${state.count.scanned} 位有标签的居民中` : ''}</Text>
    </View>
  );
}

/** Counts the draft's condition a moment after the last change; an answer to an older draft is dropped. */
function useLiveCount(condition: ReturnType<typeof toCondition>) {
  const key = condition ? JSON.stringify(condition) : '';
  const [count, setCount] = useState<AudienceCountView | null>(null);
  const [computing, setComputing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (!key) {
      setCount(null);
      setComputing(false);
      setError(null);
      return undefined;
    }
    const ticket = (latest.current += 1);
    setComputing(true);
    setError(null);
    const timer = setTimeout(() => {
      staffApi
        .previewAudience({ conditions: JSON.parse(key) })
        .then((result) => {
          if (latest.current === ticket) setCount(result);
        })
        .catch((caught: unknown) => {
          if (latest.current === ticket) setError(caught);
        })
        .finally(() => {
          if (latest.current === ticket) setComputing(false);
        });
    }, COUNT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key, attempt]);
  return { count, computing, error, retry: () => setAttempt((value) => value + 1) };
}

function Editor({ catalogue, onSaved }: { catalogue: Catalogue; onSaved: () => void }) {
  const [draft, setDraft] = useState<ConditionDraft>(emptyDraft);
  const [choosingFor, setChoosingFor] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const condition = useMemo(() => toCondition(draft), [draft]);
  const live = useLiveCount(condition);

  const addLeaf = (groupId: string, label: string) => {
    const leaf: LeafDraft = { id: newId(), label, mode: 'is', values: [] };
    setDraft((current) => ({
      ...current,
      items: groupId === 'root' ? [...current.items, leaf] : current.items.map((item) => (isGroup(item) && item.id === groupId ? { ...item, leaves: [...item.leaves, leaf] } : item)),
    }));
    setChoosingFor(null);
  };
  const updateLeaf = (next: LeafDraft) =>
    setDraft((current) => ({
      ...current,
      items: current.items.map((item) => (isGroup(item) ? { ...item, leaves: item.leaves.map((leaf) => (leaf.id === next.id ? next : leaf)) } : item.id === next.id ? next : item)),
    }));
  const removeLeaf = (id: string) =>
    setDraft((current) => ({
      ...current,
      items: current.items
        .map((item) => (isGroup(item) ? { ...item, leaves: item.leaves.filter((leaf) => leaf.id !== id) } : item))
        .filter((item) => (isGroup(item) ? item.leaves.length > 0 : item.id !== id)),
    }));
  const updateGroup = (next: GroupDraft) => setDraft((current) => ({ ...current, items: current.items.map((item) => (item.id === next.id ? next : item)) }));
  const addGroup = () => {
    setDraft((current) => ({ ...current, items: [...current.items, { id: newId(), join: 'any', leaves: [] }] }));
  };

  const save = async () => {
    if (!condition) return;
    const checked = createAudienceSchema.safeParse({ name, conditions: condition });
    if (!checked.success) {
      toast(name.trim() ? '条件有误，请检查后再保存' : '请给人群起个名字');
      return;
    }
    setSaving(true);
    try {
      await staffApi.createAudience({ name, conditions: condition });
      toast('人群已保存', 'success');
      setName('');
      setDraft(emptyDraft());
      onSaved();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  const chooser = (target: string) =>
    choosingFor === target ? (
      <LabelChooser catalogue={catalogue} onPick={(key) => addLeaf(target, key)} onCancel={() => setChoosingFor(null)} />
    ) : canAddLeaf(draft) ? (
      <Text className='link' onClick={() => setChoosingFor(target)} data-testid={target === 'root' ? 'add-condition' : 'group-add-condition'}>
        ＋ 添加条件
      </Text>
    ) : (
      <Text className='caption block'>条件已达上限</Text>
    );

  return (
    <View className='card' data-testid='audience-editor'>
      <Text className='card-title'>圈选人群</Text>
      <Text className='caption block mb-16'>按居民标签圈人，人数随条件实时计算</Text>
      {draft.items.length > 1 ? <JoinSwitch join={draft.join} onChange={(join) => setDraft((current) => ({ ...current, join }))} testId='audience-join' /> : null}
      {draft.items.map((item) =>
        isGroup(item) ? (
          <View key={item.id} className='condition-group' data-testid='condition-group'>
            <View className='row'>
              <Text className='muted'>条件组</Text>
              <Text className='link-danger' onClick={() => setDraft((current) => ({ ...current, items: current.items.filter((candidate) => candidate.id !== item.id) }))} data-testid='group-remove'>
                删除组
              </Text>
            </View>
            {item.leaves.length > 1 ? <JoinSwitch join={item.join} onChange={(join) => updateGroup({ ...item, join })} testId='group-join' /> : null}
            {item.leaves.map((leaf) => (
              <LeafEditor key={leaf.id} leaf={leaf} catalogue={catalogue} onChange={updateLeaf} onRemove={() => removeLeaf(leaf.id)} />
            ))}
            {chooser(item.id)}
          </View>
        ) : (
          <LeafEditor key={item.id} leaf={item} catalogue={catalogue} onChange={updateLeaf} onRemove={() => removeLeaf(item.id)} />
        ),
      )}
      <View className='row-start wrap'>
        {chooser('root')}
        {choosingFor === null && canAddLeaf(draft) ? (
          <Text className='link' onClick={addGroup} data-testid='add-group'>
            ＋ 添加条件组
          </Text>
        ) : null}
      </View>
      <View className='divider' />
      <LiveCount state={live} hasCondition={condition !== null} />
      <View className='mt-24'>
        <Input className='input mb-16' placeholder='人群名称，如：新注册未入群' maxlength={40} value={name} onInput={(event) => setName(event.detail.value)} data-testid='audience-name' />
        <Btn block disabled={saving || !condition || !name.trim()} testId='audience-save' onClick={() => void save()}>
          {saving ? '保存中…' : '保存人群'}
        </Btn>
      </View>
    </View>
  );
}

function SavedCount({ audienceId }: { audienceId: string }) {
  const count = useRequest(() => staffApi.audienceCount(audienceId), [audienceId]);
  if (count.error) return <Text className='danger' onClick={() => void count.reload()}>{`${errorText(count.error)}，点此重试`}</Text>;
  return <Text className='bar-value' data-testid='saved-audience-count'>{count.data ? `${count.data.count} 人` : '计算中…'}</Text>;
}

function SavedAudiences({ catalogue, audiences }: { catalogue: Catalogue; audiences: StaffAudience[] }) {
  const names = namesOf(catalogue);
  return (
    <View>
      {audiences.map((audience) => (
        <View key={audience.id} className='bar-row' data-testid='saved-audience' data-audience={audience.id}>
          <View className='row'>
            <Text className='bar-label'>{audience.name}</Text>
            <SavedCount audienceId={audience.id} />
          </View>
          <Text className='caption block'>{describeStored(audience.conditions, names)}</Text>
          <Text className='caption block'>{`${formatDate(audience.createdAt)}创建${audience.storeId ? ` · ${catalogue.stores.get(audience.storeId) ?? '一家门店'}` : audience.cityId ? ' · 本城市' : ' · 全部城市'}`}</Text>
        </View>
      ))}
    </View>
  );
}

function AudiencesBody() {
  const catalogue = useRequest(loadCatalogue);
  const audiences = useRequest(() => staffApi.audiences());
  return (
    <StateView loading={catalogue.loading} error={catalogue.error} data={catalogue.data} onRetry={() => void catalogue.reload()} skeletonRows={4}>
      {(data) => (
        <>
          <View className='card'>
            <Text className='card-title'>场景与标签</Text>
            <Text className='caption block mb-16'>每个标签服务于一个业务场景，点开场景查看它用到的标签</Text>
            <Scenarios catalogue={data} />
          </View>
          <Editor catalogue={data} onSaved={() => void audiences.reload()} />
          <View className='card'>
            <Text className='card-title'>已保存的人群</Text>
            <StateView loading={audiences.loading} error={audiences.error} data={audiences.data} onRetry={() => void audiences.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有保存的人群'>
              {(list) => <SavedAudiences catalogue={data} audiences={list} />}
            </StateView>
          </View>
        </>
      )}
    </StateView>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Audiences() {
  return (
    <StaffPage page='audiences'>
      <AudiencesBody />
    </StaffPage>
  );
}
