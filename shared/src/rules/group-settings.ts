import { chinaParts } from './china-time';

/** Where a group setting can be set; a lower level overrides a higher one. */
export const SETTINGS_LEVELS = ['brand', 'city', 'store', 'group'] as const;
export type SettingsLevel = (typeof SETTINGS_LEVELS)[number];

/**
 * Resolves a group's effective settings: defaults, then brand, city, store and group overrides.
 * Only defined values override (a level that says nothing about a key inherits it).
 */
export function resolveSettings<T extends object>(defaults: T, layers: readonly (Partial<T> | null | undefined)[]): T {
  const result = { ...defaults };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (result as Record<string, unknown>)[key] = value;
    }
  }
  return result;
}

const minutesOf = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/** Whether `instant` (China time) falls in quiet hours `start`-`end`, which may pass midnight (22:00-07:00). */
export function inQuietHours(quiet: { start: string; end: string } | null, instant: Date): boolean {
  if (!quiet) return false;
  const now = chinaParts(instant).minutes;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}
