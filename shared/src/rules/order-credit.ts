/**
 * Crediting orders to the touch that led to them (last touch), beside the resident's first touch
 * (their acquisition attribution, which never changes).
 *
 * A touch is a resident opening the mini-program from something we sent or someone shared: a
 * group broadcast's or an SOP message's mini-program card, a subscribe-message push, or a
 * resident's share (into a group or to one person). The link carries what it came from in its query string, so the page it
 * opens can report it; `withTouch` writes those parameters and `touchFromQuery` reads them back.
 */

export const TOUCH_KINDS = ['broadcast', 'sop', 'push', 'share'] as const;
export type TouchKind = (typeof TOUCH_KINDS)[number];

/** The query parameters a touch link carries (short: they ride on every shared card's path). */
export const TOUCH_PARAMS = { kind: 'tk', ref: 'tr', group: 'tg', sharer: 'tu' } as const;

const KIND_CODES: Record<TouchKind, string> = { broadcast: 'b', sop: 'o', push: 'p', share: 's' };

export interface TouchLink {
  kind: TouchKind;
  /** The broadcast's, the SOP plan's or the push's id; absent for a share. */
  refId?: string | null;
  /** The group the link was posted in, when we know it (a broadcast's delivery names it). */
  groupId?: string | null;
  /** The resident who shared the link. */
  sharerId?: string | null;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The page path with the touch's parameters added (any earlier touch parameters replaced). */
export function withTouch(pagePath: string, touch: TouchLink): string {
  const [path, query = ''] = pagePath.split('?', 2);
  const params = query
    .split('&')
    .filter((pair) => pair && !Object.values(TOUCH_PARAMS).includes(pair.split('=')[0] as never));
  params.push(`${TOUCH_PARAMS.kind}=${KIND_CODES[touch.kind]}`);
  if (touch.refId) params.push(`${TOUCH_PARAMS.ref}=${encodeURIComponent(touch.refId)}`);
  if (touch.groupId) params.push(`${TOUCH_PARAMS.group}=${encodeURIComponent(touch.groupId)}`);
  if (touch.sharerId) params.push(`${TOUCH_PARAMS.sharer}=${encodeURIComponent(touch.sharerId)}`);
  return `${path}?${params.join('&')}`;
}

/** The touch a page's query names, or null when it names none (or something malformed). */
export function touchFromQuery(query: Record<string, string | undefined>): TouchLink | null {
  const code = query[TOUCH_PARAMS.kind];
  const kind = (Object.keys(KIND_CODES) as TouchKind[]).find((candidate) => KIND_CODES[candidate] === code);
  if (!kind) return null;
  const read = (name: string) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return null;
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    return ID.test(value) ? value : undefined;
  };
  const refId = read(TOUCH_PARAMS.ref);
  const groupId = read(TOUCH_PARAMS.group);
  const sharerId = read(TOUCH_PARAMS.sharer);
  if (refId === undefined || groupId === undefined || sharerId === undefined) return null;
  if (kind !== 'share' && !refId) return null;
  if (kind === 'share' && !sharerId) return null;
  return { kind, refId, groupId, sharerId };
}

export interface RecordedTouch {
  id: string;
  at: Date;
}

/**
 * The touch an order is credited to: the latest one at or before the order was placed and no
 * more than `windowMs` before it (ties broken by id, so the choice is the same every time), or
 * null when none is inside the window.
 */
export function lastTouchBefore<T extends RecordedTouch>(placedAt: Date, touches: readonly T[], windowMs: number): T | null {
  const placed = placedAt.getTime();
  let best: T | null = null;
  for (const touch of touches) {
    const at = touch.at.getTime();
    if (at > placed || placed - at > windowMs) continue;
    if (!best || at > best.at.getTime() || (at === best.at.getTime() && touch.id > best.id)) best = touch;
  }
  return best;
}
