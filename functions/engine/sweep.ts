import { merge } from './pool.ts';
import type { InventoryPort, RegionPage, SweepPorts } from './ports.ts';
import { type RunOptions, runCompliance } from './run.ts';
import type { RunReport } from './run-report.ts';

/** One region's pages, or one page saying why the region could not be read. */
export async function* regionPages(region: string, inventory: InventoryPort): AsyncGenerator<RegionPage> {
  try {
    for await (const items of inventory(region)) yield { region, items };
  } catch (error) {
    // One region failing (after the SDK's retries) must not stop the others.
    yield { region, error: error as Error };
  }
}

/**
 * A compliance sweep: every snapshot in every region (regions paged in parallel), judged, planned,
 * enforced within the safety limits, and published.
 *
 * @example
 * const report = await sweep({ ...context, regions: ['us-east-1'], homeRegion: 'us-east-1' }, ports);
 * report.totals.revocations.applied; // grants taken back this run
 */
export function sweep(
  options: Omit<RunOptions, 'emitCompleted'> & { regions: string[] },
  ports: SweepPorts,
): Promise<RunReport> {
  const pages = merge(options.regions.map((region) => regionPages(region, ports.inventory)));
  return runCompliance(
    pages,
    { ...options, emitCompleted: true, findingsScope: { regions: options.regions } },
    ports,
  );
}
