import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { CONTENT_STATUSES, POST_KINDS, REPORT_REASONS } from '@o2o/shared/schemas/content';

/*
 * Neighbourhood content. FerretDB 1.x has no transactions and no safe `$inc` under concurrency, so
 * every "once" here is a unique key: a post or comment per author + idempotency key, a like or save
 * per resident + post (`_id`), a share per resident + key, a report per resident + item, a strike
 * slot per resident + number, a visit per resident + page kind + China day. Counts are recounted
 * from those documents, never incremented.
 */

const authorSchema = new Schema(
  {
    residentId: { type: Schema.Types.ObjectId, default: null },
    /** Staff who answered as the store (kept for the record; the feed shows the store). */
    staffId: { type: Schema.Types.ObjectId, default: null },
    name: { type: String, required: true },
    asStore: { type: Boolean, default: false },
  },
  { _id: false },
);

const imageSchema = new Schema(
  { id: { type: String, required: true }, path: { type: String, required: true }, width: { type: Number, required: true }, height: { type: Number, required: true } },
  { _id: false },
);

const shownOrderSchema = new Schema(
  { orderId: { type: String, required: true }, completedAt: { type: Date, required: true }, items: { type: [String], default: [] } },
  { _id: false },
);

const countsSchema = new Schema(
  { likes: { type: Number, default: 0 }, comments: { type: Number, default: 0 }, saves: { type: Number, default: 0 }, shares: { type: Number, default: 0 } },
  { _id: false },
);

const moderationFields = {
  status: { type: String, enum: CONTENT_STATUSES, required: true },
  hiddenBy: { type: String, enum: ['rule', 'staff', null], default: null },
  hiddenReason: { type: String, default: null },
  /** The rule that hid it at posting (for the strike), null otherwise. */
  hiddenRule: { type: String, default: null },
  hiddenAt: { type: Date, default: null },
};

const postSchema = new Schema(
  {
    storeId: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, enum: POST_KINDS, required: true },
    author: { type: authorSchema, required: true },
    text: { type: String, required: true },
    images: { type: [imageSchema], default: [] },
    order: { type: shownOrderSchema, default: null },
    ...moderationFields,
    pinned: { type: Boolean, default: false },
    pinnedAt: { type: Date, default: null },
    /** A mirror of the recounted reactions, for the engaged sort; views recount from the documents. */
    counts: { type: countsSchema, default: () => ({}) },
    engagement: { type: Number, default: 0 },
    /** `<residentId>:<client key>`: a retry answers the same post. */
    idempotencyKey: { type: String, required: true, unique: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
postSchema.index({ storeId: 1, pinned: 1, createdAt: -1 });
postSchema.index({ storeId: 1, pinned: 1, engagement: -1, createdAt: -1 });
postSchema.index({ 'author.residentId': 1, createdAt: -1 });
postSchema.index({ status: 1, storeId: 1 });
postSchema.index({ createdAt: 1 });
export const ContentPostModel = model('ContentPost', postSchema, 'content_posts');
export type ContentPostRecord = InferSchemaType<typeof postSchema> & { _id: Types.ObjectId };

const commentSchema = new Schema(
  {
    postId: { type: Schema.Types.ObjectId, required: true },
    storeId: { type: Schema.Types.ObjectId, required: true },
    author: { type: authorSchema, required: true },
    text: { type: String, required: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    replyToName: { type: String, default: null },
    ...moderationFields,
    /** `<resident or staff id>:<client key>`. */
    idempotencyKey: { type: String, required: true, unique: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
commentSchema.index({ postId: 1, createdAt: 1 });
commentSchema.index({ status: 1, storeId: 1 });
commentSchema.index({ createdAt: 1 });
export const ContentCommentModel = model('ContentComment', commentSchema, 'content_comments');
export type ContentCommentRecord = InferSchemaType<typeof commentSchema> & { _id: Types.ObjectId };

/** A like or a save: `_id` is `<kind>:<postId>:<residentId>`, so there is one per resident and post; undoing deletes it. */
const reactionSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['like', 'save'], required: true },
    postId: { type: Schema.Types.ObjectId, required: true },
    storeId: { type: Schema.Types.ObjectId, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
reactionSchema.index({ postId: 1, kind: 1 });
reactionSchema.index({ createdAt: 1 });
export const ContentReactionModel = model('ContentReaction', reactionSchema, 'content_reactions');
export type ContentReactionRecord = InferSchemaType<typeof reactionSchema>;

/** A share: `_id` is `<residentId>:<client key>`, so a retried share counts once. */
const shareSchema = new Schema(
  {
    _id: { type: String, required: true },
    postId: { type: Schema.Types.ObjectId, required: true },
    storeId: { type: Schema.Types.ObjectId, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
shareSchema.index({ postId: 1 });
shareSchema.index({ createdAt: 1 });
export const ContentShareModel = model('ContentShare', shareSchema, 'content_shares');

/** A report: `_id` is `<itemKind>:<itemId>:<residentId>`, once per resident and item; staff deciding closes it. */
const reportSchema = new Schema(
  {
    _id: { type: String, required: true },
    itemKind: { type: String, enum: ['post', 'comment'], required: true },
    itemId: { type: Schema.Types.ObjectId, required: true },
    postId: { type: Schema.Types.ObjectId, required: true },
    storeId: { type: Schema.Types.ObjectId, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
    reason: { type: String, enum: REPORT_REASONS, required: true },
    note: { type: String, default: null },
    closedAt: { type: Date, default: null },
    closedBy: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
reportSchema.index({ itemKind: 1, itemId: 1, closedAt: 1 });
reportSchema.index({ storeId: 1, closedAt: 1 });
export const ContentReportModel = model('ContentReport', reportSchema, 'content_reports');
export type ContentReportRecord = InferSchemaType<typeof reportSchema>;

/**
 * A resident's content strike: `_id` is `<residentId>:<n>` (the n-th slot, taken by unique insert
 * as the groups take theirs) and `itemKey` is unique, so one violating item is one strike.
 */
const strikeSchema = new Schema(
  {
    _id: { type: String, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
    n: { type: Number, required: true },
    itemKey: { type: String, required: true, unique: true },
    rule: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
strikeSchema.index({ residentId: 1, n: 1 });
export const ContentStrikeModel = model('ContentStrike', strikeSchema, 'content_strikes');
export type ContentStrikeRecord = InferSchemaType<typeof strikeSchema>;

/** A resident opened the feed (`list`) or a post (`detail`) on a China day: `_id` is `<residentId>:<page>:<day>`. */
const visitSchema = new Schema(
  {
    _id: { type: String, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
    storeId: { type: Schema.Types.ObjectId, default: null },
    page: { type: String, enum: ['list', 'detail'], required: true },
    day: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
visitSchema.index({ page: 1, day: 1 });
export const ContentVisitModel = model('ContentVisit', visitSchema, 'content_visits');
