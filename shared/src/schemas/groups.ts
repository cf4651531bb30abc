import { z } from 'zod';
import { DEFAULT_MODERATION_LADDER, MODERATION_RULES, MODERATION_STRICTNESS, PENALTY_LADDER } from '../rules/moderation';
import { SETTINGS_LEVELS } from '../rules/group-settings';
import { objectIdSchema } from './common';
import { deliverySchema as storeDeliverySchema, openingWindowSchema } from './organisation';

/**
 * Community groups: a store's WeChat groups run by the bot. Everything the bot exchanges with the
 * server (and staff with the server about groups) is declared here once.
 */

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 时:分，例如 08:30');
/** A WeChat id as the bot's puppet reports it (contact or room). */
export const wechatIdSchema = z.string().min(1).max(120).regex(/^[^\s]+$/, 'no spaces');
/** An id the bot makes for an outbox event or a message. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9:_.@-]{6,160}$/, '6-160 characters of letters, digits and :_.@-');
const dayKeySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 年-月-日，例如 2026-12-01');
const instantSchema = z.iso.datetime({ offset: true });
const displayName = z.string().max(80).transform((value) => value.slice(0, 80));

export const settingsLevelSchema = z.enum(SETTINGS_LEVELS);
export const moderationStrictnessSchema = z.enum(MODERATION_STRICTNESS);
export const moderationRuleSchema = z.enum(MODERATION_RULES);
export const penaltySchema = z.enum(PENALTY_LADDER);

export const REPLY_STYLES = ['brief', 'friendly'] as const;

/** Every group setting; inherited brand -> city -> store -> group. */
export const groupSettingsSchema = z.object({
  /** `friendly` adds a greeting word and an emoji; `brief` answers only. */
  replyStyle: z.enum(REPLY_STYLES),
  moderationStrictness: moderationStrictnessSchema,
  checkinEnabled: z.boolean(),
  greetingEnabled: z.boolean(),
  /** Answer questions nobody @-mentioned the bot for. */
  proactiveAnswers: z.boolean(),
  /** No unprompted messages (broadcasts wait, greetings wait) in these China-time hours; null for none. */
  quietHours: z.object({ start: timeOfDay, end: timeOfDay }).nullable(),
  /** Replies per group per minute; more questions in that minute get no answer. */
  replyLimitPerMinute: z.number().int().min(1).max(60),
  /** Staff paused the bot here: it only listens for staff commands. */
  paused: z.boolean(),
  /** The group rules quoted in greetings and warnings. */
  groupRules: z.string().max(500),
  /** How residents open the store's mini-program (a path or a short link), quoted in greetings. */
  miniProgramEntry: z.string().max(200),
  /** Hosts the store links to itself; links to them are never moderated. */
  allowedLinkHosts: z.array(z.string().max(100)).max(20),
  /** The penalty ladder: this many warnings, then mutes of these many days each, then removal. */
  moderationLadder: z.object({
    warnings: z.number().int().min(0).max(5),
    muteDays: z.array(z.number().int().min(1).max(365)).max(6),
  }),
});
export type GroupSettings = z.infer<typeof groupSettingsSchema>;
export const groupSettingsPatchSchema = groupSettingsSchema.partial();
export type GroupSettingsPatch = z.infer<typeof groupSettingsPatchSchema>;

export const DEFAULT_GROUP_SETTINGS: GroupSettings = {
  replyStyle: 'friendly',
  moderationStrictness: 'standard',
  checkinEnabled: true,
  greetingEnabled: true,
  proactiveAnswers: true,
  quietHours: { start: '22:30', end: '07:30' },
  replyLimitPerMinute: 6,
  paused: false,
  groupRules: '本群是门店邻里服务群：欢迎提问、分享，请勿发广告、外部链接和二维码，不刷屏。',
  miniProgramEntry: '微信搜索小程序“邻里鲜生”',
  allowedLinkHosts: [],
  moderationLadder: DEFAULT_MODERATION_LADDER,
};

export const settingsScopeParamsSchema = z.object({
  level: settingsLevelSchema,
  /** The city, store or group id; `-` for brand. */
  scopeId: z.union([objectIdSchema, z.literal('-')]),
});

export const settingsLayerSchema = z.object({
  level: settingsLevelSchema,
  scopeId: z.string().nullable(),
  values: groupSettingsPatchSchema,
  updatedAt: z.string().nullable(),
});

export const settingsViewSchema = z.object({
  layer: settingsLayerSchema,
  /** For a group: the settings in force after inheritance; otherwise null. */
  effective: groupSettingsSchema.nullable(),
});

export const groupSchema = z.object({
  id: objectIdSchema,
  roomId: z.string(),
  topic: z.string(),
  storeId: objectIdSchema,
  cityId: objectIdSchema,
  boundAt: z.string(),
  memberCount: z.number().int(),
});
export type Group = z.infer<typeof groupSchema>;

export const groupListQuerySchema = z.object({ storeId: objectIdSchema.optional() });

/* ---------------------------------------------------------------- codes */

/** 12 digits: 6 that find the code and 6 that prove it (the bot accepts them with spaces between). */
export const bindCodeSchema = z.string().regex(/^\d{12}$/, '绑定码是 12 位数字');
export const BIND_CODE_PURPOSES = ['group', 'identity'] as const;

export const createGroupBindCodeSchema = z.object({ storeId: objectIdSchema });
export const bindCodeIssuedSchema = z.object({
  code: bindCodeSchema,
  purpose: z.enum(BIND_CODE_PURPOSES),
  expiresAt: z.string(),
  /** What to say to the bot, e.g. `绑定 123456789012`. */
  instruction: z.string(),
});
export type BindCodeIssued = z.infer<typeof bindCodeIssuedSchema>;

/** The bot heard `绑定 <code>`: a group code binds the room to a store, an identity code binds the speaker. */
export const botBindRequestSchema = z.object({
  code: bindCodeSchema,
  wxid: wechatIdSchema,
  name: displayName,
  roomId: wechatIdSchema.nullable(),
  topic: z.string().max(100).nullable(),
});
export const botBindResultSchema = z.object({
  kind: z.enum(['group', 'resident', 'staff']),
  /** A Chinese sentence for the bot to say. */
  message: z.string(),
  groupId: objectIdSchema.nullable(),
});
export type BotBindResult = z.infer<typeof botBindResultSchema>;

/* ---------------------------------------------------------------- context for the bot */

export const faqEntrySchema = z.object({
  id: objectIdSchema,
  storeId: objectIdSchema.nullable(),
  questions: z.array(z.string().min(1).max(100)).min(1).max(20),
  answer: z.string().min(1).max(1000),
  active: z.boolean(),
  createdAt: z.string(),
});
export type FaqEntry = z.infer<typeof faqEntrySchema>;
export const faqInputSchema = z.object({
  /** null: every store (admins and city ops only). */
  storeId: objectIdSchema.nullable(),
  questions: z.array(z.string().max(100).trim().min(1)).min(1).max(20),
  answer: z.string().max(1000).trim().min(1),
});
export const faqListQuerySchema = z.object({ storeId: objectIdSchema.optional() });

export const botStoreSchema = z.object({
  id: objectIdSchema,
  name: z.string(),
  address: z.string(),
  contactPhone: z.string(),
  openingHours: z.array(openingWindowSchema),
  hoursText: z.string(),
  delivery: storeDeliverySchema,
});

export const botGroupContextSchema = z.object({
  roomId: z.string(),
  bound: z.boolean(),
  group: z.object({ id: objectIdSchema, topic: z.string() }).nullable(),
  store: botStoreSchema.nullable(),
  settings: groupSettingsSchema,
  /** The store's and brand's entries, then the default entries none of them replaces (ids `default:<key>`). */
  faqs: z.array(z.object({ id: z.string(), questions: z.array(z.string()), answer: z.string() })),
  /** WeChat ids of staff bound to this store (exempt from moderation, may give commands). */
  staffWxids: z.array(z.string()),
  earnWays: z.array(z.object({ title: z.string(), rewardPoints: z.number().int(), nextStep: z.string() })),
  spendWays: z.array(z.object({ name: z.string(), pointsCost: z.number().int() })),
  offers: z.object({
    notes: z.array(z.string()),
    products: z.array(z.object({ name: z.string(), priceCents: z.number().int() })),
  }),
  /** The bot account whose duties this group is (null: whichever bot is not a standby). */
  accountId: z.string().nullable().optional(),
  /** Members muted now (the puppet cannot mute: what they say before `until` is a strike). */
  mutes: z.array(z.object({ wxid: z.string(), until: z.string() })).optional(),
});
export type BotGroupContext = z.infer<typeof botGroupContextSchema>;

export const productSearchQuerySchema = z.object({ q: z.string().max(30).trim().min(1) });
export const productSearchResultSchema = z.object({
  /** False when the store has no catalogue yet: the bot then points to staff instead of saying no. */
  catalogueAvailable: z.boolean(),
  products: z.array(
    z.object({
      id: z.string().default(''),
      name: z.string(),
      priceCents: z.number().int(),
      category: z.string(),
      /** From the catalogue's stock count when it has one; null when the catalogue does not say. */
      inStock: z.boolean().nullable().default(null),
      /** The mini-program page that shows it. */
      path: z.string().default(''),
    }),
  ),
});
export type ProductSearchResult = z.infer<typeof productSearchResultSchema>;

/** A bound WeChat identity's own data, for a private reply. */
export const identitySummarySchema = z.object({
  bound: z.boolean(),
  kind: z.enum(['resident', 'staff']).nullable(),
  points: z.object({ available: z.number().int(), pending: z.number().int(), expiringSoonTotal: z.number().int() }).nullable(),
  latestOrder: z
    .object({ id: z.string(), state: z.string(), placedAt: z.string(), totalCents: z.number().int(), storeName: z.string().nullable() })
    .nullable(),
  /** False when orders are not recorded yet (the bot says so instead of "no orders"). */
  ordersAvailable: z.boolean(),
});
export type IdentitySummary = z.infer<typeof identitySummarySchema>;

/* ---------------------------------------------------------------- members, greetings, deliveries */

const memberSchema = z.object({ wxid: wechatIdSchema, name: displayName });

/**
 * What the bot saw of a room's members: a full list from periodic reconciliation (`complete`), or
 * joins and leaves from WeChat events. New members get one greeting each, ever.
 */
export const memberSyncSchema = z.object({
  roomId: wechatIdSchema,
  topic: z.string().max(100).nullable(),
  members: z.array(memberSchema).max(3000).default([]),
  complete: z.boolean(),
  joined: z.array(memberSchema).max(500).default([]),
  left: z.array(wechatIdSchema).max(500).default([]),
  observedAt: instantSchema,
});
export type MemberSync = z.input<typeof memberSyncSchema>;
export const memberSyncResultSchema = z.object({
  bound: z.boolean(),
  joined: z.number().int(),
  left: z.number().int(),
  greetingsQueued: z.number().int(),
});
export type MemberSyncResult = z.infer<typeof memberSyncResultSchema>;

/** Ticket notices and staff alerts go to staff privately; ticket answers go to the resident in the group or privately; `moderation_notice`: a mute's end or undo; `sop`: a content plan's message (components/sop). */
export const DELIVERY_KINDS = ['greeting', 'broadcast', 'ticket_notice', 'ticket_answer', 'staff_alert', 'moderation_notice', 'sop'] as const;
export const groupDeliverySchema = z.object({
  id: z.string(),
  roomId: z.string(),
  groupId: objectIdSchema,
  kind: z.enum(DELIVERY_KINDS),
  text: z.string(),
  mentionWxids: z.array(z.string()),
  /** A private message to this WeChat id instead of a message in the room. */
  toWxid: z.string().nullable().default(null),
  /** An image or a mini-program card the bot sends after the text (a broadcast's); null for text only. */
  attachment: z.lazy(() => deliveryAttachmentSchema).nullable().default(null),
  dueAt: z.string(),
});
export type GroupDelivery = z.infer<typeof groupDeliverySchema>;
export const deliveryListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The asking bot account: only deliveries of groups assigned to it (and, unless it is a standby, of groups assigned to none). */
  accountId: wechatIdSchema.optional(),
});
/** A bot account takes a delivery just before saying it; another account never says a taken one. */
export const deliveryClaimSchema = z.object({ accountId: wechatIdSchema });
export const deliveryClaimResultSchema = z.object({ claimed: z.boolean() });

/* ---------------------------------------------------------------- bot accounts */

export const BOT_ACCOUNT_STATUSES = ['healthy', 'logged_out', 'restricted'] as const;
export type BotAccountStatus = (typeof BOT_ACCOUNT_STATUSES)[number];
/** A bot account says it is up, which rooms it is in, and whether it only stands by. */
export const botAccountHeartbeatSchema = z.object({
  accountId: wechatIdSchema,
  name: displayName,
  standby: z.boolean(),
  roomIds: z.array(wechatIdSchema).max(5000),
  at: instantSchema,
});
export const botAccountHeartbeatResultSchema = z.object({
  /** Bound rooms whose duties are this account's now. */
  assignedRoomIds: z.array(z.string()),
});
export const botAccountSchema = z.object({
  accountId: z.string(),
  name: z.string(),
  standby: z.boolean(),
  status: z.enum(BOT_ACCOUNT_STATUSES),
  reason: z.string(),
  statusAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  groups: z.number().int(),
});
export type BotAccount = z.infer<typeof botAccountSchema>;

export const DELIVERY_ACK_STATUSES = ['sent', 'failed', 'uncertain'] as const;

/* ---------------------------------------------------------------- broadcasts */

/** A text, an image (with an optional caption) or a mini-program card (with an optional text before it). */
export const BROADCAST_KINDS = ['text', 'image', 'card'] as const;
/** A page of this mini-program, e.g. `pages/offers/index?id=1`: what a card opens. */
export const miniProgramPagePathSchema = z
  .string()
  .trim()
  .transform((value) => value.replace(/^\//, ''))
  .pipe(z.string().regex(/^(pages|packages)\/[A-Za-z0-9_/-]+(\?[A-Za-z0-9_=&%.-]*)?$/, '小程序页面路径，例如 pages/offers/index'));
export const miniProgramCardSchema = z.object({
  title: z.string().trim().min(1, '请填写卡片标题').max(40, '卡片标题最多 40 字'),
  pagePath: miniProgramPagePathSchema,
});
/** An http(s) address, or the path of an image staff uploaded (`POST /media/images`). */
const imageUrlSchema = z.string().trim().max(1000).regex(/^(https?:\/\/[^\s]+|\/media\/images\/[a-f0-9]{64})$/, '图片地址需以 http:// 或 https:// 开头');
export const deliveryAttachmentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('image'), url: imageUrlSchema }),
  z.object({ type: z.literal('mini_program'), title: z.string(), pagePath: z.string() }),
]);
export type DeliveryAttachment = z.infer<typeof deliveryAttachmentSchema>;

/** `audience`: the groups where a saved audience (label conditions) has at least `minMembers` members, decided when it is sent. */
export const BROADCAST_AUDIENCES = ['group', 'store', 'city', 'brand', 'audience'] as const;
export const broadcastInputSchema = z
  .object({
    audience: z.enum(BROADCAST_AUDIENCES),
    groupId: objectIdSchema.optional(),
    storeId: objectIdSchema.optional(),
    cityId: objectIdSchema.optional(),
    audienceId: objectIdSchema.optional(),
    /** With `audience`: only groups with at least this many of its members. */
    minMembers: z.number().int().min(1).max(500).default(1),
    kind: z.enum(BROADCAST_KINDS).default('text'),
    /** The message (kind `text`), or the words sent with the image or card (may be empty then). */
    text: z.string().max(1500, '消息最多 1500 字').trim().default(''),
    /** Kind `image`: an http(s) address or an uploaded image's path. */
    imageUrl: imageUrlSchema.optional(),
    /** Kind `card`: the mini-program page it opens and its title. */
    card: miniProgramCardSchema.optional(),
    /** When to send; now when omitted. */
    sendAt: instantSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const needs = { group: 'groupId', store: 'storeId', city: 'cityId', brand: null, audience: 'audienceId' } as const;
    const field = needs[input.audience];
    if (field && !input[field]) ctx.addIssue({ code: 'custom', path: [field], message: `required for audience ${input.audience}` });
    if (input.kind === 'text' && !input.text) ctx.addIssue({ code: 'custom', path: ['text'], message: '请填写消息内容' });
    if (input.kind === 'image' && !input.imageUrl) ctx.addIssue({ code: 'custom', path: ['imageUrl'], message: '请上传图片或填写图片地址' });
    if (input.kind === 'card' && !input.card) ctx.addIssue({ code: 'custom', path: ['card'], message: '请填写小程序卡片的标题和页面' });
  });
/** `scheduled` until due; `sending` while some group has not confirmed it; `sent` when all have; `cancelled` never goes out. */
export const BROADCAST_STATUSES = ['scheduled', 'sending', 'sent', 'cancelled'] as const;
export const broadcastSchema = z.object({
  id: objectIdSchema,
  audience: z.enum(BROADCAST_AUDIENCES),
  groupId: objectIdSchema.nullable(),
  storeId: objectIdSchema.nullable(),
  cityId: objectIdSchema.nullable(),
  audienceId: objectIdSchema.nullable(),
  minMembers: z.number().int(),
  kind: z.enum(BROADCAST_KINDS),
  text: z.string(),
  imageUrl: z.string().nullable(),
  card: miniProgramCardSchema.nullable(),
  sendAt: z.string(),
  createdAt: z.string(),
  cancelledAt: z.string().nullable(),
  status: z.enum(BROADCAST_STATUSES),
  /** Groups it was queued for, and how many of them confirmed it sent. */
  deliveries: z.number().int(),
  sent: z.number().int(),
});
export type Broadcast = z.infer<typeof broadcastSchema>;
/** Per target group: `pending` queued and not yet confirmed; the bot's ack otherwise; `cancelled` never sent. */
export const broadcastReportSchema = z.object({
  broadcast: broadcastSchema,
  groups: z.array(z.object({ groupId: objectIdSchema, topic: z.string(), status: z.enum(['pending', 'sent', 'failed', 'uncertain', 'cancelled']) })),
});
export type BroadcastReport = z.infer<typeof broadcastReportSchema>;

/* ---------------------------------------------------------------- check-in */

export const checkinRequestSchema = z.object({
  roomId: wechatIdSchema,
  wxid: wechatIdSchema,
  name: displayName,
  /** When the member said 签到; decides the China-time day (a check-in delivered late from the outbox keeps its day). */
  at: instantSchema,
});
export const CHECKIN_STATUSES = ['checked_in', 'already_checked_in', 'not_bound', 'disabled', 'group_not_bound'] as const;
export const checkinResultSchema = z.object({
  status: z.enum(CHECKIN_STATUSES),
  day: z.string(),
  pointsEarned: z.number().int(),
  available: z.number().int().nullable(),
});
export type CheckinResult = z.infer<typeof checkinResultSchema>;

/* ---------------------------------------------------------------- moderation */

export const moderationReportSchema = z.object({
  roomId: wechatIdSchema,
  wxid: wechatIdSchema,
  name: displayName,
  rule: moderationRuleSchema,
  detail: z.string().max(300),
  /** The message that broke the rule: its id, kind and text (the evidence, kept). */
  evidence: z.object({ messageId: z.string().min(1).max(160), kind: z.string().max(20), text: z.string().max(2000) }),
  at: instantSchema,
});
export type ModerationReport = z.input<typeof moderationReportSchema>;
export const moderationDecisionSchema = z.object({
  /** Null when nothing was recorded: a message reported as said during a mute that no longer stands (it ended or was undone). */
  caseId: objectIdSchema.nullable(),
  /** The member's standing strike in this group, counting this one (undone strikes do not count). */
  strike: z.number().int(),
  penalty: penaltySchema.nullable(),
  /** For a mute: its length and when it ends. */
  muteDays: z.number().int().nullable(),
  muteUntil: z.string().nullable(),
  duplicate: z.boolean(),
});
export type ModerationDecision = z.infer<typeof moderationDecisionSchema>;
export const MODERATION_OUTCOMES = ['warned', 'muted', 'removed', 'asked_staff', 'failed'] as const;
export const moderationUndoSchema = z.object({
  byStaffId: z.string(),
  byName: z.string(),
  reason: z.string(),
  at: z.string(),
});
export const moderationCaseSchema = z.object({
  id: objectIdSchema,
  groupId: objectIdSchema.nullable(),
  roomId: z.string(),
  wxid: z.string(),
  name: z.string(),
  rule: moderationRuleSchema,
  detail: z.string(),
  evidence: z.object({ messageId: z.string(), kind: z.string(), text: z.string() }),
  strike: z.number().int(),
  penalty: penaltySchema,
  muteDays: z.number().int().nullable(),
  muteUntil: z.string().nullable(),
  outcome: z.enum(MODERATION_OUTCOMES).nullable(),
  at: z.string(),
  /** Set once staff undid the penalty: who, why, when. */
  undo: moderationUndoSchema.nullable(),
});
export type ModerationCase = z.infer<typeof moderationCaseSchema>;
/** Staff undo a wrong penalty; the reason is kept in the log. */
export const moderationUndoInputSchema = z.object({ reason: z.string().trim().min(2, '请写明撤销原因（至少 2 个字）').max(200) });
export const moderationUndoResultSchema = z.object({
  case: moderationCaseSchema,
  /** What staff should do next, in Chinese (a removal cannot be undone by the bot: re-invite the member). */
  message: z.string(),
  /** False when this case had been undone already (a retry changes nothing). */
  changed: z.boolean(),
});
export type ModerationUndoResult = z.infer<typeof moderationUndoResultSchema>;
export const moderationListQuerySchema = z.object({
  groupId: objectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/* ---------------------------------------------------------------- outbox events */

const eventBase = { id: clientIdSchema, at: instantSchema };
export const botEventSchema = z.discriminatedUnion('kind', [
  /** Messages per member in a room on a China-time day, counted since the previous report. */
  z.object({
    ...eventBase,
    kind: z.literal('activity'),
    roomId: wechatIdSchema,
    day: dayKeySchema,
    counts: z.array(z.object({ wxid: wechatIdSchema, messages: z.number().int().min(1).max(100_000) })).max(3000),
  }),
  z.object({ ...eventBase, kind: z.literal('delivery_ack'), deliveryId: z.string().min(1).max(200), status: z.enum(DELIVERY_ACK_STATUSES) }),
  z.object({ ...eventBase, kind: z.literal('moderation_outcome'), caseId: objectIdSchema, outcome: z.enum(MODERATION_OUTCOMES), note: z.string().max(300) }),
  z.object({ ...eventBase, kind: z.literal('moderation_case'), report: moderationReportSchema, outcome: z.enum(MODERATION_OUTCOMES) }),
  z.object({ ...eventBase, kind: z.literal('member_sync'), sync: memberSyncSchema }),
  z.object({ ...eventBase, kind: z.literal('checkin'), checkin: checkinRequestSchema }),
  /**
   * The bot answered a resident's question in a group (an FAQ entry or another helpful answer), once
   * the answer was sent. `messageId` is the resident's message: the server counts each message once.
   */
  z.object({
    ...eventBase,
    kind: z.literal('question_answered'),
    roomId: wechatIdSchema,
    messageId: z.string().min(1).max(160),
    /** The FAQ entry that answered; null for another answer (hours, delivery, points...). */
    faqId: z.string().min(1).max(100).nullable(),
    /** When the resident asked: the China-time day it counts for. */
    askedAt: instantSchema,
  }),
  /** The account found itself logged out or restricted (failed sends, puppet events). */
  z.object({ ...eventBase, kind: z.literal('account_status'), accountId: wechatIdSchema, name: displayName, status: z.enum(BOT_ACCOUNT_STATUSES), reason: z.string().max(300) }),
]);
export type BotEvent = z.input<typeof botEventSchema>;
export const botEventBatchSchema = z.object({ events: z.array(botEventSchema).min(1).max(200) });
export const botEventResultSchema = z.object({
  results: z.array(z.object({ id: z.string(), status: z.enum(['applied', 'duplicate', 'rejected']), message: z.string().nullable() })),
});
export type BotEventResults = z.infer<typeof botEventResultSchema>;

/* ---------------------------------------------------------------- staff actions through the bot */

export const staffActorSchema = z.object({ roomId: wechatIdSchema, byWxid: wechatIdSchema });
export const botFaqAddSchema = staffActorSchema.extend({
  questions: z.array(z.string().max(100).trim().min(1)).min(1).max(20),
  answer: z.string().max(1000).trim().min(1),
});
export const botFaqRemoveSchema = staffActorSchema.extend({ question: z.string().max(100).trim().min(1) });
export const botAnnounceSchema = staffActorSchema.extend({ text: z.string().max(1500).trim().min(1) });
export const botPauseSchema = staffActorSchema.extend({ paused: z.boolean() });
export const botOfferSchema = staffActorSchema.extend({ text: z.string().max(300).trim().min(1) });
export const botStaffResultSchema = z.object({ message: z.string() });
export type BotStaffResult = z.infer<typeof botStaffResultSchema>;

export const groupStatsSchema = z.object({
  groupId: objectIdSchema,
  day: z.string(),
  members: z.number().int(),
  messages: z.number().int(),
  activeMembers: z.number().int(),
  messagesPerMember: z.number(),
  joins: z.number().int(),
  leaves: z.number().int(),
  checkins: z.number().int(),
  moderationActions: z.number().int(),
  /** Residents' questions the bot answered (asked that day). */
  questionsAnswered: z.number().int(),
  /** Residents' messages the bot passed to staff: hand-off tickets opened from the group that day. */
  questionsToStaff: z.number().int(),
  /** Completed orders credited (last touch) to the group: a broadcast card or a share opened in it, by completion day; refunded ones drop out. */
  ordersCredited: z.number().int(),
  /** Their amount, in cents. */
  revenueCreditedCents: z.number().int(),
});
export type GroupStats = z.infer<typeof groupStatsSchema>;
export const groupStatsQuerySchema = z.object({ day: dayKeySchema.optional() });
