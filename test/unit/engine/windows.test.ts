import { describe, expect, it } from 'vitest';
import {
  type Listed,
  ListingOrderError,
  type PageRequest,
  type Partition,
  SortedPartition,
  UnsortedPartition,
} from '../../../functions/engine/windows.ts';
import { FakeListingApi, type FakeSnapshot } from '../../helpers/listing-api.ts';

const T0 = Date.UTC(2026, 9, 1);
const NOW = T0 + 30 * 86_400_000;
const at = (key: string, ms: number): Listed<string> => ({ value: key, createdMs: ms, key });
/** `n` records one minute apart from `from`. */
const run = (prefix: string, from: number, n: number, stepMs = 60_000) =>
  Array.from({ length: n }, (_, i) => at(`${prefix}${i}`, from + i * stepMs));
/** The one request a partition starts with (over the whole time line). */
const opening = <T>(p: Partition<T>): PageRequest => {
  const [request, ...more] = p.start();
  if (!request || more.length > 0) throw new Error('expected exactly one first request');
  return request;
};
/** `n` snapshots one minute apart from `from`, as the fake listing API keeps them. */
const fleet = (prefix: string, from: number, n: number): FakeSnapshot[] =>
  run(prefix, from, n).map(({ key, createdMs }) => ({ key, createdMs: createdMs as number }));

/** Lists through `api` until nothing is pending or `stopAfter` pages have settled; the keys returned, in order. */
function drain(
  api: FakeListingApi,
  p: Partition<FakeSnapshot>,
  stopAfter = Number.POSITIVE_INFINITY,
): string[] {
  const keys: string[] = [];
  const pending = p.start();
  for (let settled = 0; pending.length > 0 && settled < stopAfter; settled++) {
    // Newest request first, so that windows opened by growing are read before the first finishes.
    const request = pending.pop() as PageRequest;
    const { items, requests } = p.settle(request.worker, api.page(request), 2);
    keys.push(...items.map((s) => s.key));
    pending.push(...requests, ...p.grow(2));
  }
  return keys;
}

describe('SortedPartition', () => {
  it('starts with exactly the request a plain listing makes, sorted by creation time', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });

    expect(p.start()).toStrictEqual([{ worker: 0, query: { order: 'asc' } }]);
  });

  it('holds the records of a page’s last second until the next page shows that second complete', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3, tailPages: 1e9 });
    const { worker } = opening(p);

    const first = p.settle(worker, {
      items: [at('a', T0), at('b', T0 + 5_000), at('c', T0 + 5_100)],
      token: 't1',
    });
    const second = p.settle(worker, { items: [at('d', T0 + 5_200), at('e', T0 + 9_000)], token: undefined });

    expect(first.items).toEqual(['a']);
    expect(first.requests).toEqual([{ worker, query: { order: 'asc' }, token: 't1' }]);
    expect(second.items).toEqual(['b', 'c', 'd', 'e']);
    expect(second.requests).toEqual([]);
  });

  it('lists a small region in one window: no second worker while its pages predict few more', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = opening(p);
    // Three records spread over ten days predict about three more pages in the twenty days left.
    p.settle(worker, { items: run('a', T0, 3, 5 * 86_400_000), token: 't' });

    expect(p.grow(8)).toEqual([]);
    expect(p.windows).toBe(1);
  });

  it('also lists a long region newest first once its first page predicts many pages', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = opening(p);
    p.settle(worker, { items: run('a', T0, 3), token: 't' });

    const grown = p.grow(8);

    expect(grown).toEqual([{ worker: 1, query: { start: T0 + 120_000, order: 'desc' } }]);
  });

  it('splits a long range between its two ends, with a new pair of workers meeting there', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = opening(p);
    p.settle(worker, { items: run('a', T0, 3), token: 't' });
    const [tail] = p.grow(8);
    p.settle(tail?.worker ?? -1, { items: run('z', NOW - 180_000, 3).reverse(), token: 'u' });

    const grown = p.grow(8);

    expect(grown).toHaveLength(2);
    const [down, up] = grown;
    expect(down?.query.order).toBe('desc');
    expect(up?.query.order).toBe('asc');
    expect(down?.query.end).toBe(up?.query.start);
    expect((up?.query.start ?? 0) % 1000).toBe(0);
    expect(up?.query.start).toBeGreaterThan(T0 + 120_000);
    expect(up?.query.start).toBeLessThan(NOW - 180_000);
  });

  it('starts one listing per range and lists exactly the records inside them', () => {
    const api = new FakeListingApi({ pageSize: 3, order: 'ms', filterPrecision: 'ms' }, fleet('a', T0, 30));
    const p = new SortedPartition<FakeSnapshot>({
      nowMs: NOW,
      pageSize: 3,
      ranges: [{ from: T0 + 20 * 60_000, to: T0 + 25 * 60_000 }, { to: T0 + 5 * 60_000 }],
    });

    expect(p.start()).toStrictEqual([
      { worker: 0, query: { end: T0 + 5 * 60_000, order: 'asc' } },
      { worker: 1, query: { start: T0 + 20 * 60_000, end: T0 + 25 * 60_000, order: 'asc' } },
    ]);
    const again = new SortedPartition<FakeSnapshot>({
      nowMs: NOW,
      pageSize: 3,
      ranges: [{ from: T0 + 20 * 60_000, to: T0 + 25 * 60_000 }, { to: T0 + 5 * 60_000 }],
    });
    // A snapshot exactly on `to` is the next range's: a5 and a25 are not listed, a20 is.
    expect(drain(api, again).sort()).toEqual([
      'a0',
      'a1',
      'a2',
      'a20',
      'a21',
      'a22',
      'a23',
      'a24',
      'a3',
      'a4',
    ]);
    expect(again.remaining()).toEqual([]);
  });

  it('names as remaining the gaps nobody has claimed, with a page’s last second still waiting', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    expect(p.remaining()).toEqual([{}]);
    const { worker } = opening(p);
    expect(p.remaining()).toEqual([{}]);

    p.settle(worker, { items: [at('a', T0), at('b', T0 + 5_000), at('c', T0 + 5_100)], token: 't1' });
    // b and c wait for the next page to show their second complete: not returned, so still remaining.
    expect(p.remaining()).toEqual([{ from: T0 + 5_000 }]);

    const [tail] = p.grow(1);
    p.settle(tail?.worker ?? -1, {
      items: [at('z', NOW - 1_000), at('y', NOW - 59_700), at('x', NOW - 59_900)],
      token: 'u1',
    });
    expect(p.remaining()).toEqual([{ from: T0 + 5_000, to: NOW - 59_000 }]);

    const last = p.settle(worker, {
      items: [at('d', T0 + 5_200), at('x', NOW - 59_900), at('y', NOW - 59_700)],
      token: undefined,
    });
    expect(last.items).toEqual(['b', 'c', 'd', 'x', 'y']);
    expect(p.remaining()).toEqual([]);
  });

  it('resumes a stopped listing from remaining(): exactly the records not returned, none twice', () => {
    // Twelve snapshots created in the same millisecond span several pages, amid a month of others.
    const same = Array.from({ length: 12 }, (_, i) => ({ key: `same${i}`, createdMs: T0 + 86_400_000 }));
    const snapshots = [...fleet('a', T0, 40), ...same, ...fleet('b', NOW - 86_400_000, 40)];
    const api = new FakeListingApi({ pageSize: 3, order: 'ms', filterPrecision: 'ms' }, snapshots);
    const stopped = new SortedPartition<FakeSnapshot>({
      nowMs: NOW,
      pageSize: 3,
      tailPages: 1,
      splitPages: 2,
    });

    const before = drain(api, stopped, 12);
    const left = stopped.remaining();
    const after = drain(api, new SortedPartition<FakeSnapshot>({ nowMs: NOW, pageSize: 3, ranges: left }));

    expect(before.length).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(0);
    expect(new Set(after).size).toBe(after.length);
    expect([...before, ...after].sort()).toEqual(snapshots.map((s) => s.key).sort());
  });

  it('lists a record with no creation time in a range open at the start only', () => {
    const undated: Listed<string> = { value: 'undated', createdMs: undefined, key: 'undated' };
    const p = new SortedPartition<string>({
      nowMs: NOW,
      pageSize: 3,
      ranges: [{ to: T0 }, { from: T0 + 60_000 }],
    });
    const [open, later] = p.start();

    const before = p.settle(open?.worker ?? -1, { items: [undated, at('a', T0 - 1_000)] });
    const after = p.settle(later?.worker ?? -1, { items: [undated, at('b', T0 + 60_000)] });

    expect(before.items).toEqual(['undated', 'a']);
    expect(after.items).toEqual(['b']);
  });

  it('makes no call when no range is left, and refuses ranges that overlap', () => {
    const none = new SortedPartition<string>({ nowMs: NOW, pageSize: 3, ranges: [] });

    expect(none.start()).toEqual([]);
    expect(none.remaining()).toEqual([]);
    expect(
      () =>
        new SortedPartition<string>({ nowMs: NOW, pageSize: 3, ranges: [{ to: T0 + 1_000 }, { from: T0 }] }),
    ).toThrow(RangeError);
  });

  it('refuses a page out of the order it asked for', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = opening(p);
    p.settle(worker, { items: [at('b', T0 + 60_000)], token: 't' });

    expect(() => p.settle(worker, { items: [at('a', T0)], token: undefined })).toThrow(ListingOrderError);
  });
});

describe('UnsortedPartition', () => {
  it('starts with exactly the request a plain listing makes', () => {
    const p = new UnsortedPartition<string>({ nowMs: NOW, pageSize: 3 });

    expect(p.start()).toEqual([{ worker: 0, query: { order: 'asc' } }]);
  });

  it('starts one window per range, each listing only what the range holds', () => {
    const p = new UnsortedPartition<string>({
      nowMs: NOW,
      pageSize: 3,
      ranges: [{ from: T0 + 60_000 }, { to: T0 }],
    });
    const [open, later] = p.start();

    const before = p.settle(open?.worker ?? -1, { items: [at('a', T0 - 1_000), at('b', T0)] }, 0);
    const after = p.settle(later?.worker ?? -1, { items: [at('c', T0 + 60_000), at('b', T0)] }, 0);

    expect(open?.query).toEqual({ end: T0, order: 'asc' });
    expect(later?.query).toEqual({ start: T0 + 60_000, order: 'asc' });
    expect(before.items).toEqual(['a']);
    expect(after.items).toEqual(['c']);
  });

  it('counts an unfinished window’s whole range as remaining, and a finished one not at all', () => {
    const p = new UnsortedPartition<string>({ nowMs: NOW, pageSize: 3, splitPages: 1 });
    const { worker } = opening(p);
    const split = p.settle(worker, { items: run('a', T0, 3), token: 't' }, 4);
    const [lowest, second, , highest] = split.requests;
    expect(split.requests).toHaveLength(4);
    // Its first page was returned, but the windows it was split into have yet to be listed.
    expect(p.remaining()).toEqual([{}]);

    p.settle(lowest?.worker ?? -1, { items: run('a', T0, 3) }, 0);
    p.settle(highest?.worker ?? -1, { items: [at('z', NOW - 1_000)] }, 0);
    p.settle(second?.worker ?? -1, { items: [at('b', (second?.query.start ?? 0) + 1)], token: 'u' }, 0);

    expect(p.remaining()).toEqual([{ from: lowest?.query.end, to: highest?.query.start }]);
  });

  it('splits a window on its first page and drops that page’s records from the smaller windows', () => {
    const p = new UnsortedPartition<string>({ nowMs: NOW, pageSize: 3, splitPages: 1 });
    const { worker } = opening(p);

    const first = p.settle(worker, { items: run('a', T0, 3), token: 't' }, 4);
    const [lower] = first.requests;
    const again = p.settle(lower?.worker ?? -1, { items: [...run('a', T0, 3), at('b', T0 + 120_500)] }, 0);

    expect(first.items).toEqual(['a0', 'a1', 'a2']);
    expect(first.requests.length).toBeGreaterThan(1);
    expect(lower?.query).toEqual({ end: expect.any(Number), order: 'asc' });
    expect(again.items).toEqual(['b']);
  });

  it('continues a window whose first page predicts few pages', () => {
    const p = new UnsortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = opening(p);

    const settled = p.settle(worker, { items: run('a', T0, 3, 8 * 86_400_000), token: 't' }, 4);

    expect(settled.requests).toEqual([{ worker, query: { order: 'asc' }, token: 't' }]);
  });
});
