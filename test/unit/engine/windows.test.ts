import { describe, expect, it } from 'vitest';
import {
  type Listed,
  ListingOrderError,
  SortedPartition,
  UnsortedPartition,
} from '../../../functions/engine/windows.ts';

const T0 = Date.UTC(2026, 9, 1);
const NOW = T0 + 30 * 86_400_000;
const at = (key: string, ms: number): Listed<string> => ({ value: key, createdMs: ms, key });
/** `n` records one minute apart from `from`. */
const run = (prefix: string, from: number, n: number, stepMs = 60_000) =>
  Array.from({ length: n }, (_, i) => at(`${prefix}${i}`, from + i * stepMs));

describe('SortedPartition', () => {
  it('starts with exactly the request a plain listing makes, sorted by creation time', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });

    expect(p.first()).toEqual({ worker: 0, query: { order: 'asc' } });
  });

  it('holds the records of a page’s last second until the next page shows that second complete', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3, tailPages: 1e9 });
    const { worker } = p.first();

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
    const { worker } = p.first();
    // Three records spread over ten days predict about three more pages in the twenty days left.
    p.settle(worker, { items: run('a', T0, 3, 5 * 86_400_000), token: 't' });

    expect(p.grow(8)).toEqual([]);
    expect(p.windows).toBe(1);
  });

  it('also lists a long region newest first once its first page predicts many pages', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = p.first();
    p.settle(worker, { items: run('a', T0, 3), token: 't' });

    const grown = p.grow(8);

    expect(grown).toEqual([{ worker: 1, query: { start: T0 + 120_000, order: 'desc' } }]);
  });

  it('splits a long range between its two ends, with a new pair of workers meeting there', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = p.first();
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

  it('refuses a page out of the order it asked for', () => {
    const p = new SortedPartition<string>({ nowMs: NOW, pageSize: 3 });
    const { worker } = p.first();
    p.settle(worker, { items: [at('b', T0 + 60_000)], token: 't' });

    expect(() => p.settle(worker, { items: [at('a', T0)], token: undefined })).toThrow(ListingOrderError);
  });
});

describe('UnsortedPartition', () => {
  it('splits a window on its first page and drops that page’s records from the smaller windows', () => {
    const p = new UnsortedPartition<string>({ nowMs: NOW, pageSize: 3, splitPages: 1 });
    const { worker } = p.first();

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
    const { worker } = p.first();

    const settled = p.settle(worker, { items: run('a', T0, 3, 8 * 86_400_000), token: 't' }, 4);

    expect(settled.requests).toEqual([{ worker, query: { order: 'asc' }, token: 't' }]);
  });
});
