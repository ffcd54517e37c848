/**
 * Runs `fn` over `items` with at most `limit` calls in flight, preserving result order.
 * Enforcement calls are independent, so a small fixed pool keeps AWS busy without
 * tripping account-level throttling.
 *
 * @example
 * const sizes = await mapPool(['a', 'bb'], 2, async (s) => s.length); // [1, 2]
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Interleaves several async sources, pulling from all of them at once: regions page in
 * parallel, yet the consumer sees one stream and memory stays at one page per source.
 */
export async function* merge<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const it = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      it.next().then((result) => ({ index, result })),
    );
  };
  iterators.forEach((_, i) => {
    pull(i);
  });
  while (pending.size > 0) {
    const { index, result } = await Promise.race(pending.values());
    if (result.done) {
      pending.delete(index);
      continue;
    }
    pull(index);
    yield result.value;
  }
}
