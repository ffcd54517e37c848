import { writeFile } from 'node:fs/promises';
import * as z from 'zod';
import { createClients } from '../aws/clients.ts';
import { callerAccount } from '../aws/inventory.ts';
import { inventoryPort } from '../aws/sweep-ports.ts';
import { collectInventory } from '../inventory/collect.ts';
import type { CliIo } from './io.ts';
import { chooseRegions } from './region.ts';
import { reportRunError } from './run-error.ts';
import { EXIT, loadPolicyFor, parseCommandFlags, RunFlagsSchema } from './run-flags.ts';

const InventoryFlagsSchema = z.strictObject({
  out: z.string().min(1),
  policy: z.string().min(1).optional(),
  region: RunFlagsSchema.shape.region,
});

/** Exit codes: 0 saved a complete inventory, 1 saved it but some region or record could not be read, 2 bad input. */
export const INVENTORY_EXIT = { complete: 0, incomplete: 1, badInput: 2 } as const;

/**
 * `snapshot-guard inventory --out FILE`: reads every snapshot the account can see (the reads a
 * sweep makes, nothing else) and saves it as a versioned JSON document. Serverless snapshots the
 * account owns get their tags read whatever the policy, so a later diff against a policy that
 * matches on tags is still right.
 *
 * @example
 * await inventoryCli({ out: 'fleet.json', region: ['us-east-1'] }, processIo); // 0
 */
export async function inventoryCli(flags: unknown, io: CliIo): Promise<number> {
  const opts = parseCommandFlags(InventoryFlagsSchema, flags, io);
  if (!opts) return EXIT.badInput;
  const loaded = opts.policy === undefined ? undefined : await loadPolicyFor(opts.policy, io);
  if (opts.policy !== undefined && !loaded) return EXIT.badInput;
  const choice = await chooseRegions(opts.region, loaded?.policy.regions, io.env);
  if ('error' in choice) {
    io.stderr(`error: ${choice.error}\n`);
    return EXIT.badInput;
  }
  const regions = choice.regions;
  const clients = createClients({ homeRegion: choice.home });
  try {
    const account = await callerAccount(clients.sts);
    const doc = await collectInventory(inventoryPort(clients, { tags: { owner: account } }), {
      account,
      regions,
      now: new Date(),
      onProgress: io.isTTY ? (n) => io.stderr(`\rread ${n} snapshots…`) : undefined,
    });
    if (io.isTTY) io.stderr('\n');
    await writeFile(opts.out, `${JSON.stringify(doc, null, 2)}\n`);
    io.stdout(
      `saved ${doc.snapshots.length} snapshots of account ${account} in ${regions.join(', ')} to ${opts.out}\n`,
    );
    for (const e of doc.errors) {
      io.stderr(`error: ${e.region}${e.identifier ? ` ${e.identifier}` : ''}: ${e.reason}\n`);
    }
    return doc.errors.length === 0 ? INVENTORY_EXIT.complete : INVENTORY_EXIT.incomplete;
  } catch (error) {
    return reportRunError(error, io, choice.home);
  }
}
