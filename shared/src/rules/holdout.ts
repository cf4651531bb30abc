/**
 * Hold-out groups for measuring lift. A share of a push's or promotion's audience is held out at
 * random and not reached, so the effect is the difference between the residents who were meant to
 * be reached and those who were not, with its interval.
 *
 * The split is a pure function of the experiment and the resident, so every retry, every server and
 * the mini-program agree on it without storing one row per resident.
 */

/** The largest share of an audience a campaign may hold out. */
export const MAX_HOLDOUT_SHARE = 0.5;

/**
 * A 32-bit hash of a string: FNV-1a over its UTF-16 code units, then MurmurHash3's `fmix32`
 * finaliser. FNV-1a alone barely moves the high bits when only the last characters differ (as in
 * consecutive ObjectIds); the finaliser spreads every input bit over the whole word. Pure JS, so it
 * runs in the mini-program too (no node crypto).
 */
export function stableHash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The resident's position in [0, 1) for one experiment; independent between experiments. */
export function holdoutPosition(residentId: string, experimentId: string): number {
  return stableHash32(`${experimentId}:${residentId}`) / 0x1_0000_0000;
}

/** True when the resident is held out of the experiment: the same answer every time it is asked. */
export function inHoldout(residentId: string, experimentId: string, share: number): boolean {
  if (!(share > 0)) return false;
  return holdoutPosition(residentId, experimentId) < share;
}

// ---------------------------------------------------------------------------------------------
// Lift and its interval
// ---------------------------------------------------------------------------------------------

/** The normal quantile for a two-sided 95% interval. */
const Z_95 = 1.959963984540054;

export interface Proportion {
  /** Residents with the outcome (e.g. buyers). */
  count: number;
  /** Residents in the group. */
  base: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson's score interval for one proportion; null for an empty group. */
export function wilsonInterval({ count, base }: Proportion, z = Z_95): Interval | null {
  if (base <= 0) return null;
  const p = count / base;
  const z2 = z * z;
  const centre = p + z2 / (2 * base);
  const spread = z * Math.sqrt((p * (1 - p)) / base + z2 / (4 * base * base));
  const denominator = 1 + z2 / base;
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

export interface Lift {
  treatedRate: number;
  controlRate: number;
  /** treatedRate − controlRate. */
  difference: number;
  /** 95% interval of the difference (Newcombe's hybrid score method). */
  interval: Interval;
}

/**
 * The difference of two proportions, treated minus control, with its 95% interval by Newcombe's
 * hybrid score method (Newcombe 1998, method 10): the Wilson interval of each proportion, combined
 * as low = d − √((p₁−l₁)² + (u₂−p₂)²), high = d + √((u₁−p₁)² + (p₂−l₂)²). Unlike the plain normal
 * approximation it stays within [−1, 1] and behaves at rates near 0, which buyer rates are. Null
 * when either group is empty.
 */
export function liftInterval(treated: Proportion, control: Proportion): Lift | null {
  const treatedInterval = wilsonInterval(treated);
  const controlInterval = wilsonInterval(control);
  if (!treatedInterval || !controlInterval) return null;
  const treatedRate = treated.count / treated.base;
  const controlRate = control.count / control.base;
  const difference = treatedRate - controlRate;
  const low = difference - Math.sqrt((treatedRate - treatedInterval.low) ** 2 + (controlInterval.high - controlRate) ** 2);
  const high = difference + Math.sqrt((treatedInterval.high - treatedRate) ** 2 + (controlRate - controlInterval.low) ** 2);
  return { treatedRate, controlRate, difference, interval: { low, high } };
}

// ---------------------------------------------------------------------------------------------
// Treated versus held out
// ---------------------------------------------------------------------------------------------

export interface HoldoutGroupTally {
  size: number;
  buyers: number;
  orders: number;
  revenueCents: number;
}

export interface HoldoutGroup extends HoldoutGroupTally {
  /** buyers / size; null for an empty group. */
  buyerRate: number | null;
}

export interface HoldoutComparisonResult {
  share: number;
  treated: HoldoutGroup;
  heldOut: HoldoutGroup;
  /** Buyer rate treated − held out with its 95% interval; null when a group is empty. */
  lift: { difference: number; low: number; high: number } | null;
}

function withRate(tally: HoldoutGroupTally): HoldoutGroup {
  return { ...tally, buyerRate: tally.size > 0 ? tally.buyers / tally.size : null };
}

/** The comparison of buyer rates between the treated and the held-out residents. */
export function holdoutComparison(share: number, treated: HoldoutGroupTally, heldOut: HoldoutGroupTally): HoldoutComparisonResult {
  const lift = liftInterval({ count: treated.buyers, base: treated.size }, { count: heldOut.buyers, base: heldOut.size });
  return {
    share,
    treated: withRate(treated),
    heldOut: withRate(heldOut),
    lift: lift ? { difference: lift.difference, low: lift.interval.low, high: lift.interval.high } : null,
  };
}
