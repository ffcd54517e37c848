import { type Continuation, partRanges, partRegions } from './continuation.ts';
import { merge } from './pool.ts';
import type { InventoryPort, RegionLeft, RegionPage, SweepPorts } from './ports.ts';
import { type RunOptions, runCompliance } from './run.ts';
import type { RunReport } from './run-report.ts';

/** One region's pages, or one page saying why the region could not be read. */
export async function* regionPages(
  region: string,
  inventory: InventoryPort,
  from?: RegionLeft,
): AsyncGenerator<RegionPage> {
  try {
    for await (const { items, left } of inventory(region, from)) yield { region, items, left };
  } catch (error) {
    // One region failing (after the SDK's retries) must not stop the others.
    yield { region, error: error as Error };
  }
}

/**
 * A compliance sweep: every snapshot in every region (regions paged in parallel), judged, planned,
 * enforced within the safety limits, and published. A sweep that can go on in parts (`inParts`:
 * the sweep function asks for them) says, when it cannot read everything in its time, what its
 * next part is to read (`report.sweep.next`, engine/continuation.ts); a later part (`from`) reads
 * only that.
 *
 * @example
 * const report = await sweep({ ...context, regions: ['us-east-1'], homeRegion: 'us-east-1' }, ports);
 * report.totals.revocations.applied; // grants taken back this run
 */
export function sweep(
  options: Omit<RunOptions, 'emitCompleted' | 'sweep'> & {
    regions: string[];
    inParts?: boolean;
    from?: Continuation;
  },
  ports: SweepPorts,
): Promise<RunReport> {
  const { from, inParts, ...run } = options;
  const regions = partRegions(options.regions, from);
  const pages = merge(
    regions.map((region) => regionPages(region, ports.inventory, partRanges(region, from))),
  );
  return runCompliance(
    pages,
    {
      ...run,
      emitCompleted: true,
      // A part reads only some of each region: only a sweep read in one part may close findings.
      findingsScope: { regions: from ? [] : regions },
      ...(inParts || from ? { sweep: { regions: options.regions, ...(from ? { from } : {}) } } : {}),
    },
    ports,
  );
}
