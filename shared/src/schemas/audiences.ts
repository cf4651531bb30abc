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

/**
 * Depth (a leaf is 1) and number of leaves of any JSON value read as a condition tree, walked with
 * an explicit stack and stopped as soon as either limit is passed: a body nested a thousand levels
 * deep costs a few steps, never a deep recursion.
 */
export function measureCondition(value: unknown, limits = { depth: AUDIENCE_MAX_DEPTH, leaves: AUDIENCE_MAX_LEAVES }): { depth: number; leaves: number; exceeded: boolean } {
  let depth = 0;
  let leaves = 0;
  const stack: { node: unknown; level: number }[] = [{ node: value, level: 1 }];
  while (stack.length > 0) {
    const { node, level } = stack.pop()!;
    depth = Math.max(depth, level);
    if (depth > limits.depth) return { depth, leaves, exceeded: true };
    const children = node && typeof node === 'object' && !Array.isArray(node) ? ((node as { all?: unknown }).all ?? (node as { any?: unknown }).any) : undefined;
    if (Array.isArray(children)) {
      for (const child of children.slice(0, limits.leaves + 1)) stack.push({ node: child, level: level + 1 });
    } else {
      leaves += 1;
      if (leaves > limits.leaves) return { depth, leaves, exceeded: true };
    }
  }
  return { depth, leaves, exceeded: false };
}

/**
 * The tree's levels, built bottom-up without recursion (`z.lazy`): level 1 is a leaf, level n a
 * leaf or a group of level n-1 nodes. Parsing never goes deeper than `AUDIENCE_MAX_DEPTH`, and the
 * OpenAPI document gets a plain schema with no self-reference for contract tools to resolve.
 */
function nodeSchemaOfDepth(depth: number): z.ZodType<AudienceCondition> {
  let node: z.ZodType<AudienceCondition> = audienceLeafSchema;
  for (let level = 2; level <= depth; level += 1) {
    const child = node;
    node = z.union([
      z.object({ all: z.array(child).min(1).max(AUDIENCE_MAX_LEAVES) }).strict(),
      z.object({ any: z.array(child).min(1).max(AUDIENCE_MAX_LEAVES) }).strict(),
      audienceLeafSchema,
    ]) as unknown as z.ZodType<AudienceCondition>;
  }
  return node;
}

/** A node of a tree at most `AUDIENCE_MAX_DEPTH` levels deep. */
export const audienceNodeSchema = nodeSchemaOfDepth(AUDIENCE_MAX_DEPTH);

/** Depth (a leaf is 1) and number of leaves of a parsed condition. */
export function conditionSize(condition: AudienceCondition): { depth: number; leaves: number } {
  const { depth, leaves } = measureCondition(condition, { depth: Number.MAX_SAFE_INTEGER, leaves: Number.MAX_SAFE_INTEGER });
  return { depth, leaves };
}

/**
 * A whole condition: at most `AUDIENCE_MAX_DEPTH` levels and `AUDIENCE_MAX_LEAVES` leaves. The
 * limits are checked on the raw value first, so a too-deep tree is refused with its depth before
 * any parsing.
 */
export const audienceConditionSchema = z.preprocess((value, ctx) => {
  const size = measureCondition(value);
  if (size.depth > AUDIENCE_MAX_DEPTH) ctx.addIssue({ code: 'custom', message: `条件最多嵌套 ${AUDIENCE_MAX_DEPTH} 层，这里至少有 ${size.depth} 层`, input: value });
  else if (size.leaves > AUDIENCE_MAX_LEAVES) ctx.addIssue({ code: 'custom', message: `条件最多 ${AUDIENCE_MAX_LEAVES} 项标签比较，这里超过了`, input: value });
  return value;
}, audienceNodeSchema);

/**
 * Who an audience can reach. A store manager's audiences are limited to their store; city ops'
 * to their city (or one of its stores); an admin's may be unlimited.
 */
const audienceFields = {
  name: z.string().max(40).trim().min(1),
  description: z.string().max(300).trim().default(''),
  storeId: objectIdSchema.nullable().default(null),
  cityId: objectIdSchema.nullable().default(null),
  conditions: audienceConditionSchema,
};

export const createAudienceSchema = z.object(audienceFields);
export type CreateAudience = z.output<typeof createAudienceSchema>;

export const updateAudienceSchema = z
  .object({
    name: audienceFields.name,
    description: z.string().max(300).trim(),
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
