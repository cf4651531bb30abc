/** z for a two-sided 95% interval (the 97.5th percentile of the standard normal). */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * The Wilson score interval of a share of `count` out of `base` at 95%: unlike count/base ± a
 * normal margin, it stays inside [0, 1] and is wide when few were measured, so 1 of 1 (low 0.21)
 * does not outrank 40 of 100 (low 0.31). Null when nobody was measured.
 *
 * Example: `wilsonInterval(5, 10)` is about `{ low: 0.2366, high: 0.7634 }`; `wilsonInterval(0, 10)` about `{ low: 0, high: 0.2775 }`.
 */
export function wilsonInterval(count: number, base: number, z = Z_95): Interval | null {
  if (base <= 0) return null;
  const p = count / base;
  const z2 = z * z;
  const centre = p + z2 / (2 * base);
  const margin = z * Math.sqrt((p * (1 - p)) / base + z2 / (4 * base * base));
  const denominator = 1 + z2 / base;
  // 0 of n and n of n end exactly at 0 and 1; float noise would make equal ends unequal (and ranks unstable).
  return { low: count === 0 ? 0 : Math.max(0, (centre - margin) / denominator), high: count === base ? 1 : Math.min(1, (centre + margin) / denominator) };
}
