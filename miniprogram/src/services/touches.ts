import Taro from '@tarojs/taro';
import { touchFromQuery, withTouch, type TouchLink } from '@o2o/shared/rules/order-credit';
import { touchInputSchema, touchResultSchema } from '@o2o/shared/schemas/credits';
import { ApiError } from './api-client';
import { isH5, readStorage, writeStorage } from './platform';
import { client, currentSession, residentPageAccess } from './session';

/**
 * Touches: the mini-program was opened from a group broadcast's card, a subscribe-message push or
 * a neighbour's share (the link's `tk`/`tr`/`tg`/`tu` parameters, `shared/rules/order-credit`).
 * The opening is kept on the device with an id made once, and reported when a signed-up resident
 * is here, so an order soon after is credited to it. A failed report stays for the next page; a
 * retry sends the same id, which the server stores once.
 */

const PENDING_KEY = 'o2o.pendingTouch';
/** The last touch reported: the same link shown again (a reload, back to the page) is not a new touch. */
const REPORTED_KEY = 'o2o.reportedTouch';
/** A touch not reported within a day is dropped: it could no longer be credited fairly. */
const PENDING_TTL_MS = 24 * 60 * 60 * 1000;

interface PendingTouch extends TouchLink {
  touchId: string;
  /** Opened from a card in a group chat (WeChat's scenes 1008 and 1044): ask WeChat which group. */
  inGroup: boolean;
  openedAt: number;
}

function newTouchId(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

/** WeChat's scenes of a mini-program card opened in a group chat. */
const GROUP_SCENES = new Set([1008, 1044]);

/** Keeps the touch the app or page was opened with, if its query names one. */
export function captureTouch(query: Record<string, string | undefined> | undefined, launch: { shareTicket?: string; scene?: number } = {}): void {
  const link = touchFromQuery(query ?? {});
  if (!link) return;
  // The same link seen again (a page re-shown, reloaded) keeps its first id, reported or not.
  const fresh = (seen: PendingTouch | null) => seen && sameLink(seen, link) && Date.now() - seen.openedAt < PENDING_TTL_MS;
  if (fresh(readStorage<PendingTouch>(PENDING_KEY)) || fresh(readStorage<PendingTouch>(REPORTED_KEY))) return;
  const inGroup = Boolean(launch.shareTicket) || GROUP_SCENES.has(launch.scene ?? 0);
  writeStorage(PENDING_KEY, { ...link, touchId: newTouchId(), inGroup, openedAt: Date.now() } satisfies PendingTouch);
}

function sameLink(a: TouchLink, b: TouchLink): boolean {
  return a.kind === b.kind && (a.refId ?? null) === (b.refId ?? null) && (a.groupId ?? null) === (b.groupId ?? null) && (a.sharerId ?? null) === (b.sharerId ?? null);
}

let reporting: Promise<void> | null = null;

/** Reports the kept touch once a signed-up resident is here; quiet on failure (it is retried later). */
export function reportPendingTouch(): Promise<void> {
  reporting ??= report().finally(() => {
    reporting = null;
  });
  return reporting;
}

async function report(): Promise<void> {
  const pending = readStorage<PendingTouch>(PENDING_KEY);
  if (!pending) return;
  if (Date.now() - pending.openedAt > PENDING_TTL_MS) {
    writeStorage(PENDING_KEY, null);
    return;
  }
  if (residentPageAccess() !== 'allowed') return;
  let groupInfo: { encryptedData: string; iv: string } | null = null;
  if (pending.inGroup && !isH5) {
    try {
      // The group the card was opened in, encrypted with the session key; the server decrypts it.
      const info = (await Taro.getGroupEnterInfo({})) as unknown as { encryptedData?: string; iv?: string };
      if (info.encryptedData && info.iv) groupInfo = { encryptedData: info.encryptedData, iv: info.iv };
    } catch {
      // Without the group the touch still counts, for its broadcast or sharer.
    }
  }
  const body = { touchId: pending.touchId, kind: pending.kind, refId: pending.refId ?? null, groupId: pending.groupId ?? null, sharerId: pending.sharerId ?? null, groupInfo };
  try {
    await client.request({ method: 'POST', path: '/credits/touches', body: touchInputSchema.parse(body), response: touchResultSchema });
    writeStorage(REPORTED_KEY, pending);
    writeStorage(PENDING_KEY, null);
  } catch (error) {
    // A link the server refuses (unknown broadcast, malformed) will never be accepted: drop it.
    if (error instanceof ApiError && error.kind === 'http' && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 429) writeStorage(PENDING_KEY, null);
  }
}

/** A page path to share, naming this resident as the sharer (so an order it leads to is credited to them). */
export function sharedPath(pagePath: string): string {
  const session = currentSession();
  return session?.residentId ? withTouch(pagePath, { kind: 'share', sharerId: session.residentId }) : pagePath;
}
