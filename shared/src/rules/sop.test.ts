import { journeyDueAt, latestCalendarSlot, occurrenceKey, parseTimeOfDay } from './sop';

const friday18 = { weekdays: [5], time: '18:00' };

describe('calendar slots (Asia/Shanghai)', () => {
  it('finds Friday 18:00 China time (10:00 UTC) once it has passed, and not before', () => {
    // 2026-12-04 is a Friday.
    expect(latestCalendarSlot(friday18, new Date('2026-12-04T00:00:00Z'), new Date('2026-12-04T09:59:00Z'))).toBeNull();
    expect(latestCalendarSlot(friday18, new Date('2026-12-04T00:00:00Z'), new Date('2026-12-04T10:00:00Z'))?.toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });

  it('when several Fridays were missed, then only the latest is due', () => {
    expect(latestCalendarSlot(friday18, new Date('2026-11-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))?.toISOString()).toBe('2026-11-27T10:00:00.000Z');
  });

  it('when the latest slot is not after the lower bound, then nothing is due', () => {
    expect(latestCalendarSlot(friday18, new Date('2026-12-04T10:00:00Z'), new Date('2026-12-05T09:00:00Z'))).toBeNull();
  });

  it('uses the China-time weekday near midnight: Saturday 01:00 China time is Friday in UTC', () => {
    const saturday1am = { weekdays: [6], time: '01:00' };
    expect(latestCalendarSlot(saturday1am, new Date('2026-12-04T00:00:00Z'), new Date('2026-12-04T18:00:00Z'))?.toISOString()).toBe('2026-12-04T17:00:00.000Z');
  });

  it('keys an occurrence by its China-time minute', () => {
    expect(occurrenceKey(new Date('2026-12-04T10:00:00Z'))).toBe('2026-12-04T18:00');
  });

  it('rejects times of day that are not HH:MM', () => {
    expect(parseTimeOfDay('18:00')).toBe(1080);
    expect(parseTimeOfDay('24:00')).toBeNull();
    expect(parseTimeOfDay('8:00')).toBeNull();
  });
});

it('a journey plan is due whole days after its anchor', () => {
  expect(journeyDueAt(new Date('2026-12-01T02:00:00Z'), 3).toISOString()).toBe('2026-12-04T02:00:00.000Z');
});
