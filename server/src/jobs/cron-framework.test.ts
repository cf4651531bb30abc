import cron from 'node-cron';

describe('node-cron 4 (CommonJS build under jest)', () => {
  it('validates expressions and runs a scheduled task in China time', async () => {
    expect(cron.validate('0 3 * * *')).toBe(true);
    expect(cron.validate('61 3 * * *')).toBe(false);
    let runs = 0;
    const task = cron.schedule('* * * * * *', () => {
      runs += 1;
    }, { timezone: 'Asia/Shanghai' });
    await new Promise((resolve) => setTimeout(resolve, 2200));
    await task.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
  });
});
