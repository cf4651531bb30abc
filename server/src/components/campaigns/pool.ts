/**
 * Runs `work` over `items` with at most `concurrency` in flight, in order of `items`. Once
 * `shouldStop()` is true no new item starts; items already started finish.
 */
export async function forEachPooled<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>, shouldStop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !shouldStop()) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** Maps `items` with at most `concurrency` calls in flight, keeping the order. */
export async function mapPooled<T, R>(items: readonly T[], concurrency: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const indexes = items.map((_, index) => index);
  await forEachPooled(indexes, concurrency, async (index) => {
    results[index] = await map(items[index]);
  });
  return results;
}
