import { commonErrors } from '../core/errors.ts';
import { redshiftErrors } from './errors.ts';
import { type SnapshotRecord, type SnapshotType, timeKeyPrefix } from './model.ts';
import type { RedshiftStore } from './store.ts';

export type SortAttribute = 'SOURCE_TYPE' | 'TOTAL_SIZE' | 'CREATE_TIME';
export type SortOrder = 'ASC' | 'DESC';

export interface SnapshotFilter {
  clusterIdentifier?: string | undefined;
  snapshotIdentifier?: string | undefined;
  snapshotArn?: string | undefined;
  snapshotType?: SnapshotType | undefined;
  startTimeMs?: number | undefined;
  endTimeMs?: number | undefined;
  ownerAccount?: string | undefined;
  tagKeys?: string[] | undefined;
  tagValues?: string[] | undefined;
  clusterExists?: boolean | undefined;
  sort?: { attribute: SortAttribute; order: SortOrder }[] | undefined;
}

export interface DescribePage {
  snapshots: SnapshotRecord[];
  marker?: string;
  /** First snapshot of the following page, if any (lets a fault make exactly that one vanish). */
  next?: SnapshotRecord;
}

/** Materialized orders for non-default sorts, rebuilt only when the store changes. */
export type SortCache = Map<string, { version: number; items: SnapshotRecord[] }>;

type SortValue = string | number;

export function describeSnapshots(
  store: RedshiftStore,
  account: string,
  region: string,
  filter: SnapshotFilter,
  page: { marker?: string | undefined; maxRecords: number },
  cache: SortCache,
): DescribePage {
  if (filter.clusterExists === true) {
    if (!filter.clusterIdentifier) {
      throw commonErrors.invalidParameterCombination(
        'ClusterIdentifier is required when ClusterExists is true.',
      );
    }
    if (!store.getCluster(account, region, filter.clusterIdentifier)) {
      throw redshiftErrors.clusterNotFound(filter.clusterIdentifier);
    }
  }
  const matches = predicate(store, account, region, filter);
  if (filter.snapshotIdentifier !== undefined || filter.snapshotArn !== undefined) {
    const found =
      filter.snapshotArn !== undefined
        ? [store.findByArn(account, region, filter.snapshotArn)].filter((s) => s !== undefined)
        : store.findVisible(account, region, filter.snapshotIdentifier as string);
    if (found.length === 0) {
      throw redshiftErrors.snapshotNotFound(filter.snapshotIdentifier ?? filter.snapshotArn ?? '');
    }
    return { snapshots: found.filter(matches) };
  }
  const sort = filter.sort ?? [];
  const first = sort[0];
  if (sort.length === 0 || (sort.length === 1 && first?.attribute === 'CREATE_TIME')) {
    return scanIndex(store, account, region, filter, matches, page, first?.order === 'DESC');
  }
  return scanSorted(store, account, region, filter, matches, page, cache);
}

/** Default order: walk the per-account key index from the marker, O(log n + scanned). */
function scanIndex(
  store: RedshiftStore,
  account: string,
  region: string,
  filter: SnapshotFilter,
  matches: (s: SnapshotRecord) => boolean,
  page: { marker?: string | undefined; maxRecords: number },
  descending: boolean,
): DescribePage {
  const view = store.view(account, region);
  if (!view) return { snapshots: [] };
  const { visible, byKey } = view;
  const after = page.marker === undefined ? undefined : decodeMarker(page.marker).k;
  const lo = filter.startTimeMs === undefined ? 0 : visible.lowerBound(timeKeyPrefix(filter.startTimeMs));
  const hi =
    filter.endTimeMs === undefined ? visible.size : visible.lowerBound(timeKeyPrefix(filter.endTimeMs + 1));
  const found: SnapshotRecord[] = [];
  const take = (i: number): boolean => {
    const snapshot = byKey.get(visible.at(i) as string);
    if (snapshot && matches(snapshot)) found.push(snapshot);
    return found.length > page.maxRecords;
  };
  if (descending) {
    const start = after === undefined ? hi - 1 : Math.min(hi, visible.lowerBound(after)) - 1;
    for (let i = start; i >= lo && !take(i); i--);
  } else {
    const start = after === undefined ? lo : Math.max(lo, visible.upperBound(after));
    for (let i = start; i < hi && !take(i); i++);
  }
  return paginate(found, page.maxRecords, (s) => ({ k: s.key }));
}

/** Custom orders: sort the filtered set once per store version, then resume by binary search. */
function scanSorted(
  store: RedshiftStore,
  account: string,
  region: string,
  filter: SnapshotFilter,
  matches: (s: SnapshotRecord) => boolean,
  page: { marker?: string | undefined; maxRecords: number },
  cache: SortCache,
): DescribePage {
  const sort = filter.sort ?? [];
  const tuple = (s: SnapshotRecord): SortValue[] => sort.map((e) => sortValue(s, e.attribute));
  const compare = (a: SortValue[], ak: string, b: SortValue[], bk: string): number => {
    for (let i = 0; i < sort.length; i++) {
      const x = a[i] as SortValue;
      const y = b[i] as SortValue;
      if (x !== y) return (x < y ? -1 : 1) * (sort[i]?.order === 'DESC' ? -1 : 1);
    }
    return ak < bk ? -1 : ak > bk ? 1 : 0;
  };
  const cacheKey = JSON.stringify([account, region, filter]);
  let entry = cache.get(cacheKey);
  if (!entry || entry.version !== store.version) {
    const items = store.listSnapshots(account, region).filter(matches);
    const tuples = new Map(items.map((s) => [s, tuple(s)]));
    items.sort((a, b) => compare(tuples.get(a) ?? [], a.key, tuples.get(b) ?? [], b.key));
    if (cache.size > 16) cache.clear();
    entry = { version: store.version, items };
    cache.set(cacheKey, entry);
  }
  const items = entry.items;
  let start = 0;
  if (page.marker !== undefined) {
    const m = decodeMarker(page.marker);
    const mt = m.s ?? [];
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = items[mid] as SnapshotRecord;
      if (compare(tuple(s), s.key, mt, m.k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  return paginate(items.slice(start, start + page.maxRecords + 1), page.maxRecords, (s) => ({
    k: s.key,
    s: tuple(s),
  }));
}

function paginate(
  found: SnapshotRecord[],
  maxRecords: number,
  position: (s: SnapshotRecord) => { k: string; s?: SortValue[] },
): DescribePage {
  if (found.length <= maxRecords) return { snapshots: found };
  const snapshots = found.slice(0, maxRecords);
  const last = snapshots[snapshots.length - 1] as SnapshotRecord;
  const next = found[maxRecords] as SnapshotRecord;
  return { snapshots, marker: encodeMarker(position(last)), next };
}

function sortValue(s: SnapshotRecord, attribute: SortAttribute): SortValue {
  if (attribute === 'TOTAL_SIZE') return s.totalBackupSizeMb;
  if (attribute === 'SOURCE_TYPE') return s.snapshotType;
  return s.createTimeMs;
}

function predicate(
  store: RedshiftStore,
  account: string,
  region: string,
  f: SnapshotFilter,
): (s: SnapshotRecord) => boolean {
  const tagKeys = f.tagKeys?.length ? new Set(f.tagKeys) : undefined;
  const tagValues = f.tagValues?.length ? new Set(f.tagValues) : undefined;
  return (s) => {
    if (f.clusterIdentifier !== undefined && s.clusterIdentifier !== f.clusterIdentifier) return false;
    if (f.snapshotType !== undefined && s.snapshotType !== f.snapshotType) return false;
    if (f.ownerAccount !== undefined && s.ownerAccount !== f.ownerAccount) return false;
    if (f.startTimeMs !== undefined && s.createTimeMs < f.startTimeMs) return false;
    if (f.endTimeMs !== undefined && s.createTimeMs > f.endTimeMs) return false;
    if (tagKeys || tagValues) {
      // Tag filters only ever match the caller's own snapshots.
      if (s.ownerAccount !== account) return false;
      const hit = s.tags.some(
        (t) => (!tagKeys || tagKeys.has(t.key)) && (!tagValues || tagValues.has(t.value)),
      );
      if (!hit) return false;
    }
    if (f.clusterExists === false && store.getCluster(s.ownerAccount, region, s.clusterIdentifier))
      return false;
    return true;
  };
}

interface Marker {
  k: string;
  s?: SortValue[];
}

function encodeMarker(marker: Marker): string {
  return Buffer.from(JSON.stringify(marker)).toString('base64url');
}

function decodeMarker(raw: string): Marker {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as Marker).k === 'string')
      return parsed as Marker;
  } catch {
    // fall through to the API's error
  }
  throw commonErrors.invalidParameterValue(`Invalid value for Marker: ${raw}`);
}
