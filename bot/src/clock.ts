/** Time for everything that paces or schedules, so tests can run it on a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock whose sleeps advance virtual time at once: pacing over minutes runs in milliseconds. */
export class VirtualClock implements Clock {
  constructor(private current = Date.now()) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.current += Math.max(0, ms);
    await new Promise((resolve) => setImmediate(resolve));
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
