import { AUDIENCE_MAX_LEAVES, audienceConditionSchema, type AudienceCondition, type AudienceLeaf } from '@o2o/shared/schemas/audiences';

/*
 * The condition editor's draft: a top-level group of conditions and sub-groups (one nesting level,
 * within the schema's depth limit), turned into the shared condition tree the server takes.
 * `is` / `not` with several values become `in` / `nin`; `has` / `lacks` ask whether the resident
 * has the label at all.
 */

export type Join = 'all' | 'any';
export type LeafMode = 'is' | 'not' | 'has' | 'lacks';

export interface LeafDraft {
  id: string;
  label: string;
  mode: LeafMode;
  values: string[];
}

export interface GroupDraft {
  id: string;
  join: Join;
  leaves: LeafDraft[];
}

export type ItemDraft = LeafDraft | GroupDraft;

export interface ConditionDraft {
  join: Join;
  items: ItemDraft[];
}

export const JOIN_TEXT: Record<Join, string> = { all: '全部满足', any: '任一满足' };
export const MODE_TEXT: Record<LeafMode, string> = { is: '是', not: '不是', has: '有此标签', lacks: '没有此标签' };

export function isGroup(item: ItemDraft): item is GroupDraft {
  return 'leaves' in item;
}

export function emptyDraft(): ConditionDraft {
  return { join: 'all', items: [] };
}

/** Every leaf of the draft, complete or not. */
export function draftLeaves(draft: ConditionDraft): LeafDraft[] {
  return draft.items.flatMap((item) => (isGroup(item) ? item.leaves : [item]));
}

/** Whether another condition may be added without passing the schema's leaf limit. */
export function canAddLeaf(draft: ConditionDraft): boolean {
  return draftLeaves(draft).length < AUDIENCE_MAX_LEAVES;
}

/** A leaf waiting for its values (`is` / `not` with none chosen) is left out until it has some. */
export function isComplete(leaf: LeafDraft): boolean {
  return leaf.mode === 'has' || leaf.mode === 'lacks' || leaf.values.length > 0;
}

function leafCondition(leaf: LeafDraft): AudienceLeaf | null {
  if (leaf.mode === 'has' || leaf.mode === 'lacks') return { label: leaf.label, op: 'exists', value: leaf.mode === 'has' };
  const values = [...new Set(leaf.values.map((value) => value.trim()).filter(Boolean))];
  if (values.length === 0) return null;
  if (values.length === 1) return { label: leaf.label, op: leaf.mode === 'is' ? 'eq' : 'ne', value: values[0]! };
  return { label: leaf.label, op: leaf.mode === 'is' ? 'in' : 'nin', values };
}

function joined(join: Join, children: AudienceCondition[]): AudienceCondition | null {
  if (children.length === 0) return null;
  if (children.length === 1) return children[0]!;
  return join === 'all' ? { all: children } : { any: children };
}

/** The condition tree of the draft's complete conditions, or null when there is none yet. */
export function toCondition(draft: ConditionDraft): AudienceCondition | null {
  const children = draft.items.flatMap((item) => {
    const condition = isGroup(item) ? joined(item.join, item.leaves.map(leafCondition).filter((leaf): leaf is AudienceLeaf => leaf !== null)) : leafCondition(item);
    return condition ? [condition] : [];
  });
  return joined(draft.join, children);
}

/** Display names for labels and their values, from the label catalogue (and store names for the store label). */
export interface LabelNames {
  label: (key: string) => string;
  value: (key: string, value: string) => string;
}

function leafText(leaf: AudienceLeaf, names: LabelNames): string {
  const label = names.label(leaf.label);
  switch (leaf.op) {
    case 'eq':
      return `${label}是「${names.value(leaf.label, leaf.value)}」`;
    case 'ne':
      return `${label}不是「${names.value(leaf.label, leaf.value)}」`;
    case 'in':
      return `${label}是「${leaf.values.map((value) => names.value(leaf.label, value)).join('、')}」之一`;
    case 'nin':
      return `${label}不是「${leaf.values.map((value) => names.value(leaf.label, value)).join('、')}」中任何一个`;
    case 'exists':
      return leaf.value ? `有「${label}」标签` : `没有「${label}」标签`;
  }
}

/** A condition tree in one Chinese sentence, e.g. 生命周期是「新注册」，且 社群参与不是「群内活跃」. */
export function describeCondition(condition: AudienceCondition, names: LabelNames, nested = false): string {
  if ('all' in condition || 'any' in condition) {
    const children = 'all' in condition ? condition.all : condition.any;
    const text = children.map((child) => describeCondition(child, names, true)).join('all' in condition ? '，且 ' : '，或 ');
    return nested && children.length > 1 ? `（${text}）` : text;
  }
  return leafText(condition, names);
}

/** A saved audience's stored conditions in words, or a note when they no longer parse. */
export function describeStored(conditions: unknown, names: LabelNames): string {
  const parsed = audienceConditionSchema.safeParse(conditions);
  return parsed.success ? describeCondition(parsed.data, names) : '条件已失效，人数按 0 计';
}
