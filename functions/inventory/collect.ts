import { merge } from '../engine/pool.ts';
import type { InventoryPort } from '../engine/ports.ts';
import { regionPages } from '../engine/sweep.ts';
import { INVENTORY_VERSION, type InventoryDocument, toInventorySnapshot } from './document.ts';

/**
 * Reads every region through the same inventory port a sweep uses (regions paged in parallel)
 * and keeps what it saw: each snapshot, and each region or record that could not be read.
 * Snapshots come out sorted by region and ARN, so two reads of an unchanged fleet are identical.
 *
 * @example
 * const doc = await collectInventory(inventoryPort(clients, { tags: { owner: account } }),
 *   { account, regions: ['us-east-1'], now: new Date() });
 * doc.snapshots.length // every snapshot the account can see in us-east-1
 */
export async function collectInventory(
  inventory: InventoryPort,
  options: { account: string; regions: string[]; now: Date; onProgress?: (read: number) => void },
): Promise<InventoryDocument> {
  const snapshots: InventoryDocument['snapshots'] = [];
  const errors: InventoryDocument['errors'] = [];
  for await (const page of merge(options.regions.map((region) => regionPages(region, inventory)))) {
    if ('error' in page) {
      errors.push({ region: page.region, reason: `${page.error.name}: ${page.error.message}` });
      continue;
    }
    for (const item of page.items) {
      if ('error' in item) {
        const reason = `${item.error.name}: ${item.error.message}`;
        errors.push({ region: page.region, identifier: item.identifier, reason });
      } else snapshots.push(toInventorySnapshot(item.snapshot));
    }
    options.onProgress?.(snapshots.length);
  }
  const key = (s: { region: string; arn: string }) => `${s.region} ${s.arn}`;
  snapshots.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    schemaVersion: INVENTORY_VERSION,
    generatedAt: options.now.toISOString(),
    account: options.account,
    regions: [...options.regions],
    snapshots,
    errors,
  };
}
