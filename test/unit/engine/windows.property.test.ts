import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listPartitioned } from '../../../functions/aws/partition.ts';
import {
  type PageRequest,
  type Partition,
  SortedPartition,
  type TimeRange,
  UnsortedPartition,
} from '../../../functions/engine/windows.ts';
import { type FakeApiOptions, FakeListingApi, type FakeSnapshot } from '../../helpers/listing-api.ts';

/**
 * Exactly-once coverage: whatever the fleet and however the pages interleave, the windows' union
 * is a plain listing's, with no snapshot twice. The oracle is the fake API's own contents, and
 * the partition is driven with random interleavings, random spare concurrency and thresholds low
 * enough that ranges split again and again.
 */

const T0 = Date.UTC(2026, 0, 1);
const SPAN = 3 * 86_400_000;
const NOW = T0 + SPAN;

/** Creation times the way fleets have them: clustered, identical, on a second, anywhere. */
const createdMs = (centers: number[]) =>
  fc.oneof(
    // Clustered: a few seconds around one of a handful of instants.
    fc.tuple(fc.constantFrom(...centers), fc.integer({ min: 0, max: 5_000 })).map(([c, d]) => c + d),
    // Identical: exactly one of those instants, to the millisecond.
    fc.constantFrom(...centers),
    // Exactly on a whole second, which is where the windows' boundaries are.
    fc.integer({ min: 0, max: SPAN / 1000 }).map((s) => T0 + s * 1000),
    // Anywhere.
    fc.integer({ min: T0, max: NOW }),
  );

const fleetArbOf = (size: fc.SizeForArbitrary) =>
  fc
    .array(fc.integer({ min: T0, max: NOW }), { minLength: 1, maxLength: 4 })
    .chain((centers) => fc.array(createdMs(centers), { maxLength: 400, size }));
const fleetArb = fleetArbOf('small');
/** Fleets of up to a hundred snapshots: many pages, so a listing can stop well inside it. */
const largerFleetArb = fleetArbOf('medium');

const settingsArb = fc.record({
  pageSize: fc.integer({ min: 3, max: 25 }),
  order: fc.constantFrom<FakeApiOptions['order']>('ms', 'second', 'none'),
  filterPrecision: fc.constantFrom<FakeApiOptions['filterPrecision']>('ms', 'second'),
  tailPages: fc.integer({ min: 0, max: 4 }),
  splitPages: fc.integer({ min: 0, max: 6 }),
});

/** A change made while the sweep runs: a snapshot created (at any time, as copies keep theirs) or deleted. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), createdMs: fc.integer({ min: T0, max: NOW + 60_000 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

type Run = { emitted: string[]; windows: number; calls: number; left: TimeRange[] };

/**
 * Drives a partition against the fake API, completing pending pages in the order `pick` chooses;
 * after `stopAfter` pages it stops, as an invocation out of time does, dropping the pages in
 * flight. `observe` sees the keys returned so far and what the partition says remains, after each page.
 */
function run(
  api: FakeListingApi,
  partition: Partition<FakeSnapshot>,
  choices: number[],
  {
    mutate = () => {},
    stopAfter = Number.POSITIVE_INFINITY,
    observe = () => {},
  }: {
    mutate?: (step: number) => void;
    stopAfter?: number;
    observe?: (emitted: string[], left: TimeRange[]) => void;
  } = {},
): Run {
  const emitted: string[] = [];
  const pending: PageRequest[] = partition.start();
  let step = 0;
  while (pending.length > 0 && step < stopAfter) {
    const choice = choices[step % choices.length] ?? 0;
    const [request] = pending.splice(choice % pending.length, 1);
    mutate(step);
    const page = api.page(request as PageRequest);
    const spare = (choice >> 3) % 5;
    const settled = partition.settle((request as PageRequest).worker, page, spare);
    emitted.push(...settled.items.map((s) => s.key));
    observe(emitted, partition.remaining());
    pending.push(...settled.requests, ...partition.grow((choice >> 6) % 5));
    step++;
  }
  return { emitted, windows: partition.windows, calls: api.calls, left: partition.remaining() };
}

function partitionFor(settings: {
  order: FakeApiOptions['order'];
  pageSize: number;
  tailPages: number;
  splitPages: number;
  ranges?: TimeRange[];
}): Partition<FakeSnapshot> {
  const options = {
    nowMs: NOW,
    pageSize: settings.pageSize,
    tailPages: settings.tailPages,
    splitPages: settings.splitPages,
    ...(settings.ranges === undefined ? {} : { ranges: settings.ranges }),
  };
  return settings.order === 'none'
    ? new UnsortedPartition<FakeSnapshot>(options)
    : new SortedPartition<FakeSnapshot>(options);
}

const fleetOf = (times: number[]): FakeSnapshot[] => times.map((t, i) => ({ key: `s${i}`, createdMs: t }));

const within = (t: number, ranges: TimeRange[]) =>
  ranges.some((r) => (r.from === undefined || t >= r.from) && (r.to === undefined || t < r.to));

/** Where successive invocations stop: after 1 to 8 pages each, the last one running to the end. */
const stopsArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 });

describe('partitioned listing', () => {
  it('lists every snapshot exactly once: the union of the windows is the plain listing', () => {
    fc.assert(
      fc.property(
        fleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (times, settings, choices) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);

          const { emitted } = run(api, partitionFor(settings), choices);

          const plain = new Set(fleet.map((s) => s.key));
          expect(emitted).toHaveLength(plain.size);
          expect(new Set(emitted)).toEqual(plain);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('while snapshots come and go: nothing twice, and everything that stayed throughout', () => {
    fc.assert(
      fc.property(
        fleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        fc.array(mutationArb, { maxLength: 40 }),
        (times, settings, choices, mutations) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const everExisted = new Set(fleet.map((s) => s.key));
          const touched = new Set<string>();
          let made = 0;

          const { emitted } = run(api, partitionFor(settings), choices, {
            mutate: (step) => {
              const m = mutations[step];
              if (!m) return;
              if (m.kind === 'create') {
                const key = `new${made++}`;
                api.create({ key, createdMs: m.createdMs });
                everExisted.add(key);
                touched.add(key);
              } else {
                const keys = [...api.snapshots.keys()];
                const key = keys[m.pick % Math.max(1, keys.length)];
                if (key !== undefined) {
                  api.delete(key);
                  touched.add(key);
                }
              }
            },
          });

          expect(new Set(emitted).size).toBe(emitted.length);
          for (const key of emitted) expect(everExisted.has(key)).toBe(true);
          for (const s of fleet) if (!touched.has(s.key)) expect(emitted).toContain(s.key);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists an unsorted API exactly once, however often its windows split', () => {
    const eager = settingsArb.map((s) => ({ ...s, order: 'none' as const, splitPages: 0 }));
    fc.assert(
      fc.property(
        fleetArb,
        eager,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (times, settings, choices) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);

          // Spare capacity on every page, so every first page with a token is split.
          const { emitted } = run(
            api,
            partitionFor(settings),
            choices.map((c) => c | 0b1000),
          );

          expect(emitted).toHaveLength(fleet.length);
          expect(new Set(emitted)).toEqual(new Set(fleet.map((s) => s.key)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('after every page, remaining() holds each snapshot not yet returned, and when sorted none that was', () => {
    fc.assert(
      fc.property(
        largerFleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (times, settings, choices) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);

          run(api, partitionFor(settings), choices, {
            observe: (emitted, left) => {
              const returned = new Set(emitted);
              for (const s of fleet) {
                if (!returned.has(s.key)) expect(within(s.createdMs, left)).toBe(true);
                else if (settings.order !== 'none') expect(within(s.createdMs, left)).toBe(false);
              }
            },
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('resumed from what each stopped listing left, lists the rest: nothing lost, and nothing twice when sorted', () => {
    fc.assert(
      fc.property(
        largerFleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        stopsArb,
        (times, settings, choices, stops) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const emitted: string[] = [];

          let left: TimeRange[] = [{}];
          for (const stopAfter of [...stops, Number.POSITIVE_INFINITY]) {
            const part = run(api, partitionFor({ ...settings, ranges: left }), choices, { stopAfter });
            emitted.push(...part.emitted);
            left = part.left;
            if (left.length === 0) break;
          }

          const plain = new Set(fleet.map((s) => s.key));
          expect(left).toEqual([]);
          expect(new Set(emitted)).toEqual(plain);
          if (settings.order !== 'none') expect(emitted).toHaveLength(plain.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs exactly the plain listing’s calls while the region fits in one window', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer({ min: 5, max: 50 }), (times, pageSize) => {
        const fleet = fleetOf(times);
        const api = new FakeListingApi({ pageSize, order: 'ms', filterPrecision: 'ms' }, fleet);
        // Thresholds no region of this size reaches: the partition must not open a second window.
        const partition = new SortedPartition<FakeSnapshot>({
          nowMs: NOW,
          pageSize,
          tailPages: 1e9,
          splitPages: 1e9,
        });

        const { emitted, windows, calls } = run(api, partition, [0]);

        expect(windows).toBe(1);
        expect(calls).toBe(Math.max(1, Math.ceil(fleet.length / pageSize)));
        expect(emitted).toHaveLength(fleet.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('listPartitioned', () => {
  it('yields every snapshot once, whatever order its concurrent pages come back in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb,
        settingsArb,
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        async (times, settings, s, width) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const source = {
            sorted: settings.order !== 'none',
            fetch: s.scheduleFunction(async (request: PageRequest) => api.page(request)),
          };
          const listing = listPartitioned(source, { ...settings, nowMs: NOW, concurrency: () => width });

          const emitted: string[] = [];
          const reading = (async () => {
            for await (const batch of listing) emitted.push(...batch.items.map((x) => x.key));
          })();
          await s.waitFor(reading);

          expect(emitted).toHaveLength(fleet.length);
          expect(new Set(emitted)).toEqual(new Set(fleet.map((x) => x.key)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('resumed from what the last batch consumed left, lists the rest, though later pages were already fetched', async () => {
    await fc.assert(
      fc.asyncProperty(
        largerFleetArb,
        settingsArb,
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        async (times, settings, s, width, stopAfter) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const source = {
            sorted: settings.order !== 'none',
            fetch: s.scheduleFunction(async (request: PageRequest) => api.page(request)),
          };
          const options = { ...settings, nowMs: NOW, concurrency: () => width };

          const emitted: string[] = [];
          let left: TimeRange[] = [{}];
          const reading = (async () => {
            let batches = 0;
            // Stops right after a batch, with the pages in flight unread, as an invocation out of time does.
            for await (const batch of listPartitioned(source, options)) {
              emitted.push(...batch.items.map((x) => x.key));
              left = batch.left;
              if (++batches === stopAfter) break;
            }
            if (left.length === 0) return;
            for await (const batch of listPartitioned(source, { ...options, ranges: left })) {
              emitted.push(...batch.items.map((x) => x.key));
              left = batch.left;
            }
          })();
          await s.waitFor(reading);

          const plain = new Set(fleet.map((x) => x.key));
          expect(left).toEqual([]);
          expect(new Set(emitted)).toEqual(plain);
          if (source.sorted) expect(emitted).toHaveLength(plain.size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
