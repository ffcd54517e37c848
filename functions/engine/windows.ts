/**
 * How a region's snapshots are split into creation-time windows that are listed concurrently,
 * each snapshot seen exactly once. Pure bookkeeping: the caller fetches the pages it asks for
 * (functions/aws/partition.ts) and hands them back.
 *
 * Both listing APIs filter on creation time, inclusive at both ends (DescribeClusterSnapshots:
 * "created at or after" StartTime, "at or before" EndTime). Queries therefore ask for a little
 * more than a window owns, and ownership is decided here, by the creation time each answer
 * reports: a window owns the half-open range [lo, hi), adjacent windows share a boundary, and a
 * snapshot exactly on it belongs to the later window only. Every boundary is a whole second, so
 * a service that compared times to the second would still return a superset of what each window
 * owns. The windows' ranges tile the ranges asked for (the whole time line unless told
 * otherwise), so nothing can fall between two of them.
 *
 * A listing can stop part-way and be resumed: `remaining()` names the creation-time ranges whose
 * records have not been returned yet, and a new partition given those ranges lists exactly them.
 */

/**
 * A creation-time range [from, to) in epoch ms; an absent end is open (−∞ or +∞), and `[{}]` is
 * the whole time line. A record with no creation time lies before every instant: only in a range
 * whose `from` is absent.
 */
export type TimeRange = { from?: number; to?: number };

/** A listing query: creation-time bounds in epoch ms (whole seconds, inclusive) and order. */
export type WindowQuery = { start?: number; end?: number; order: 'asc' | 'desc' };

/** The next page the caller should fetch: `worker`'s query, from `token` (none for its first page). */
export type PageRequest = { worker: number; query: WindowQuery; token?: string };

/** One listed record as the partition sees it: its creation time and a unique key (the ARN). */
export type Listed<T> = { value: T; createdMs: number | undefined; key: string };

export type ListedPage<T> = { items: Listed<T>[]; token?: string };

/** What a page settles: the records now known to be this listing's (each exactly once), and what to fetch next. */
export type Settled<T> = { items: T[]; requests: PageRequest[] };

export type PartitionOptions = {
  /** The clock the open-ended last window is measured against. */
  nowMs: number;
  /** Records a full page holds (100 for both APIs). */
  pageSize: number;
  /**
   * Pages a region must be estimated to still hold before it is listed from both ends, and before
   * a range is split again. Each new window costs at most one extra, partly filled page, so a
   * split pays only on a range many pages long; a small region is never split at all.
   */
  tailPages?: number;
  splitPages?: number;
  /**
   * The creation-time ranges to list, disjoint, in any order; default `[{}]`, everything. A
   * resumed listing passes the `remaining()` of the one that stopped.
   */
  ranges?: TimeRange[];
};

/** A page out of the order its query asked for: the partition cannot vouch for what it owns. */
export class ListingOrderError extends Error {
  override name = 'ListingOrderError';
}

/** The common face of both strategies below. */
export interface Partition<T> {
  /**
   * The first requests, called once: one for each range asked for (in order of `from`; empty
   * ranges dropped, touching ones joined), none for `[]`. For the default `[{}]`, the one call a
   * plain listing makes.
   */
  start(): PageRequest[];
  settle(worker: number, page: ListedPage<T>, spare: number): Settled<T>;
  /** Up to `spare` more concurrent requests, where splitting a range still pays. */
  grow(spare: number): PageRequest[];
  /**
   * The creation-time ranges whose records have not been returned by `settle` yet: what a
   * listing that stops now leaves to the next one, sorted by `from`, touching ranges joined, `[]`
   * once everything is listed. Pages in flight and records held back count as not returned.
   */
  remaining(): TimeRange[];
  /** Windows opened so far (each started with a first page). */
  readonly windows: number;
  /** Workers still listing. */
  readonly active: number;
}

const SECOND = 1000;
const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const timeOf = <T>(item: Listed<T>) => item.createdMs ?? Number.NEGATIVE_INFINITY;
const ceilSecond = (ms: number) => Math.ceil(ms / SECOND) * SECOND;
const bound = (ms: number) => (Number.isFinite(ms) ? ms : undefined);

/** A range as numbers: [lo, hi), −∞ and +∞ for open ends. */
type Span = { lo: number; hi: number };

const byLo = (a: Span, b: Span) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0);

/** Sorted by `lo`, empty spans dropped, touching or overlapping ones joined. */
function joined(spans: Iterable<Span>): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].filter((x) => x.lo < x.hi).sort(byLo)) {
    const last = out[out.length - 1];
    if (last && s.lo <= last.hi) last.hi = Math.max(last.hi, s.hi);
    else out.push({ lo: s.lo, hi: s.hi });
  }
  return out;
}

/** The ranges a partition is asked to list; overlapping ones would list their common records twice. */
function spansOf(ranges: readonly TimeRange[] = [{}]): Span[] {
  const spans = ranges.map((r) => ({
    lo: r.from ?? Number.NEGATIVE_INFINITY,
    hi: r.to ?? Number.POSITIVE_INFINITY,
  }));
  if (spans.some((s) => Number.isNaN(s.lo) || Number.isNaN(s.hi)))
    throw new RangeError('a creation-time range has a bound that is not a number');
  const sorted = spans.filter((s) => s.lo < s.hi).sort(byLo);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1] as Span, sorted[i] as Span];
    if (b.lo < a.hi)
      throw new RangeError(`creation-time ranges overlap: [${a.lo}, ${a.hi}) and [${b.lo}, ${b.hi})`);
  }
  return joined(sorted);
}

const rangesOf = (spans: Iterable<Span>): TimeRange[] =>
  joined(spans).map(({ lo, hi }) => ({
    ...(Number.isFinite(lo) ? { from: lo } : {}),
    ...(Number.isFinite(hi) ? { to: hi } : {}),
  }));

/**
 * The query for [lo, hi): whole seconds around it, as the filters are inclusive and may compare
 * to the second; an open end has no filter, so the whole time line is the plain listing's query.
 */
const spanQuery = (lo: number, hi: number, order: 'asc' | 'desc'): WindowQuery => ({
  ...(Number.isFinite(lo) ? { start: floorSecond(lo) } : {}),
  ...(Number.isFinite(hi) ? { end: ceilSecond(hi) } : {}),
  order,
});

type Worker<T> = {
  id: number;
  dir: 'asc' | 'desc';
  gap: Gap<T>;
  query: WindowQuery;
  done: boolean;
  /** Records of the last page in the second the worker has not finished yet: not claimed by anyone. */
  buffer: Listed<T>[];
  /** The second of the last record seen, to check the order. */
  lastSecond?: number;
  /** Records per ms over its last full page: how dense the range is where it is. */
  density?: number;
};

/** The part of a range nobody has claimed yet: [lo, hi). `asc` claims upward from lo, `desc` downward from hi. */
type Gap<T> = { lo: number; hi: number; asc: Worker<T>; desc?: Worker<T> };

/**
 * For listings sorted by creation time (DescribeClusterSnapshots with SortingEntities
 * CREATE_TIME): each range is listed from both ends at once, ascending from its start and
 * descending from its end, and the two meet wherever the snapshots are. A worker claims only
 * what it has seen completely: everything before the second of its last record (ascending) or
 * after it (descending). The records of that last second wait in its buffer until one side has
 * passed them, so snapshots with identical timestamps across a page boundary are never lost or
 * doubled. A range still estimated to be long is split at its estimated half-way point, with a
 * new pair of workers meeting there; each meeting costs at most one partly filled page.
 *
 * `remaining()` is the gaps nobody has claimed yet, records waiting in a buffer included: each
 * record is either returned or inside one of them, never both. Resuming from it therefore lists
 * exactly what was not returned, nothing twice.
 *
 * @example
 * const p = new SortedPartition<Snapshot>({ nowMs: Date.now(), pageSize: 100 });
 * const pending = p.start(); // [{ worker: 0, query: { order: 'asc' } }]: a plain listing's first call
 * // for each page fetched: const { items, requests } = p.settle(request.worker, page, spare);
 * // judge `items`, fetch `requests` and `p.grow(spare)`, until nothing is pending;
 * // or stop, and list p.remaining() (e.g. [{ from: 1767225600000 }]) in the next invocation:
 * const rest = new SortedPartition<Snapshot>({ nowMs: Date.now(), pageSize: 100, ranges: p.remaining() });
 */
export class SortedPartition<T> implements Partition<T> {
  private readonly workers = new Map<number, Worker<T>>();
  private readonly gaps = new Set<Gap<T>>();
  private readonly options: Required<Omit<PartitionOptions, 'ranges'>>;
  private readonly spans: Span[];
  private started = false;
  private next = 0;

  constructor(options: PartitionOptions) {
    const { ranges, ...rest } = options;
    this.options = { tailPages: 8, splitPages: 14, ...rest };
    this.spans = spansOf(ranges);
  }

  get windows(): number {
    return this.next;
  }

  get active(): number {
    let n = 0;
    for (const w of this.workers.values()) if (!w.done) n++;
    return n;
  }

  start(): PageRequest[] {
    if (this.started) throw new Error('a listing partition starts once');
    this.started = true;
    return this.spans.map(({ lo, hi }) => {
      const gap = { lo, hi } as Gap<T>;
      gap.asc = this.worker('asc', gap, spanQuery(lo, hi, 'asc'));
      this.gaps.add(gap);
      return { worker: gap.asc.id, query: gap.asc.query };
    });
  }

  remaining(): TimeRange[] {
    return rangesOf(this.started ? this.gaps : this.spans);
  }

  settle(id: number, page: ListedPage<T>): Settled<T> {
    const w = this.workers.get(id);
    if (!w) throw new Error(`no listing worker ${id}`);
    this.checkOrder(w, page);
    // A worker retired while its page was in flight: whoever claimed its range has these records.
    if (w.done) return { items: [], requests: [] };
    const gap = w.gap;
    const items = page.items;
    const last = items[items.length - 1];
    const pool = w.buffer.length > 0 ? [...w.buffer, ...items] : items;
    const emitted: T[] = [];
    const buffer: Listed<T>[] = [];
    if (w.dir === 'asc') {
      // Everything before the second of the last record has been seen; the end of the listing, everything.
      const complete =
        page.token === undefined ? Number.POSITIVE_INFINITY : last ? floorSecond(timeOf(last)) : gap.lo;
      const lo = Math.max(gap.lo, Math.min(complete, gap.hi));
      for (const item of pool) {
        const t = timeOf(item);
        if (t >= gap.lo && t < lo) emitted.push(item.value);
        else if (t >= lo && t < gap.hi) buffer.push(item);
      }
      gap.lo = lo;
    } else {
      const complete =
        page.token === undefined
          ? Number.NEGATIVE_INFINITY
          : last
            ? floorSecond(timeOf(last)) + SECOND
            : gap.hi;
      const hi = Math.min(gap.hi, Math.max(complete, gap.lo));
      for (const item of pool) {
        const t = timeOf(item);
        if (t >= hi && t < gap.hi) emitted.push(item.value);
        else if (t >= gap.lo && t < hi) buffer.push(item);
      }
      gap.hi = hi;
    }
    w.buffer = buffer;
    this.measure(w, page);
    if (gap.lo >= gap.hi) {
      this.close(gap);
      return { items: emitted, requests: [] };
    }
    const requests: PageRequest[] = [];
    const other = w.dir === 'asc' ? gap.desc : gap.asc;
    if (page.token === undefined) {
      // Unreachable: a listing that ended has seen its whole range, which closes the gap.
      w.done = true;
    } else if (other && !other.done && this.pagesLeft(gap) < 1) {
      // Either side alone lists the rest and stops one page past the other's frontier: with
      // less than a page left, a second final page would only fetch the same records twice.
      this.retire(w);
    } else {
      requests.push({ worker: w.id, query: w.query, token: page.token });
    }
    // Within one second only the ascending side can tell that it has all of it, so the
    // descending side steps back; unless the ascending side already has, then it finishes alone.
    if (gap.hi - gap.lo <= SECOND && gap.desc && !gap.desc.done && !gap.asc.done) this.retire(gap.desc);
    return { items: emitted, requests: requests.filter((r) => !this.workers.get(r.worker)?.done) };
  }

  grow(spare: number): PageRequest[] {
    const requests: PageRequest[] = [];
    while (spare > 0) {
      const pick = this.bestCandidate();
      if (!pick) break;
      if (pick.kind === 'tail') {
        const g = pick.gap;
        const desc = this.worker('desc', g, spanQuery(g.lo, g.hi, 'desc'));
        g.desc = desc;
        requests.push({ worker: desc.id, query: desc.query });
        spare -= 1;
      } else {
        requests.push(...this.split(pick.gap, pick.at));
        spare -= 2;
      }
    }
    return requests;
  }

  /** The gap most worth a new worker: the longest estimated, if long enough to pay. */
  private bestCandidate(): { kind: 'tail' | 'split'; gap: Gap<T>; at: number } | undefined {
    let best: { kind: 'tail' | 'split'; gap: Gap<T>; at: number; pages: number } | undefined;
    for (const g of this.gaps) {
      if (!Number.isFinite(g.lo)) continue;
      if (!g.desc) {
        const pages = this.estimatePages(g, g.asc.density);
        if (pages >= this.options.tailPages && (!best || pages > best.pages))
          best = { kind: 'tail', gap: g, at: 0, pages };
        continue;
      }
      if (g.desc.done || g.asc.density === undefined || g.desc.density === undefined) continue;
      // Between the densities at either end; their geometric mean, as density varies by orders of magnitude.
      const density = Math.sqrt(g.asc.density * g.desc.density);
      const pages = this.estimatePages(g, density);
      if (pages < this.options.splitPages || (best && pages <= best.pages)) continue;
      const at = this.splitPoint(g);
      if (at !== undefined) best = { kind: 'split', gap: g, at, pages };
    }
    return best;
  }

  /** What is left between the two sides, at the denser side's rate (so as not to retire one too early). */
  private pagesLeft(g: Gap<T>): number {
    const densities = [g.asc.density, g.desc?.density].filter((d) => d !== undefined);
    return densities.length === 0 ? Number.POSITIVE_INFINITY : this.estimatePages(g, Math.max(...densities));
  }

  private estimatePages(g: Gap<T>, density: number | undefined): number {
    if (density === undefined) return 0;
    const hi = Math.min(g.hi, this.options.nowMs + SECOND);
    const span = Math.max(0, hi - g.lo);
    return span === 0 ? 0 : (span * density) / this.options.pageSize;
  }

  /**
   * Where half the gap's snapshots are expected: densities measured at both ends, assumed to
   * change geometrically in between, so a split lands near the dense end (recent snapshots are
   * usually the dense ones). A whole second with at least a second on either side, or none.
   */
  private splitPoint(g: Gap<T>): number | undefined {
    const lo = g.lo;
    const hi = Math.min(g.hi, floorSecond(this.options.nowMs) + SECOND);
    const a = g.asc.density ?? 0;
    const d = g.desc?.density ?? 0;
    let x = 0.5;
    if (a > 0 && d > 0 && Number.isFinite(a) && Number.isFinite(d)) {
      const r = d / a;
      if (Math.abs(Math.log(r)) > 0.01) x = Math.log((r + 1) / 2) / Math.log(r);
    }
    x = Math.min(0.9, Math.max(0.1, x));
    const at = Math.min(floorSecond(lo + x * (hi - lo)), hi - SECOND);
    return at >= lo + SECOND ? Math.max(at, lo + SECOND) : undefined;
  }

  /** [lo, hi) becomes [lo, at) and [at, hi), each with a worker pair; the old workers keep their ends. */
  private split(g: Gap<T>, at: number): PageRequest[] {
    const desc = g.desc as Worker<T>;
    const lower = { lo: g.lo, hi: at, asc: g.asc } as Gap<T>;
    const upper = { lo: at, hi: g.hi, desc } as Gap<T>;
    lower.desc = this.worker('desc', lower, spanQuery(g.lo, at, 'desc'));
    upper.asc = this.worker('asc', upper, spanQuery(at, g.hi, 'asc'));
    g.asc.gap = lower;
    desc.gap = upper;
    this.gaps.delete(g);
    this.gaps.add(lower);
    this.gaps.add(upper);
    return [
      { worker: lower.desc.id, query: lower.desc.query },
      { worker: upper.asc.id, query: upper.asc.query },
    ];
  }

  private worker(dir: 'asc' | 'desc', gap: Gap<T>, query: WindowQuery): Worker<T> {
    const w: Worker<T> = { id: this.next++, dir, gap, query, done: false, buffer: [] };
    this.workers.set(w.id, w);
    return w;
  }

  private retire(w: Worker<T>): void {
    w.done = true;
    w.buffer = [];
  }

  private close(g: Gap<T>): void {
    this.retire(g.asc);
    if (g.desc) this.retire(g.desc);
    this.gaps.delete(g);
  }

  private checkOrder(w: Worker<T>, page: ListedPage<T>): void {
    let previous = w.lastSecond;
    for (const item of page.items) {
      const s = floorSecond(timeOf(item));
      if (previous !== undefined && (w.dir === 'asc' ? s < previous : s > previous)) {
        throw new ListingOrderError(
          `a listing sorted by creation time (${w.dir}) returned a snapshot created at ` +
            `${new Date(timeOf(item)).toISOString()} after one created in a ${w.dir === 'asc' ? 'later' : 'earlier'} second`,
        );
      }
      previous = s;
    }
    w.lastSecond = previous;
  }

  /** Records per ms across a full page: where the worker is, how many snapshots a ms of range holds. */
  private measure(w: Worker<T>, page: ListedPage<T>): void {
    const { items } = page;
    if (items.length < this.options.pageSize || page.token === undefined) return;
    const first = timeOf(items[0] as Listed<T>);
    const last = timeOf(items[items.length - 1] as Listed<T>);
    const span = Math.abs(last - first);
    w.density = span > 0 && Number.isFinite(span) ? items.length / span : Number.POSITIVE_INFINITY;
  }
}

type Window = { id: number; lo: number; hi: number; query: WindowQuery; firstDone: boolean; done: boolean };

/**
 * For listings in no documented order (Redshift Serverless ListSnapshots has no sort): each
 * window is listed to its end. A window whose first page carries a token and predicts a long
 * range is split instead of continued; the snapshots on that first page are kept, and their ARNs
 * are remembered so the smaller windows, which list them again, drop them. A split therefore
 * costs about one page, and only ranges estimated many pages long are split.
 *
 * `remaining()` is the range of every window not finished yet: a window listed in no order
 * cannot tell which of its records it has returned, so a listing resumed from it may return some
 * records a second time (those already returned from an unfinished window, or from the first page
 * of a window split into it). It never misses one.
 *
 * @example
 * const p = new UnsortedPartition<Snapshot>({ nowMs: Date.now(), pageSize: 100 });
 * const [first] = p.start();
 * const { requests } = p.settle(first.worker, firstPage, 7); // the window's own token, or its parts
 * p.remaining(); // [{}] while no window has finished; [] once every window has
 */
export class UnsortedPartition<T> implements Partition<T> {
  private readonly list = new Map<number, Window>();
  private readonly seen = new Set<string>();
  private readonly options: Required<Omit<PartitionOptions, 'ranges'>>;
  private readonly spans: Span[];
  private started = false;
  private next = 0;

  constructor(options: PartitionOptions) {
    const { ranges, ...rest } = options;
    this.options = { tailPages: 8, splitPages: 16, ...rest };
    this.spans = spansOf(ranges);
  }

  get windows(): number {
    return this.next;
  }

  get active(): number {
    let n = 0;
    for (const w of this.list.values()) if (!w.done) n++;
    return n;
  }

  start(): PageRequest[] {
    if (this.started) throw new Error('a listing partition starts once');
    this.started = true;
    return this.spans.map(({ lo, hi }) => {
      const w = this.window(lo, hi);
      return { worker: w.id, query: w.query };
    });
  }

  remaining(): TimeRange[] {
    if (!this.started) return rangesOf(this.spans);
    const open: Window[] = [];
    for (const w of this.list.values()) if (!w.done) open.push(w);
    return rangesOf(open);
  }

  settle(id: number, page: ListedPage<T>, spare: number): Settled<T> {
    const w = this.list.get(id);
    if (!w) throw new Error(`no listing window ${id}`);
    const owned: Listed<T>[] = [];
    for (const item of page.items) {
      const t = timeOf(item);
      if (t >= w.lo && t < w.hi && !this.seen.has(item.key)) owned.push(item);
    }
    const items = owned.map((item) => item.value);
    const firstPage = !w.firstDone;
    w.firstDone = true;
    if (page.token === undefined) {
      w.done = true;
      return { items, requests: [] };
    }
    const cuts = firstPage && spare > 0 ? this.cuts(w, page, Math.min(spare + 1, 4)) : [];
    if (cuts.length === 0) return { items, requests: [{ worker: w.id, query: w.query, token: page.token }] };
    // Only what this window owns: another window's records on this page are still that window's.
    for (const item of owned) this.seen.add(item.key);
    w.done = true;
    const edges = [w.lo, ...cuts, w.hi];
    const requests: PageRequest[] = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      const child = this.window(edges[i] as number, edges[i + 1] as number);
      requests.push({ worker: child.id, query: child.query });
    }
    return { items, requests };
  }

  /** Unsorted windows only split on their own first page. */
  grow(): PageRequest[] {
    return [];
  }

  /**
   * Where to cut a window whose first page has a token, or nowhere when the page does not
   * predict enough pages. A page that looks sorted covers the window's oldest records, so the
   * rest of the range is cut evenly in time; otherwise the page is taken as a sample and cut at
   * its quantiles. Whole seconds, strictly inside the window.
   */
  private cuts(w: Window, page: ListedPage<T>, parts: number): number[] {
    const times = page.items.map(timeOf).filter(Number.isFinite);
    if (times.length < 2) return [];
    const sorted = times.every((t, i) => i === 0 || t >= (times[i - 1] as number));
    const min = Math.min(...times);
    const max = Math.max(...times);
    const hi = Math.min(w.hi, floorSecond(this.options.nowMs) + SECOND);
    if (max <= min || hi <= max) return [];
    const pages = (page.items.length * (hi - min)) / (max - min) / this.options.pageSize;
    if (pages < this.options.splitPages) return [];
    const candidates: number[] = [];
    if (sorted) {
      const from = floorSecond(max) + SECOND;
      candidates.push(from);
      for (let i = 1; i < parts - 1; i++)
        candidates.push(floorSecond(from + ((hi - from) * i) / (parts - 1)));
    } else {
      const ordered = [...times].sort((a, b) => a - b);
      for (let i = 1; i < parts; i++)
        candidates.push(floorSecond(ordered[Math.floor((ordered.length * i) / parts)] as number));
    }
    const lo = w.lo;
    return [...new Set(candidates)].filter((c) => c > lo && c < w.hi).sort((a, b) => a - b);
  }

  private window(lo: number, hi: number): Window {
    const w: Window = {
      id: this.next++,
      lo,
      hi,
      query: { start: bound(floorSecond(lo)), end: bound(ceilSecond(hi)), order: 'asc' },
      firstDone: false,
      done: false,
    };
    this.list.set(w.id, w);
    return w;
  }
}
