import { Schema, model, type Types } from 'mongoose';
import { LABEL_KINDS } from '@o2o/shared/schemas/labels';
import type { StoredLabel } from '@o2o/shared/rules/labels';

/*
 * Labels. The catalogue (scenarios, label definitions) is keyed by its key, so each read is an `_id`
 * lookup and an upsert by key is naturally idempotent. A resident's labels are one document keyed by
 * the resident's id, written whole by a refresh or by the nightly recompute (a mirror: rerunning
 * either rewrites the same document). Manual labels of record live in their own collection, keyed
 * `<residentId>:<labelKey>`, so a recompute can never lose one that staff set.
 */

/** A business scenario labels serve, e.g. 沉睡复购召回. */
const scenarioSchema = new Schema(
  {
    _id: { type: String },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    active: { type: Boolean, required: true },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
export const LabelScenarioModel = model('LabelScenario', scenarioSchema, 'label_scenarios');
export interface LabelScenarioRecord {
  _id: string;
  name: string;
  description: string;
  active: boolean;
  updatedAt: Date;
}

/** A label definition: its scenarios, category, kind, rule (with parameters) and allowed values. */
const definitionSchema = new Schema(
  {
    _id: { type: String },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    scenarioKeys: { type: [String], default: [] },
    category: { type: String, required: true },
    subcategory: { type: String, default: '' },
    kind: { type: String, enum: LABEL_KINDS, required: true },
    rule: { type: Schema.Types.Mixed, default: null },
    values: { type: [new Schema({ value: String, name: String }, { _id: false })], default: [] },
    active: { type: Boolean, required: true },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, minimize: false },
);
export const LabelDefinitionModel = model('LabelDefinition', definitionSchema, 'label_definitions');
export interface LabelDefinitionRecord {
  _id: string;
  name: string;
  description: string;
  scenarioKeys: string[];
  category: string;
  subcategory: string;
  kind: (typeof LABEL_KINDS)[number];
  rule: { name: string; params: Record<string, unknown> } | null;
  values: { value: string; name: string }[];
  active: boolean;
  updatedAt: Date;
}

const storedLabelSchema = new Schema(
  {
    key: { type: String, required: true },
    values: { type: [String], default: [] },
    reason: { type: String, required: true },
    setAt: { type: Date, required: true },
    source: { type: String, enum: LABEL_KINDS, required: true },
  },
  { _id: false },
);

/** All labels of one resident, keyed by the resident's id; store, city and community mirrored for scoped streaming. */
const residentLabelsSchema = new Schema({
  _id: { type: Schema.Types.ObjectId },
  storeId: { type: Schema.Types.ObjectId, default: null },
  cityId: { type: Schema.Types.ObjectId, default: null },
  communityId: { type: Schema.Types.ObjectId, default: null },
  labels: { type: [storedLabelSchema], default: [] },
  computedAt: { type: Date, required: true },
});
export const ResidentLabelsModel = model('ResidentLabels', residentLabelsSchema, 'resident_labels');
export interface ResidentLabelsRecord {
  _id: Types.ObjectId;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
  communityId: Types.ObjectId | null;
  labels: StoredLabel[];
  computedAt: Date;
}

/** A manual label staff set on a resident, keyed `<residentId>:<labelKey>`; unsetting deletes it. */
const manualLabelSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  key: { type: String, required: true },
  value: { type: String, required: true },
  reason: { type: String, required: true },
  setAt: { type: Date, required: true },
  setBy: { type: Schema.Types.ObjectId, required: true },
});
// A resident's label refresh reads their manual labels (server/src/db/hot-queries.ts).
manualLabelSchema.index({ residentId: 1 });
export const ManualLabelModel = model('ManualLabel', manualLabelSchema, 'resident_manual_labels');
export interface ManualLabelRecord {
  _id: string;
  residentId: Types.ObjectId;
  key: string;
  value: string;
  reason: string;
  setAt: Date;
  setBy: Types.ObjectId;
}

export const manualLabelId = (residentId: Types.ObjectId | string, key: string) => `${residentId}:${key}`;
