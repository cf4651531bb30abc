import { cronExpression, duePeriodKey } from './job-schedule';

describe('job schedules in China time', () => {
  it('names the latest daily occurrence, switching at the scheduled minute in Shanghai', () => {
    const daily = { kind: 'daily', at: '03:00' } as const;
    expect(cronExpression(daily)).toBe('0 3 * * *');
    expect(duePeriodKey(daily, new Date('2026-03-01T18:59:00Z'))).toBe('2026-03-01'); // 02:59 on 03-02 in Shanghai
    expect(duePeriodKey(daily, new Date('2026-03-01T19:00:00Z'))).toBe('2026-03-02'); // 03:00 on 03-02
  });

  it('names hourly and minute slots', () => {
    expect(duePeriodKey({ kind: 'hourly', minute: 5 }, new Date('2026-03-01T16:04:00Z'))).toBe('2026-03-01T23');
    expect(duePeriodKey({ kind: 'hourly', minute: 5 }, new Date('2026-03-01T16:05:00Z'))).toBe('2026-03-02T00');
    expect(duePeriodKey({ kind: 'every_minutes', minutes: 15 }, new Date('2026-03-01T16:44:00Z'))).toBe('2026-03-02T00:30');
    expect(cronExpression({ kind: 'every_minutes', minutes: 15 })).toBe('*/15 * * * *');
  });
});
