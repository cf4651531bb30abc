import type { z } from 'zod';
import {
  botAnnounceSchema,
  botBindRequestSchema,
  botBindResultSchema,
  botEventBatchSchema,
  botFaqAddSchema,
  botFaqRemoveSchema,
  botOfferSchema,
  botPauseSchema,
  checkinRequestSchema,
  memberSyncSchema,
  moderationReportSchema,
  botAccountHeartbeatSchema,
  botAccountHeartbeatResultSchema,
  deliveryClaimSchema,
  deliveryClaimResultSchema,
  staffActorSchema,
  botEventResultSchema,
  botGroupContextSchema,
  botStaffResultSchema,
  checkinResultSchema,
  groupDeliverySchema,
  groupStatsSchema,
  identitySummarySchema,
  memberSyncResultSchema,
  moderationDecisionSchema,
  productSearchResultSchema,
  type BotBindResult,
  type BotEvent,
  type BotEventResults,
  type BotGroupContext,
  type BotStaffResult,
  type CheckinResult,
  type GroupDelivery,
  type GroupStats,
  type IdentitySummary,
  type MemberSync,
  type MemberSyncResult,
  type ModerationDecision,
  type ModerationReport,
  type ProductSearchResult,
} from '@o2o/shared/schemas/groups';
import { botTicketRequestSchema, botTicketResultSchema, type BotTicketRequest, type BotTicketResult } from '@o2o/shared/schemas/tickets';

/** The server could not be reached or failed (network, timeout, 5xx, 429): worth retrying later. */
export class ServerUnavailableError extends Error {
  constructor(message: string, readonly status: number | null = null) {
    super(message);
    this.name = 'ServerUnavailableError';
  }
}

/** The server refused the request (4xx): retrying the same request will not help. */
export class ServerRejectedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ServerRejectedError';
  }
}

export interface BotApiOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

/**
 * The bot's typed calls to the server's `/groups/bot/*` API. Responses are validated with the same
 * schemas the server declares them with, so a mismatch fails loudly here, not deep in a plugin.
 */
export class BotApi {
  constructor(private readonly options: BotApiOptions) {}

  private async request<T>(method: 'GET' | 'POST', path: string, schema: { parse(value: unknown): T }, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new ServerUnavailableError(`${method} ${path}: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    const error = (json as { error?: { code?: string; message?: string } } | null | undefined)?.error;
    // A 429 of the rate limiter passes; a person's own limit (too many bind attempts) is an answer for them.
    const overloaded = response.status >= 500 || (response.status === 429 && error?.code === 'RATE_LIMITED') || (response.status === 429 && !error?.message);
    if (overloaded) throw new ServerUnavailableError(`${method} ${path}: ${response.status}`, response.status);
    if (json === undefined) throw new ServerUnavailableError(`${method} ${path}: response is not JSON`, response.status);
    if (!response.ok) {
      throw new ServerRejectedError(response.status, error?.code ?? 'UNKNOWN', error?.message ?? `HTTP ${response.status}`);
    }
    return schema.parse(json);
  }

  /** A POST whose body is checked with the server's own request schema first: the bot never sends what the server would refuse as malformed. */
  private async post<B extends z.ZodType, T>(path: string, bodySchema: B, body: z.input<B>, schema: { parse(value: unknown): T }): Promise<T> {
    const checked = bodySchema.safeParse(body);
    // Refused as the server would refuse it (a 400), so callers set it aside instead of retrying forever.
    if (!checked.success) throw new ServerRejectedError(400, 'VALIDATION_FAILED', `POST ${path}: ${checked.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
    return this.request('POST', path, schema, checked.data);
  }

  context(roomId: string): Promise<BotGroupContext> {
    return this.request('GET', `/groups/bot/rooms/${encodeURIComponent(roomId)}/context`, botGroupContextSchema);
  }

  searchProducts(roomId: string, keyword: string): Promise<ProductSearchResult> {
    return this.request('GET', `/groups/bot/rooms/${encodeURIComponent(roomId)}/products?q=${encodeURIComponent(keyword)}`, productSearchResultSchema);
  }

  bind(input: z.input<typeof botBindRequestSchema>): Promise<BotBindResult> {
    return this.post('/groups/bot/bind', botBindRequestSchema, input, botBindResultSchema);
  }

  identitySummary(wxid: string): Promise<IdentitySummary> {
    return this.request('GET', `/groups/bot/identities/${encodeURIComponent(wxid)}/summary`, identitySummarySchema);
  }

  syncMembers(sync: MemberSync): Promise<MemberSyncResult> {
    return this.post('/groups/bot/members', memberSyncSchema, sync, memberSyncResultSchema);
  }

  checkin(input: z.input<typeof checkinRequestSchema>): Promise<CheckinResult> {
    return this.post('/groups/bot/checkins', checkinRequestSchema, input, checkinResultSchema);
  }

  reportViolation(report: ModerationReport): Promise<ModerationDecision> {
    return this.post('/groups/bot/moderation', moderationReportSchema, report, moderationDecisionSchema);
  }

  sendEvents(events: BotEvent[]): Promise<BotEventResults> {
    return this.post('/groups/bot/events', botEventBatchSchema, { events }, botEventResultSchema);
  }

  /** Hands a resident's message to the store's staff; the same message twice is one ticket. */
  openTicket(input: BotTicketRequest): Promise<BotTicketResult> {
    return this.post('/tickets/bot', botTicketRequestSchema, input, botTicketResultSchema);
  }

  pendingDeliveries(limit = 50, accountId?: string): Promise<GroupDelivery[]> {
    return this.request('GET', `/groups/bot/deliveries?limit=${limit}${accountId ? `&accountId=${encodeURIComponent(accountId)}` : ''}`, groupDeliverySchema.array());
  }

  /** Takes a delivery just before saying it; false when another account has it. */
  async claimDelivery(deliveryId: string, accountId: string): Promise<boolean> {
    return (await this.post(`/groups/bot/deliveries/${encodeURIComponent(deliveryId)}/claim`, deliveryClaimSchema, { accountId }, deliveryClaimResultSchema)).claimed;
  }

  async releaseDelivery(deliveryId: string, accountId: string): Promise<void> {
    await this.post(`/groups/bot/deliveries/${encodeURIComponent(deliveryId)}/release`, deliveryClaimSchema, { accountId }, deliveryClaimResultSchema);
  }

  heartbeat(beat: z.input<typeof botAccountHeartbeatSchema>): Promise<{ assignedRoomIds: string[] }> {
    return this.post('/groups/bot/accounts/heartbeat', botAccountHeartbeatSchema, beat, botAccountHeartbeatResultSchema);
  }

  addFaq(input: z.input<typeof botFaqAddSchema>): Promise<BotStaffResult> {
    return this.post('/groups/bot/staff/faqs', botFaqAddSchema, input, botStaffResultSchema);
  }

  removeFaq(input: z.input<typeof botFaqRemoveSchema>): Promise<BotStaffResult> {
    return this.post('/groups/bot/staff/faqs/remove', botFaqRemoveSchema, input, botStaffResultSchema);
  }

  announce(input: z.input<typeof botAnnounceSchema>): Promise<BotStaffResult> {
    return this.post('/groups/bot/staff/announcements', botAnnounceSchema, input, botStaffResultSchema);
  }

  pause(input: z.input<typeof botPauseSchema>): Promise<BotStaffResult> {
    return this.post('/groups/bot/staff/pause', botPauseSchema, input, botStaffResultSchema);
  }

  postOffer(input: z.input<typeof botOfferSchema>): Promise<BotStaffResult> {
    return this.post('/groups/bot/staff/offers', botOfferSchema, input, botStaffResultSchema);
  }

  stats(input: z.input<typeof staffActorSchema>): Promise<GroupStats> {
    return this.post('/groups/bot/staff/stats', staffActorSchema, input, groupStatsSchema);
  }
}
