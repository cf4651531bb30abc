import type { AudienceCondition, AudienceLeaf } from '../schemas/audiences';

/** A resident's labels as the matcher sees them: label key to values (absent when the resident has no such label). */
export type LabelValueMap = ReadonlyMap<string, readonly string[]>;

function matchLeaf(leaf: AudienceLeaf, labels: LabelValueMap): boolean {
  const values = labels.get(leaf.label) ?? [];
  switch (leaf.op) {
    case 'eq':
      return values.includes(leaf.value);
    case 'ne':
      return !values.includes(leaf.value);
    case 'in':
      return leaf.values.some((value) => values.includes(value));
    case 'nin':
      return !leaf.values.some((value) => values.includes(value));
    case 'exists':
      return (values.length > 0) === leaf.value;
  }
}

/** Whether a resident with these labels belongs to the audience. */
export function matchesCondition(condition: AudienceCondition, labels: LabelValueMap): boolean {
  if ('all' in condition) return condition.all.every((child) => matchesCondition(child, labels));
  if ('any' in condition) return condition.any.some((child) => matchesCondition(child, labels));
  return matchLeaf(condition, labels);
}

/** Every leaf of a condition with its path inside the tree, e.g. `['all', 1, 'any', 0]`. */
export function conditionLeaves(condition: AudienceCondition, path: (string | number)[] = []): { leaf: AudienceLeaf; path: (string | number)[] }[] {
  if ('all' in condition) return condition.all.flatMap((child, index) => conditionLeaves(child, [...path, 'all', index]));
  if ('any' in condition) return condition.any.flatMap((child, index) => conditionLeaves(child, [...path, 'any', index]));
  return [{ leaf: condition, path }];
}

/** The label keys a condition looks at, each once, in order of appearance. */
export function conditionLabelKeys(condition: AudienceCondition): string[] {
  return [...new Set(conditionLeaves(condition).map(({ leaf }) => leaf.label))];
}
