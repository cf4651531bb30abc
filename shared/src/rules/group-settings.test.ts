import { inQuietHours, resolveSettings } from './group-settings';

describe('group settings inheritance', () => {
  it('takes each key from the lowest level that sets it: group over store over city over brand over defaults', () => {
    const defaults = { strictness: 'standard', checkin: true, style: 'friendly', limit: 6 };
    const effective = resolveSettings(defaults, [{ limit: 10 }, { strictness: 'strict' }, { checkin: false, strictness: undefined }, { style: 'brief' }]);
    expect(effective).toEqual({ strictness: 'strict', checkin: false, style: 'brief', limit: 10 });
  });
});

describe('quiet hours', () => {
  const at = (hhmm: string) => new Date(`2025-03-03T${hhmm}:00+08:00`);
  it('handles windows within a day and across midnight, in China time', () => {
    expect(inQuietHours({ start: '22:30', end: '07:30' }, at('23:00'))).toBe(true);
    expect(inQuietHours({ start: '22:30', end: '07:30' }, at('06:00'))).toBe(true);
    expect(inQuietHours({ start: '22:30', end: '07:30' }, at('12:00'))).toBe(false);
    expect(inQuietHours({ start: '12:00', end: '13:00' }, at('12:30'))).toBe(true);
    expect(inQuietHours(null, at('03:00'))).toBe(false);
  });
});
