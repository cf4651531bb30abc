import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { MODERATION_RULES, PENALTY_LADDER } from '@o2o/shared/rules/moderation';
import { SETTINGS_LEVELS } from '@o2o/shared/rules/group-settings';
import { BIND_CODE_PURPOSES, BOT_ACCOUNT_STATUSES, BROADCAST_AUDIENCES, BROADCAST_KINDS, DELIVERY_ACK_STATUSES, DELIVERY_KINDS, MODERATION_OUTCOMES } from '@o2o/shared/schemas/groups';

/**
 * Community groups. Everything that must happen once (a greeting, a broadcast to a group, a daily
 * check-in, a bind code's use, a moderation strike) is a unique insert with a deterministic key,
 * because the embedded database does not serialise read-modify-write updates. Fields set with
 * `$set` are mirrors or last-writer-wins settings.
 */

/** A WeChat group bound to a store. `roomId` is the puppet's id of the room. */
const groupSchema = new Schema(
  {
    roomId: { type: String, required: true, unique: true },
    topic: { type: String, default: '' },
    storeId: { type: Schema.Types.ObjectId, required: true, index: true },
    cityId: { type: Schema.Types.ObjectId, required: true },
    boundAt: { type: Date, required: true },
    boundByStaffId: { type: Schema.Types.ObjectId, default: null },
    /** When the first full member list arrived: members present then were there before the bot and get no greeting. */
    baselineAt: { type: Date, default: null },
    /** The bot account whose duties the group is (replies, deliveries); null: any account that is not a standby. */
    accountId: { type: String, default: null, index: true },
  },
  { timestamps: true },
);
export const GroupModel = model('Group', groupSchema, 'groups');
export type GroupRecord = InferSchemaType<typeof groupSchema> & { _id: Types.ObjectId };

/** One level of settings, keyed `brand`, `city:<id>`, `store:<id>` or `group:<id>`; only the keys it overrides. */
const settingsLayerSchema = new Schema(
  {
    _id: { type: String },
    level: { type: String, enum: SETTINGS_LEVELS, required: true },
    scopeId: { type: Schema.Types.ObjectId, default: null },
    values: { type: Schema.Types.Mixed, default: {} },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, minimize: false },
);
export const GroupSettingsModel = model('GroupSettings', settingsLayerSchema, 'group_settings');
export type GroupSettingsRecord = InferSchemaType<typeof settingsLayerSchema> & { _id: string };

/** A member of a group, keyed `<groupId>:<wxid>`. `leftAt` is set while they are out of the group. */
const memberSchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true, index: true },
  wxid: { type: String, required: true },
  name: { type: String, default: '' },
  joinedAt: { type: Date, required: true },
  leftAt: { type: Date, default: null },
  /** Present when the bot first saw the group: no greeting. */
  baseline: { type: Boolean, default: false },
});
export const GroupMemberModel = model('GroupMember', memberSchema, 'group_members');
export type GroupMemberRecord = InferSchemaType<typeof memberSchema> & { _id: string };

/** A join or a leave, keyed so that the same observation twice is one event. Metrics count them. */
const memberEventSchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true },
  wxid: { type: String, required: true },
  kind: { type: String, enum: ['join', 'leave'], required: true },
  day: { type: String, required: true },
  at: { type: Date, required: true },
});
memberEventSchema.index({ groupId: 1, day: 1 });
export const GroupMemberEventModel = model('GroupMemberEvent', memberEventSchema, 'group_member_events');

/** The bot's acks, and `skipped`: the server withdrew a delivery whose condition no longer held when it fell due (a send check, see DeliveryService). */
const SERVER_ACK_STATUSES = [...DELIVERY_ACK_STATUSES, 'skipped'] as const;

/**
 * Something the bot must say in a group exactly once: a greeting keyed `greet:<groupId>:<wxid>`, a
 * broadcast keyed `broadcast:<broadcastId>:<groupId>`. It is done when an ack with its id exists;
 * `ackStatus` mirrors that ack, and `open` is true until it does: the bot's poll filters on `open`
 * because a top-level boolean equality is pushed down to an index on the embedded database, while
 * `ackStatus: null` is not (it read every delivery ever made).
 */
const deliverySchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true },
  roomId: { type: String, required: true },
  kind: { type: String, enum: DELIVERY_KINDS, required: true },
  /** May be empty for an image or card broadcast sent without words. */
  text: { type: String, default: '' },
  /** A broadcast's image or mini-program card (`deliveryAttachmentSchema`). */
  attachment: { type: Schema.Types.Mixed, default: null },
  mentionWxids: { type: [String], default: [] },
  /** Set for a private message (a ticket notice to staff, an answer sent privately). */
  toWxid: { type: String, default: null },
  broadcastId: { type: Schema.Types.ObjectId, default: null, index: true },
  dueAt: { type: Date, required: true },
  createdAt: { type: Date, required: true },
  ackStatus: { type: String, enum: [...SERVER_ACK_STATUSES, null], default: null },
  open: { type: Boolean, default: true },
});
deliverySchema.index({ open: 1, dueAt: 1 });
export const GroupDeliveryModel = model('GroupDelivery', deliverySchema, 'group_deliveries');
export type GroupDeliveryRecord = InferSchemaType<typeof deliverySchema> & { _id: string };

/** The bot's confirmation of a delivery, keyed by the delivery id: the first one stands. */
const deliveryAckSchema = new Schema({
  _id: { type: String },
  status: { type: String, enum: SERVER_ACK_STATUSES, required: true },
  at: { type: Date, required: true },
});
export const GroupDeliveryAckModel = model('GroupDeliveryAck', deliveryAckSchema, 'group_delivery_acks');

/** A message staff scheduled for some groups; expanded into one delivery per group once due. */
const broadcastSchema = new Schema({
  audience: { type: String, enum: BROADCAST_AUDIENCES, required: true },
  groupId: { type: Schema.Types.ObjectId, default: null },
  storeId: { type: Schema.Types.ObjectId, default: null },
  cityId: { type: Schema.Types.ObjectId, default: null },
  audienceId: { type: Schema.Types.ObjectId, default: null },
  minMembers: { type: Number, default: 1 },
  kind: { type: String, enum: BROADCAST_KINDS, default: 'text' },
  /** The message, or the words sent with an image or a card (may be empty then). */
  text: { type: String, default: '' },
  imageUrl: { type: String, default: null },
  card: { type: new Schema({ title: { type: String, required: true }, pagePath: { type: String, required: true } }, { _id: false }), default: null },
  sendAt: { type: Date, required: true },
  createdBy: { type: Schema.Types.ObjectId, default: null },
  createdAt: { type: Date, required: true },
  /** Set once by a cancel before the send time: nothing is expanded and no delivery of it is handed to the bot. */
  cancelledAt: { type: Date, default: null },
  cancelledBy: { type: Schema.Types.ObjectId, default: null },
  /** Mirror: when deliveries were created (expansion is idempotent, so a lost mirror only repeats it). */
  expandedAt: { type: Date, default: null },
});
broadcastSchema.index({ expandedAt: 1, sendAt: 1 });
export const GroupBroadcastModel = model('GroupBroadcast', broadcastSchema, 'group_broadcasts');
export type GroupBroadcastRecord = InferSchemaType<typeof broadcastSchema> & { _id: Types.ObjectId };

const faqSchema = new Schema(
  {
    storeId: { type: Schema.Types.ObjectId, default: null, index: true },
    questions: { type: [String], required: true },
    answer: { type: String, required: true },
    active: { type: Boolean, default: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
export const GroupFaqModel = model('GroupFaq', faqSchema, 'group_faqs');
export type GroupFaqRecord = InferSchemaType<typeof faqSchema> & { _id: Types.ObjectId; createdAt: Date };

/** A one-time code, `_id` its 6 lookup digits and `secret` the 6 after them: binds a room to a store, or a WeChat identity to a resident or staff member. */
const bindCodeSchema = new Schema({
  _id: { type: String },
  secret: { type: String, default: null },
  purpose: { type: String, enum: BIND_CODE_PURPOSES, required: true },
  storeId: { type: Schema.Types.ObjectId, default: null },
  residentId: { type: Schema.Types.ObjectId, default: null },
  staffId: { type: Schema.Types.ObjectId, default: null },
  expiresAt: { type: Date, required: true },
  createdAt: { type: Date, required: true },
});
export const GroupBindCodeModel = model('GroupBindCode', bindCodeSchema, 'group_bind_codes');
export type GroupBindCodeRecord = InferSchemaType<typeof bindCodeSchema> & { _id: string };

/** A code's single use, keyed by the code's id and issue time: of two concurrent uses one wins. */
const bindCodeUseSchema = new Schema({
  _id: { type: String },
  wxid: { type: String, required: true },
  roomId: { type: String, default: null },
  at: { type: Date, required: true },
});
export const GroupBindCodeUseModel = model('GroupBindCodeUse', bindCodeUseSchema, 'group_bind_code_uses');

/** One attempt at a bind code, slot `<key>:<n>` taken by unique insert: per WeChat account per hour, and per code. */
const bindAttemptSchema = new Schema({
  _id: { type: String },
  key: { type: String, required: true, index: true },
  at: { type: Date, required: true },
});
export const GroupBindAttemptModel = model('GroupBindAttempt', bindAttemptSchema, 'group_bind_attempts');

/** A WeChat identity (as the bot sees it) bound to a resident or a staff member. */
const identitySchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, default: null, index: true },
  staffId: { type: Schema.Types.ObjectId, default: null, index: true },
  name: { type: String, default: '' },
  boundAt: { type: Date, required: true },
});
export const GroupIdentityModel = model('GroupIdentity', identitySchema, 'group_identities');
export type GroupIdentityRecord = InferSchemaType<typeof identitySchema> & { _id: string };

/** One activity report from the bot (its outbox event id is the key): per-member message counts for a day. */
const activitySchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  counts: { type: [new Schema({ wxid: String, messages: Number }, { _id: false })], default: [] },
  at: { type: Date, required: true },
});
activitySchema.index({ groupId: 1, day: 1 });
export const GroupActivityModel = model('GroupActivity', activitySchema, 'group_activity');

/**
 * A resident's question the bot answered in a group, keyed `<roomId>:<messageId>` (the resident's
 * message): a redelivered or re-sent report of the same answer is one document. `day` is the China
 * day the question was asked; `faqId` the FAQ entry that answered, null for another answer.
 */
const answerSchema = new Schema({
  _id: { type: String },
  groupId: { type: Schema.Types.ObjectId, required: true },
  roomId: { type: String, required: true },
  messageId: { type: String, required: true },
  faqId: { type: String, default: null },
  day: { type: String, required: true },
  askedAt: { type: Date, required: true },
  at: { type: Date, required: true },
});
answerSchema.index({ groupId: 1, day: 1 });
export const GroupAnswerModel = model('GroupAnswer', answerSchema, 'group_answers');

/**
 * A resident's check-in, keyed `<residentId>:<day>`: once per China-time day, in whichever group or
 * in the mini-program (`groupId` null, `via: 'app'`; see components/checkins).
 */
const checkinSchema = new Schema({
  _id: { type: String },
  residentId: { type: Schema.Types.ObjectId, required: true },
  groupId: { type: Schema.Types.ObjectId, default: null },
  via: { type: String, enum: ['group', 'app'], default: 'group' },
  day: { type: String, required: true },
  pointsEarned: { type: Number, default: 0 },
  at: { type: Date, required: true },
});
checkinSchema.index({ groupId: 1, day: 1 });
// A resident's label refresh reads their check-ins (server/src/db/hot-queries.ts).
checkinSchema.index({ residentId: 1, day: 1 });
export const GroupCheckinModel = model('GroupCheckin', checkinSchema, 'group_checkins');

/**
 * A moderation action with its evidence. `messageKey` (`<roomId>:<messageId>`) makes a re-reported
 * message one case. `strike` is the member's standing strike when it was taken (undone strikes do
 * not count), which picked the step of the store's ladder. A mute's end is handled once:
 * `muteEnd` records whether the member was told (`notified`), a later mute outlasted it
 * (`superseded`) or staff lifted it (`lifted`).
 */
const moderationCaseSchema = new Schema({
  messageKey: { type: String, required: true, unique: true },
  groupId: { type: Schema.Types.ObjectId, default: null, index: true },
  roomId: { type: String, required: true },
  wxid: { type: String, required: true },
  name: { type: String, default: '' },
  rule: { type: String, enum: MODERATION_RULES, required: true },
  detail: { type: String, default: '' },
  evidence: { messageId: String, kind: String, text: String },
  strike: { type: Number, required: true },
  penalty: { type: String, enum: PENALTY_LADDER, required: true },
  muteDays: { type: Number, default: null },
  muteUntil: { type: Date, default: null },
  muteEnd: { type: String, enum: ['notified', 'superseded', 'lifted', null], default: null },
  outcome: { type: String, enum: [...MODERATION_OUTCOMES, null], default: null },
  /** Mirror of the case's undo record (GroupModerationUndoModel holds the truth). */
  undo: { type: new Schema({ byStaffId: String, byName: String, reason: String, at: Date }, { _id: false }), default: null },
  day: { type: String, required: true },
  at: { type: Date, required: true },
});
moderationCaseSchema.index({ groupId: 1, day: 1 });
moderationCaseSchema.index({ roomId: 1, wxid: 1, muteUntil: 1 });
moderationCaseSchema.index({ muteEnd: 1, muteUntil: 1 });
export const GroupModerationCaseModel = model('GroupModerationCase', moderationCaseSchema, 'group_moderation_cases');
export type GroupModerationCaseRecord = InferSchemaType<typeof moderationCaseSchema> & { _id: Types.ObjectId };

/**
 * Strike slot n of a member in a room, keyed `<roomId>:<wxid>:<n>`: concurrent violations take
 * distinct slots. An undone strike keeps its slot (`undoneAt` set) and no longer counts.
 */
const strikeSchema = new Schema({
  _id: { type: String },
  roomId: { type: String, required: true },
  wxid: { type: String, required: true },
  n: { type: Number, required: true },
  caseKey: { type: String, required: true, unique: true },
  at: { type: Date, required: true },
  undoneAt: { type: Date, default: null },
});
strikeSchema.index({ roomId: 1, wxid: 1 });
export const GroupStrikeModel = model('GroupStrike', strikeSchema, 'group_moderation_strikes');

/** Staff undid a case's penalty, keyed by the case id: the first undo stands, a retry changes nothing. */
const moderationUndoSchema = new Schema({
  _id: { type: String },
  byStaffId: { type: String, required: true },
  byName: { type: String, default: '' },
  reason: { type: String, required: true },
  at: { type: Date, required: true },
});
export const GroupModerationUndoModel = model('GroupModerationUndo', moderationUndoSchema, 'group_moderation_undos');

/** A bot account (its WeChat id): the rooms it is in, whether it stands by, its health. */
const botAccountSchema = new Schema({
  _id: { type: String },
  name: { type: String, default: '' },
  standby: { type: Boolean, default: false },
  roomIds: { type: [String], default: [] },
  status: { type: String, enum: BOT_ACCOUNT_STATUSES, default: 'healthy' },
  reason: { type: String, default: '' },
  statusAt: { type: Date, default: null },
  lastSeenAt: { type: Date, default: null },
});
export const BotAccountModel = model('BotAccount', botAccountSchema, 'group_bot_accounts');
export type BotAccountRecord = InferSchemaType<typeof botAccountSchema> & { _id: string };

/** A delivery taken by one account just before it is said, keyed by the delivery: no second account says it. */
const deliveryClaimSchema = new Schema({
  _id: { type: String },
  accountId: { type: String, required: true },
  at: { type: Date, required: true },
});
export const GroupDeliveryClaimModel = model('GroupDeliveryClaim', deliveryClaimSchema, 'group_delivery_claims');

/** Outbox events already applied, keyed by the bot's event id, so a redelivered batch changes nothing. */
const botEventSchema = new Schema({
  _id: { type: String },
  kind: { type: String, required: true },
  status: { type: String, enum: ['applied', 'rejected'], required: true },
  message: { type: String, default: null },
  at: { type: Date, required: true },
});
export const GroupBotEventModel = model('GroupBotEvent', botEventSchema, 'group_bot_events');

/** A note on today's offers a store's staff posted through the bot (e.g. "草莓 19.9 元/盒"). */
const offerSchema = new Schema({
  storeId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  text: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
offerSchema.index({ storeId: 1, day: 1 });
export const GroupOfferModel = model('GroupOffer', offerSchema, 'group_offers');
