import { VirtualClock } from '../clock';
import { createLogger } from '../logger';
import { DAY_MS, HOUR_MS, SendQueue } from './send-queue';

const log = createLogger('silent');

describe('the paced outgoing queue', () => {
  it('keeps at least the interval between messages to one group and at most N per minute for the account, on a virtual clock', async () => {
    const clock = new VirtualClock(0);
    const queue = new SendQueue({ minIntervalPerConversationMs: 1000, maxMessagesPerMinute: 40 }, clock, log);
    const sent: string[] = [];
    const rooms = ['a@chatroom', 'b@chatroom', 'c@chatroom'];
    await Promise.all(Array.from({ length: 120 }, (_, i) => queue.enqueue(rooms[i % 3], async () => void sent.push(`${rooms[i % 3]}#${i}`))));
    expect(sent).toHaveLength(120);
    for (const room of rooms) {
      const times = queue.history.filter((entry) => entry.conversationId === room).map((entry) => entry.at);
      for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    }
    const times = queue.history.map((entry) => entry.at);
    for (const start of times) expect(times.filter((at) => at >= start && at < start + 60_000).length).toBeLessThanOrEqual(40);
    // 120 messages at 40 a minute take at least two minutes of (virtual) time.
    expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(120_000);
  });

  it('keeps each group\'s order and does not hold other groups behind a waiting one', async () => {
    const clock = new VirtualClock(0);
    const queue = new SendQueue({ minIntervalPerConversationMs: 5000, maxMessagesPerMinute: 100 }, clock, log);
    const sent: string[] = [];
    await Promise.all([
      queue.enqueue('a', async () => void sent.push('a1')),
      queue.enqueue('a', async () => void sent.push('a2')),
      queue.enqueue('b', async () => void sent.push('b1')),
    ]);
    expect(sent).toEqual(['a1', 'b1', 'a2']);
  });

  it('rejects a message whose send failed and goes on with the next', async () => {
    const queue = new SendQueue({ minIntervalPerConversationMs: 0, maxMessagesPerMinute: 100 }, new VirtualClock(0), log);
    const failing = queue.enqueue('a', async () => {
      throw new Error('puppet error');
    });
    const next = queue.enqueue('a', async () => undefined);
    await expect(failing).rejects.toThrow('puppet error');
    await expect(next).resolves.toBeUndefined();
  });
});

describe('stale replies', () => {
  it('drops a reply that could not go out within its maximum wait, and still sends the rest', async () => {
    const clock = new VirtualClock(0);
    const queue = new SendQueue({ minIntervalPerConversationMs: 0, maxMessagesPerMinute: 1 }, clock, createLogger('silent'));
    const sent: string[] = [];
    const first = queue.enqueue('a', async () => void sent.push('first'));
    const stale = queue.enqueue('a', async () => void sent.push('stale'), { maxWaitMs: 30_000 });
    const broadcast = queue.enqueue('a', async () => void sent.push('broadcast'));
    await first;
    await expect(stale).rejects.toThrow('stale');
    await broadcast;
    expect(sent).toEqual(['first', 'broadcast']);
  });

  it('says when it is idle: at once when empty, otherwise only after the last queued message was sent', async () => {
    const clock = new VirtualClock(0);
    const queue = new SendQueue({ minIntervalPerConversationMs: 1000, maxMessagesPerMinute: 40 }, clock, log);
    await queue.idle();
    const sent: string[] = [];
    for (const text of ['one', 'two', 'three']) void queue.enqueue('a@chatroom', async () => void sent.push(text));
    await queue.idle();
    expect(sent).toEqual(['one', 'two', 'three']);
    expect(queue.length).toBe(0);
  });

  it('keeps the account\'s hourly and daily budgets and each message type\'s own, on a virtual clock', async () => {
    const clock = new VirtualClock(0);
    const queue = new SendQueue(
      { minIntervalPerConversationMs: 0, maxMessagesPerMinute: 100, budgets: { total: { perHour: 30, perDay: 50 }, image: { perMinute: 2, perHour: 5 }, mention_all: { perDay: 1 } } },
      clock,
      log,
    );
    await Promise.all(Array.from({ length: 60 }, (_, i) => queue.enqueue(`room-${i % 7}`, async () => undefined)));
    const times = queue.history.map((entry) => entry.at);
    const most = (span: number, list = times) => Math.max(...list.map((start) => list.filter((at) => at >= start && at < start + span).length));
    expect(most(HOUR_MS)).toBeLessThanOrEqual(30);
    expect(most(DAY_MS)).toBeLessThanOrEqual(50);
    // 60 messages at 50 a day: the last ten wait for the next day.
    expect(times.at(-1)!).toBeGreaterThanOrEqual(DAY_MS);

    const typed = new SendQueue({ minIntervalPerConversationMs: 0, maxMessagesPerMinute: 100, budgets: { image: { perMinute: 2, perHour: 5 }, mention_all: { perDay: 1 } } }, new VirtualClock(0), log);
    await Promise.all([
      ...Array.from({ length: 6 }, () => typed.enqueue('room', async () => undefined, { type: 'image' })),
      ...Array.from({ length: 2 }, () => typed.enqueue('other', async () => undefined, { type: 'mention_all' })),
      ...Array.from({ length: 5 }, () => typed.enqueue('third', async () => undefined)),
    ]);
    const of = (type: string) => typed.history.filter((entry) => entry.type === type).map((entry) => entry.at);
    expect(most(60_000, of('image'))).toBeLessThanOrEqual(2);
    expect(most(HOUR_MS, of('image'))).toBeLessThanOrEqual(5);
    expect(of('image').at(-1)!).toBeGreaterThanOrEqual(HOUR_MS);
    expect(of('mention_all')[1] - of('mention_all')[0]).toBeGreaterThanOrEqual(DAY_MS);
    // Text is not held behind the image and @all budgets.
    expect(of('text').at(-1)!).toBeLessThan(60_000);
  });
});
