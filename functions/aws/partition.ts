import {
  type ListedPage,
  type PageRequest,
  type Partition,
  SortedPartition,
  type TimeRange,
  UnsortedPartition,
} from '../engine/windows.ts';

/** One listing API as the partitioned listing drives it. */
export type PageSource<T> = {
  /** Whether the API returns each query sorted by creation time as asked (DescribeClusterSnapshots can). */
  sorted: boolean;
  fetch(request: PageRequest): Promise<ListedPage<T>>;
};

export type PartitionedListingOptions = {
  /** Records a full page holds. */
  pageSize: number;
  /** Page requests wanted in flight right now: the adaptive limit, never above the ceiling. */
  concurrency: () => number;
  /** The end of the open-ended last window; default now. */
  nowMs?: number;
  /** When a region is long enough to split (see PartitionOptions); the defaults suit 100-record pages. */
  tailPages?: number;
  splitPages?: number;
  /** The creation-time ranges to list (default `[{}]`, everything): a resumed listing passes the `left` it was handed. */
  ranges?: TimeRange[];
  /** Told how many windows were listed once the listing is complete. */
  onComplete?: (stats: { windows: number }) => void;
};

/**
 * Records newly listed, and the creation-time ranges still `left` to list right after them: a
 * listing that stops once it has consumed this batch resumes from `left` (pages already fetched
 * beyond it are not lost, they are listed again). The last batch is `{ items: [], left: [] }`.
 */
export type ListingBatch<T> = { items: T[]; left: TimeRange[] };

type Done<T> = { seq: number; request: PageRequest } & ({ page: ListedPage<T> } | { error: unknown });

/**
 * Every record of one region, listed in creation-time windows concurrently, each record once,
 * yielded batch by batch as pages arrive (memory stays at the pages in flight). The first call is
 * the one a plain listing makes; a region whose first pages fit in one window costs no more. A
 * failed page (after the SDK's retries) fails the listing, as it would a plain one.
 *
 * Each batch says what is `left` after it, so a caller short of time stops after any batch and
 * hands `left` to the next invocation as `ranges`. For a sorted source that lists exactly the
 * records not yielded yet; for an unsorted one it may also list again some that were (see
 * UnsortedPartition). Once the listing is complete, a last batch `{ items: [], left: [] }` says so.
 *
 * @example
 * for await (const { items, left } of listPartitioned(source, { pageSize: 100, concurrency: () => 8 })) {
 *   judge(items);
 *   if (outOfTime()) return left; // e.g. [{ from: 1767225600000, to: 1767312000000 }]; [] when complete
 * }
 */
export async function* listPartitioned<T>(
  source: PageSource<T>,
  options: PartitionedListingOptions,
): AsyncGenerator<ListingBatch<T>> {
  const settings = {
    nowMs: options.nowMs ?? Date.now(),
    pageSize: options.pageSize,
    ...(options.tailPages === undefined ? {} : { tailPages: options.tailPages }),
    ...(options.splitPages === undefined ? {} : { splitPages: options.splitPages }),
    ...(options.ranges === undefined ? {} : { ranges: options.ranges }),
  };
  const partition: Partition<T> = source.sorted
    ? new SortedPartition<T>(settings)
    : new UnsortedPartition<T>(settings);
  const inFlight = new Map<number, Promise<Done<T>>>();
  let seq = 0;
  const launch = (request: PageRequest) => {
    const id = seq++;
    inFlight.set(
      id,
      source.fetch(request).then(
        (page) => ({ seq: id, request, page }),
        (error: unknown) => ({ seq: id, request, error }),
      ),
    );
  };
  const spare = () => Math.max(0, Math.floor(options.concurrency()) - partition.active);

  for (const request of partition.start()) launch(request);
  while (inFlight.size > 0) {
    const done = await Promise.race(inFlight.values());
    inFlight.delete(done.seq);
    // The other pages in flight are left to finish unread: the region is reported as failed.
    if ('error' in done) throw done.error;
    const settled = partition.settle(done.request.worker, done.page, spare());
    // Taken before more pages are fetched: what this batch leaves, whatever else arrives meanwhile.
    const left = partition.remaining();
    for (const request of settled.requests) launch(request);
    for (const request of partition.grow(spare())) launch(request);
    if (settled.items.length > 0) yield { items: settled.items, left };
  }
  options.onComplete?.({ windows: partition.windows });
  yield { items: [], left: [] };
}
