import {
  botBindResultSchema,
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
import { botTicketResultSchema, type BotTicketRequest, type BotTicketResult } from '@o2o/shared/schemas/tickets';

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

  context(roomId: string): Promise<BotGroupContext> {
    return this.request('GET', `/groups/bot/rooms/${encodeURIComponent(roomId)}/context`, botGroupContextSchema);
  }

  searchProducts(roomId: string, keyword: string): Promise<ProductSearchResult> {
    return this.request('GET', `/groups/bot/rooms/${encodeURIComponent(roomId)}/products?q=${encodeURIComponent(keyword)}`, productSearchResultSchema);
  }

  bind(input: { code: string; wxid: string; name: string; roomId: string | null; topic: string | null }): Promise<BotBindResult> {
    return this.request('POST', '/groups/bot/bind', botBindResultSchema, input);
  }

  identitySummary(wxid: string): Promise<IdentitySummary> {
    return this.request('GET', `/groups/bot/identities/${encodeURIComponent(wxid)}/summary`, identitySummarySchema);
  }

  syncMembers(sync: MemberSync): Promise<MemberSyncResult> {
    return this.request('POST', '/groups/bot/members', memberSyncResultSchema, sync);
  }

  checkin(input: { roomId: string; wxid: string; name: string; at: string }): Promise<CheckinResult> {
    return this.request('POST', '/groups/bot/checkins', checkinResultSchema, input);
  }

  reportViolation(report: ModerationReport): Promise<ModerationDecision> {
    return this.request('POST', '/groups/bot/moderation', moderationDecisionSchema, report);
  }

  sendEvents(events: BotEvent[]): Promise<BotEventResults> {
    return this.request('POST', '/groups/bot/events', botEventResultSchema, { events });
  }

  /** Hands a resident's message to the store's staff; the same message twice is one ticket. */
  openTicket(input: BotTicketRequest): Promise<BotTicketResult> {
    return this.request('POST', '/tickets/bot', botTicketResultSchema, input);
  }

  pendingDeliveries(limit = 50): Promise<GroupDelivery[]> {
    return this.request('GET', `/groups/bot/deliveries?limit=${limit}`, groupDeliverySchema.array());
  }

  addFaq(input: { roomId: string; byWxid: string; questions: string[]; answer: string }): Promise<BotStaffResult> {
    return this.request('POST', '/groups/bot/staff/faqs', botStaffResultSchema, input);
  }

  removeFaq(input: { roomId: string; byWxid: string; question: string }): Promise<BotStaffResult> {
    return this.request('POST', '/groups/bot/staff/faqs/remove', botStaffResultSchema, input);
  }

  announce(input: { roomId: string; byWxid: string; text: string }): Promise<BotStaffResult> {
    return this.request('POST', '/groups/bot/staff/announcements', botStaffResultSchema, input);
  }

  pause(input: { roomId: string; byWxid: string; paused: boolean }): Promise<BotStaffResult> {
    return this.request('POST', '/groups/bot/staff/pause', botStaffResultSchema, input);
  }

  postOffer(input: { roomId: string; byWxid: string; text: string }): Promise<BotStaffResult> {
    return this.request('POST', '/groups/bot/staff/offers', botStaffResultSchema, input);
  }

  stats(input: { roomId: string; byWxid: string }): Promise<GroupStats> {
    return this.request('POST', '/groups/bot/staff/stats', groupStatsSchema, input);
  }
}
