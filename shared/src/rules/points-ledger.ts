/**
 * The points state machine. A resident's points state after ledger entry N is a pure function of
 * the state after entry N-1 and entry N; the server persists each step under a unique
 * (resident, version) key, so concurrent writers can never both take the same step.
 */

export interface PointLot {
  /** The ledger entry that created the lot. */
  id: string;
  remaining: number;
  /** ISO instant, or null for points that never expire. */
  expiresAt: string | null;
}

export interface HeldPoints {
  id: string;
  amount: number;
}

export interface PointsState {
  available: number;
  pending: number;
  /** Open lots, oldest first: the order they are spent in. */
  lots: PointLot[];
  held: HeldPoints[];
}

export const EMPTY_POINTS_STATE: PointsState = { available: 0, pending: 0, lots: [], held: [] };

export type PointsIntent =
  | { kind: 'earn'; entryId: string; amount: number; expiresAt: string | null }
  | { kind: 'hold'; entryId: string; amount: number }
  | { kind: 'release'; entryId: string; heldId: string; expiresAt: string | null }
  | { kind: 'cancel_hold'; entryId: string; heldId: string }
  | { kind: 'spend'; entryId: string; amount: number }
  /** Takes what is left of the lot (or held points) a given entry created: refunds and clawbacks. */
  | { kind: 'clawback'; entryId: string; targetId: string }
  /** Removes every lot that has expired at `now`. */
  | { kind: 'expire'; entryId: string; now: string };

export interface PointsOutcome {
  /** Change to the available balance. */
  amount: number;
  /** Change to the held balance. */
  pendingAmount: number;
  rejected: null | 'insufficient' | 'not_held';
  /** For spends: which lots paid, oldest first. */
  consumed: { lotId: string; amount: number }[];
}

function byExpiry(a: PointLot, b: PointLot): number {
  if (a.expiresAt === b.expiresAt) return 0;
  if (a.expiresAt === null) return 1;
  if (b.expiresAt === null) return -1;
  return a.expiresAt < b.expiresAt ? -1 : 1;
}

/** Inserts a lot keeping the spending order: soonest expiry first, then earliest earned. */
function withLot(lots: PointLot[], lot: PointLot): PointLot[] {
  const next = [...lots, lot];
  // Array.prototype.sort is stable, so equal expiry keeps insertion (earning) order.
  return next.sort(byExpiry);
}

export function applyIntent(state: PointsState, intent: PointsIntent): { state: PointsState; outcome: PointsOutcome } {
  const none: PointsOutcome = { amount: 0, pendingAmount: 0, rejected: null, consumed: [] };
  switch (intent.kind) {
    case 'earn':
      return {
        state: { ...state, available: state.available + intent.amount, lots: withLot(state.lots, { id: intent.entryId, remaining: intent.amount, expiresAt: intent.expiresAt }) },
        outcome: { ...none, amount: intent.amount },
      };
    case 'hold':
      return {
        state: { ...state, pending: state.pending + intent.amount, held: [...state.held, { id: intent.entryId, amount: intent.amount }] },
        outcome: { ...none, pendingAmount: intent.amount },
      };
    case 'release': {
      const held = state.held.find((entry) => entry.id === intent.heldId);
      if (!held) return { state, outcome: { ...none, rejected: 'not_held' } };
      return {
        state: {
          available: state.available + held.amount,
          pending: state.pending - held.amount,
          lots: withLot(state.lots, { id: intent.heldId, remaining: held.amount, expiresAt: intent.expiresAt }),
          held: state.held.filter((entry) => entry !== held),
        },
        outcome: { ...none, amount: held.amount, pendingAmount: -held.amount },
      };
    }
    case 'cancel_hold': {
      const held = state.held.find((entry) => entry.id === intent.heldId);
      if (!held) return { state, outcome: { ...none, rejected: 'not_held' } };
      return {
        state: { ...state, pending: state.pending - held.amount, held: state.held.filter((entry) => entry !== held) },
        outcome: { ...none, pendingAmount: -held.amount },
      };
    }
    case 'spend': {
      if (intent.amount > state.available) return { state, outcome: { ...none, rejected: 'insufficient' } };
      let due = intent.amount;
      const consumed: { lotId: string; amount: number }[] = [];
      const lots: PointLot[] = [];
      for (const lot of state.lots) {
        const take = Math.min(lot.remaining, due);
        due -= take;
        if (take > 0) consumed.push({ lotId: lot.id, amount: take });
        if (lot.remaining - take > 0) lots.push({ ...lot, remaining: lot.remaining - take });
      }
      return { state: { ...state, available: state.available - intent.amount, lots }, outcome: { ...none, amount: -intent.amount, consumed } };
    }
    case 'clawback': {
      const held = state.held.find((entry) => entry.id === intent.targetId);
      if (held) {
        return {
          state: { ...state, pending: state.pending - held.amount, held: state.held.filter((entry) => entry !== held) },
          outcome: { ...none, pendingAmount: -held.amount },
        };
      }
      const lot = state.lots.find((entry) => entry.id === intent.targetId);
      if (!lot) return { state, outcome: none };
      return {
        state: { ...state, available: state.available - lot.remaining, lots: state.lots.filter((entry) => entry !== lot) },
        outcome: { ...none, amount: -lot.remaining, consumed: [{ lotId: lot.id, amount: lot.remaining }] },
      };
    }
    case 'expire': {
      const expired = state.lots.filter((lot) => lot.expiresAt !== null && lot.expiresAt <= intent.now);
      const total = expired.reduce((sum, lot) => sum + lot.remaining, 0);
      return {
        state: { ...state, available: state.available - total, lots: state.lots.filter((lot) => !expired.includes(lot)) },
        // `0 - total`, not `-total`: nothing expired is an amount of 0, not -0 (stored and compared as is).
        outcome: { ...none, amount: 0 - total, consumed: expired.map((lot) => ({ lotId: lot.id, amount: lot.remaining })) },
      };
    }
  }
}

/** Points in lots expiring up to `until`, grouped by expiry instant, soonest first. */
export function expiringSoon(state: PointsState, until: string): { expiresAt: string; amount: number }[] {
  const totals = new Map<string, number>();
  for (const lot of state.lots) {
    if (lot.expiresAt !== null && lot.expiresAt <= until) totals.set(lot.expiresAt, (totals.get(lot.expiresAt) ?? 0) + lot.remaining);
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([expiresAt, amount]) => ({ expiresAt, amount }));
}
