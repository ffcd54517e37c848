import { describe, expect, it } from 'vitest';
import { type ListingBatch, listPartitioned, type PageSource } from '../../../functions/aws/partition.ts';
import type { TimeRange } from '../../../functions/engine/windows.ts';
import { FakeListingApi, type FakeSnapshot } from '../../helpers/listing-api.ts';

const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 30 * 86_400_000;
const PAGE = 5;

/** 60 snapshots a day apart over the month, plus 20 created in the same millisecond: many pages, a dense second. */
const FLEET: FakeSnapshot[] = [
  ...Array.from({ length: 60 }, (_, i) => ({ key: `a${i}`, createdMs: T0 + i * 43_200_000 })),
  ...Array.from({ length: 20 }, (_, i) => ({ key: `same${i}`, createdMs: T0 + 86_400_000 })),
];
const EAGER = { pageSize: PAGE, nowMs: NOW, tailPages: 1, splitPages: 2, concurrency: () => 4 };

const sourceOf = (api: FakeListingApi, sorted = true): PageSource<FakeSnapshot> => ({
  sorted,
  fetch: async (request) => api.page(request),
});
const within = (t: number, ranges: TimeRange[]) =>
  ranges.some((r) => (r.from === undefined || t >= r.from) && (r.to === undefined || t < r.to));

async function collect(
  listing: AsyncGenerator<ListingBatch<FakeSnapshot>>,
): Promise<ListingBatch<FakeSnapshot>[]> {
  const batches: ListingBatch<FakeSnapshot>[] = [];
  for await (const batch of listing) batches.push(batch);
  return batches;
}

describe('listPartitioned', () => {
  it('says with each batch what is left, and ends with an empty batch once the listing is complete', async () => {
    const api = new FakeListingApi({ pageSize: PAGE, order: 'ms', filterPrecision: 'ms' }, FLEET);
    let completed = 0;

    const batches = await collect(
      listPartitioned(sourceOf(api), { ...EAGER, onComplete: () => completed++ }),
    );

    const returned = new Set<string>();
    for (const { items, left } of batches) {
      for (const s of items) returned.add(s.key);
      for (const s of FLEET) expect(within(s.createdMs, left)).toBe(!returned.has(s.key));
    }
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.at(-2)?.items.length).toBeGreaterThan(0);
    expect(batches.at(-1)).toEqual({ items: [], left: [] });
    expect(returned.size).toBe(FLEET.length);
    expect(completed).toBe(1);
  });

  it('resumes from what the batch it stopped after left: the rest, none twice, pages fetched beyond it read again', async () => {
    const api = new FakeListingApi({ pageSize: PAGE, order: 'ms', filterPrecision: 'ms' }, FLEET);
    const before: string[] = [];
    let left: TimeRange[] = [{}];
    for await (const batch of listPartitioned(sourceOf(api), EAGER)) {
      before.push(...batch.items.map((s) => s.key));
      left = batch.left;
      if (before.length >= 20) break;
    }

    const after = (await collect(listPartitioned(sourceOf(api), { ...EAGER, ranges: left }))).flatMap((b) =>
      b.items.map((s) => s.key),
    );

    expect(left.length).toBeGreaterThan(0);
    expect(new Set(after).size).toBe(after.length);
    expect([...before, ...after].sort()).toEqual(FLEET.map((s) => s.key).sort());
  });

  it('resumes an unsorted listing without missing a snapshot', async () => {
    const api = new FakeListingApi({ pageSize: PAGE, order: 'none', filterPrecision: 'ms' }, FLEET);
    const before: string[] = [];
    let left: TimeRange[] = [{}];
    for await (const batch of listPartitioned(sourceOf(api, false), EAGER)) {
      before.push(...batch.items.map((s) => s.key));
      left = batch.left;
      if (before.length >= 20) break;
    }

    const after = (await collect(listPartitioned(sourceOf(api, false), { ...EAGER, ranges: left }))).flatMap(
      (b) => b.items.map((s) => s.key),
    );

    expect(left.length).toBeGreaterThan(0);
    expect(new Set([...before, ...after])).toEqual(new Set(FLEET.map((s) => s.key)));
  });

  it('makes no call when nothing is left to list, and says the listing is complete', async () => {
    const api = new FakeListingApi({ pageSize: PAGE, order: 'ms', filterPrecision: 'ms' }, FLEET);

    const batches = await collect(listPartitioned(sourceOf(api), { ...EAGER, ranges: [] }));

    expect(batches).toEqual([{ items: [], left: [] }]);
    expect(api.calls).toBe(0);
  });
});
