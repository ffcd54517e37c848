import { errorText } from '../errors.ts';
import type { Policy } from '../policy/schema.ts';
import { evaluate, foreignOwnerFinding } from './evaluate.ts';
import type { RunContext } from './event-builders.ts';
import type { Action, Snapshot } from './model.ts';
import { plan } from './plan.ts';
import type { RegionLeft, RegionPage } from './ports.ts';
import {
  countFindings,
  emptyTotals,
  type InventoryError,
  type SnapshotEntry,
  type Totals,
} from './run-report.ts';
import { toSnapshotRef } from './snapshot-ref.ts';

/**
 * Deletes are the sweep's alone: a delete that fails gives its allowed grants back with
 * AuthorizeSnapshotAccess, which is itself a CloudTrail event the event function would receive,
 * revoke again and delete again, in a loop.
 */
export const EVENT_DEFERS_DELETES =
  'left to the scheduled sweep: the event function never deletes, so a grant it gives back cannot trigger it again';

/** An action the run plans, with the entry of the snapshot its result is recorded on. */
export type Planned = { action: Action; entry: SnapshotEntry };

/** What reading every page came to: the judged fleet and the whole run's plan. */
export type Consumed = {
  totals: Totals;
  /** The snapshots the run has something to say about; the compliant ones are only counted. */
  entries: SnapshotEntry[];
  planned: Planned[];
  inventoryErrors: InventoryError[];
  /** The host's time ran out before every page was read. */
  truncated: boolean;
  /** Per region, what is left to read after the last page consumed from it (a next part reads it). */
  left: Map<string, RegionLeft>;
};

export type ConsumeOptions = {
  policy: Policy;
  /** The account the run acts for: the only owner whose snapshots are judged and changed. */
  account: string;
  now: Date;
  /** What started the run: an event run leaves deletes to the sweep (EVENT_DEFERS_DELETES). */
  trigger: RunContext['trigger'];
  /** Called after each page with the snapshots read so far (the CLI's progress line). */
  onProgress?: (snapshotsRead: number) => void;
};

/**
 * Reads the inventory page by page, judging each snapshot as its page arrives and planning what
 * its findings call for, so memory stays at one page plus the snapshots with something to say.
 * Stops after the page on which `stopReading` (told the actions planned so far) says the time
 * left is needed to act on them.
 *
 * @example
 * const consumed = await consumePages(pages, { policy, account, now }, () => false);
 * consumed.planned; // [{ action: { type: 'revoke', account: '999988887777', ... }, entry }]
 */
export async function consumePages(
  pages: AsyncIterable<RegionPage>,
  options: ConsumeOptions,
  stopReading: (planned: number) => boolean,
): Promise<Consumed> {
  const consumed: Consumed = {
    totals: emptyTotals(),
    entries: [],
    planned: [],
    inventoryErrors: [],
    truncated: false,
    left: new Map(),
  };
  for await (const page of pages) {
    if ('error' in page) {
      const cut = page.error.name === 'TimeUpError';
      consumed.inventoryErrors.push({
        region: page.region,
        reason: errorText(page.error),
        ...(cut ? { cutByTime: true as const } : {}),
      });
      // Time ran out while reading: the rest of the region is unread, not unreadable.
      if (cut) consumed.truncated = true;
      continue;
    }
    for (const item of page.items) {
      if ('snapshot' in item) {
        judgeSnapshot(item.snapshot, options, consumed);
        continue;
      }
      consumed.totals.unreadable++;
      const { region } = page;
      consumed.inventoryErrors.push({ region, identifier: item.identifier, reason: errorText(item.error) });
    }
    if (page.left) consumed.left.set(page.region, page.left);
    options.onProgress?.(consumed.totals.snapshots);
    if (stopReading(consumed.planned.length)) {
      consumed.truncated = true;
      break;
    }
  }
  return consumed;
}

/**
 * Judges one snapshot and plans what its findings call for. A snapshot another account owns gets
 * its foreign-owner finding and no action; a compliant one is only counted.
 */
function judgeSnapshot(snapshot: Snapshot, options: ConsumeOptions, consumed: Consumed): void {
  const { totals } = consumed;
  totals.snapshots++;
  if (snapshot.owner !== options.account) {
    // Shared with us by its owner: ours to report, never to change.
    totals.foreign++;
    const finding = foreignOwnerFinding(snapshot);
    consumed.entries.push({ snapshot: finding.snapshot, findings: [finding], results: [] });
    // Counted like every other finding, so the summary, the JSON and the events agree with the list.
    countFindings(totals, [finding]);
    return;
  }
  const findings = evaluate(snapshot, options.policy, options.now);
  if (findings.length === 0) {
    totals.compliant++;
    return;
  }
  const entry: SnapshotEntry = {
    snapshot: findings[0]?.snapshot ?? toSnapshotRef(snapshot),
    findings,
    results: [],
  };
  consumed.entries.push(entry);
  if (countFindings(totals, findings)) totals.violating++;
  else totals.compliant++;
  const deferDeletes = options.trigger === 'event' ? EVENT_DEFERS_DELETES : undefined;
  for (const action of plan(snapshot, findings, { account: options.account, deferDeletes })) {
    consumed.planned.push({ action, entry });
  }
}
