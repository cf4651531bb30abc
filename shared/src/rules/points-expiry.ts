import { chinaParts, CHINA_OFFSET_MS, DAY_MS } from './china-time';

/**
 * When earned points expire:
 *   end_of_next_year  points earned any day in year Y expire at the end of Y+1 (China time)
 *   days:N            points expire N days after they are earned
 *   never             points do not expire
 */
export type ExpiryPolicy = { kind: 'end_of_next_year' } | { kind: 'days'; days: number } | { kind: 'never' };

export function parseExpiryPolicy(text: string): ExpiryPolicy | null {
  if (text === 'end_of_next_year') return { kind: 'end_of_next_year' };
  if (text === 'never') return { kind: 'never' };
  const match = /^days:(\d{1,4})$/.exec(text);
  if (match && Number(match[1]) > 0) return { kind: 'days', days: Number(match[1]) };
  return null;
}

export function expiryFor(policy: ExpiryPolicy, earnedAt: Date): Date | null {
  switch (policy.kind) {
    case 'never':
      return null;
    case 'days':
      return new Date(earnedAt.getTime() + policy.days * DAY_MS);
    case 'end_of_next_year': {
      const { year } = chinaParts(earnedAt);
      // The first instant of year+2 in China time.
      return new Date(Date.UTC(year + 2, 0, 1) - CHINA_OFFSET_MS);
    }
  }
}
