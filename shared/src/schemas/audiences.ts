import { z } from 'zod';
import { objectIdSchema } from './common';
import { labelKeySchema, labelValueSchema } from './labels';

/*
 * An audience is a saved condition on residents' labels: a tree of `{ all: [...] }` (and) and
 * `{ any: [...] }` (or) groups whose leaves compare one label. A label may hold several values
 * (interest: the top categories), so `eq` means "has this value" and `ne` "does not have it".
 * A resident without the label matches `ne` and `nin`, and not `eq`, `in` or `exists`.
 */

export const AUDIENCE_MAX_DEPTH = 4;
export const AUDIENCE_MAX_LEAVES = 50;

const leafValue = z.object({ label: labelKeySchema, value: labelValueSchema });
const leafValues = z.object({ label: labelKeySchema, values: z.array(labelValueSchema).min(1).max(100) });

export const audienceLeafSchema = z.discriminatedUnion('op', [
  leafValue.extend({ op: z.literal('eq') }).strict(),
  leafValue.extend({ op: z.literal('ne') }).strict(),
  leafValues.extend({ op: z.literal('in') }).strict(),
  leafValues.extend({ op: z.literal('nin') }).strict(),
  /** `value: false` matches residents without the label (or with no value for it). */
  z.object({ label: labelKeySchema, op: z.literal('exists'), value: z.boolean().default(true) }).strict(),
]);
export type AudienceLeaf = z.output<typeof audienceLeafSchema>;

export type AudienceCondition = { all: AudienceCondition[] } | { any: AudienceCondition[] } | AudienceLeaf;

/** A node: a group of at least one condition, or a leaf. The nesting is limited after parsing. */
export const audienceNodeSchema: z.ZodType<AudienceCondition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(audienceNodeSchema).min(1).max(AUDIENCE_MAX_LEAVES) }).strict(),
    z.object({ any: z.array(audienceNodeSchema).min(1).max(AUDIENCE_MAX_LEAVES) }).strict(),
    audienceLeafSchema,
  ]),
) as z.ZodType<AudienceCondition>;

/** Depth (a leaf is 1) and number of leaves of a condition. */
export function conditionSize(condition: AudienceCondition): { depth: number; leaves: number } {
  if ('all' in condition || 'any' in condition) {
    const children = ('all' in condition ? condition.all : condition.any).map(conditionSize);
    return { depth: 1 + Math.max(...children.map((child) => child.depth)), leaves: children.reduce((sum, child) => sum + child.leaves, 0) };
  }
  return { depth: 1, leaves: 1 };
}

/** A whole condition: a well-formed tree, at most `AUDIENCE_MAX_DEPTH` levels and `AUDIENCE_MAX_LEAVES` leaves. */
export const audienceConditionSchema = audienceNodeSchema.superRefine((condition, ctx) => {
  const { depth, leaves } = conditionSize(condition);
  if (depth > AUDIENCE_MAX_DEPTH) ctx.addIssue({ code: 'custom', message: `nested ${depth} levels deep; at most ${AUDIENCE_MAX_DEPTH}` });
  if (leaves > AUDIENCE_MAX_LEAVES) ctx.addIssue({ code: 'custom', message: `${leaves} label comparisons; at most ${AUDIENCE_MAX_LEAVES}` });
});

/**
 * Who an audience can reach. A store manager's audiences are limited to their store; city ops'
 * to their city (or one of its stores); an admin's may be unlimited.
 */
const audienceFields = {
  name: z.string().trim().min(1).max(40),
  description: z.string().trim().max(300).default(''),
  storeId: objectIdSchema.nullable().default(null),
  cityId: objectIdSchema.nullable().default(null),
  conditions: audienceConditionSchema,
};

export const createAudienceSchema = z.object(audienceFields);
export type CreateAudience = z.output<typeof createAudienceSchema>;

export const updateAudienceSchema = z
  .object({
    name: audienceFields.name,
    description: z.string().trim().max(300),
    storeId: objectIdSchema.nullable(),
    cityId: objectIdSchema.nullable(),
    conditions: audienceConditionSchema,
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field');
export type UpdateAudience = z.output<typeof updateAudienceSchema>;

export const previewAudienceSchema = z.object({
  storeId: objectIdSchema.nullable().default(null),
  cityId: objectIdSchema.nullable().default(null),
  conditions: audienceConditionSchema,
});
export type PreviewAudience = z.output<typeof previewAudienceSchema>;

export const audienceSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  description: z.string(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  conditions: z.unknown().describe('The condition tree, as saved'),
  createdBy: objectIdSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Audience = z.infer<typeof audienceSchema>;

export const audienceParamsSchema = z.object({ audienceId: objectIdSchema });

export const audienceCountSchema = z.object({
  count: z.number().int(),
  /** Residents whose labels were looked at (the audience's store or city, or everyone). */
  scanned: z.number().int(),
  computedAt: z.string(),
});
export type AudienceCount = z.infer<typeof audienceCountSchema>;

export const audienceMembersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const audienceMemberSchema = z.object({
  residentId: objectIdSchema,
  nickname: z.string().nullable(),
  storeId: objectIdSchema.nullable(),
  communityId: objectIdSchema.nullable(),
  /** The labels the conditions look at, with the member's values. */
  labels: z.array(z.object({ key: z.string(), values: z.array(z.string()) })),
});

export const audienceMembersSchema = z.object({
  total: z.number().int(),
  items: z.array(audienceMemberSchema),
});
export type AudienceMembers = z.infer<typeof audienceMembersSchema>;

/** Where an audience's members are in community groups: for targeting group broadcasts. */
export const audienceGroupsSchema = z.object({
  members: z.number().int(),
  membersInGroups: z.number().int(),
  groups: z.array(
    z.object({
      groupId: objectIdSchema,
      topic: z.string(),
      storeId: objectIdSchema,
      /** Members of the audience currently in this group. */
      members: z.number().int(),
    }),
  ),
});
export type AudienceGroups = z.infer<typeof audienceGroupsSchema>;
