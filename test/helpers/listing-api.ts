import type { ListedPage, PageRequest } from '../../functions/engine/windows.ts';

/** A snapshot as the fake listing API keeps it. */
export type FakeSnapshot = { key: string; createdMs: number };

export type FakeApiOptions = {
  pageSize: number;
  /**
   * 'ms': sorted by creation time to the millisecond (ties by key), as the stand-in does;
   * 'second': sorted by the second only, records within a second in an arbitrary order;
   * 'none': no order at all (Redshift Serverless documents none).
   */
  order: 'ms' | 'second' | 'none';
  /** Whether StartTime/EndTime compare to the millisecond or only to the second. */
  filterPrecision: 'ms' | 'second';
};

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

/** A stable pseudo-random rank for records the API returns in no particular order. */
function scramble(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * An in-memory listing API with the semantics the partition relies on, and no more: inclusive
 * StartTime/EndTime on creation time, pages of `pageSize`, and a token that resumes after the
 * last record returned, in the current state (records created or deleted between pages are
 * simply there or not, as on the stand-in).
 */
export class FakeListingApi {
  readonly snapshots = new Map<string, FakeSnapshot>();
  calls = 0;

  constructor(
    readonly options: FakeApiOptions,
    initial: readonly FakeSnapshot[] = [],
  ) {
    for (const s of initial) this.snapshots.set(s.key, s);
  }

  create(s: FakeSnapshot): void {
    this.snapshots.set(s.key, s);
  }

  delete(key: string): void {
    this.snapshots.delete(key);
  }

  /** The position of a record in the listing order (ascending); compared as a tuple. */
  private rank(s: FakeSnapshot): [number, number, string] {
    if (this.options.order === 'none') return [scramble(s.key), 0, s.key];
    if (this.options.order === 'second') return [second(s.createdMs), scramble(s.key), s.key];
    return [s.createdMs, 0, s.key];
  }

  page(request: PageRequest): ListedPage<FakeSnapshot> {
    this.calls++;
    const { start, end } = request.query;
    const t = (s: FakeSnapshot) =>
      this.options.filterPrecision === 'second' ? second(s.createdMs) : s.createdMs;
    const desc = request.query.order === 'desc' && this.options.order !== 'none';
    const compare = (a: [number, number, string], b: [number, number, string]) =>
      a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
    const after =
      request.token === undefined ? undefined : (JSON.parse(request.token) as [number, number, string]);
    const matching = [...this.snapshots.values()]
      .filter((s) => (start === undefined || t(s) >= start) && (end === undefined || t(s) <= end))
      .map((s) => ({ s, r: this.rank(s) }))
      .filter(({ r }) => after === undefined || (desc ? compare(r, after) < 0 : compare(r, after) > 0))
      .sort((a, b) => (desc ? compare(b.r, a.r) : compare(a.r, b.r)));
    const page = matching.slice(0, this.options.pageSize);
    const more = matching.length > page.length;
    const last = page[page.length - 1];
    return {
      items: page.map(({ s }) => ({ value: s, createdMs: s.createdMs, key: s.key })),
      ...(more && last ? { token: JSON.stringify(last.r) } : {}),
    };
  }
}
