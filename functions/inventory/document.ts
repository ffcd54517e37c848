import * as z from 'zod';
import { type Snapshot, SnapshotSchema } from '../engine/model.ts';

/**
 * A saved inventory: every snapshot one read of the fleet saw, in the engine's own model, so that
 * `diff` and `report` can run offline on exactly what a sweep would judge, and be run again later
 * with the same answer. The zod schema is the contract; `policies/inventory.schema.json` is
 * generated from it (`snapshot-guard inventory --schema`) and a test fails when it is stale.
 */

/** Bumped on any change a reader of version 1 could not read. */
export const INVENTORY_VERSION = 1;

/** The stable identifier of the inventory format; it names the format, it is not fetched. */
export const INVENTORY_SCHEMA_ID = 'urn:redshift-snapshot-guard:inventory:1';

const ACCOUNT_ID = /^[0-9]{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

/** One snapshot as saved: the engine's `Snapshot` with its creation time as an ISO-8601 string. */
export const InventorySnapshotSchema = z.strictObject({
  ...SnapshotSchema.shape,
  createdAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('SnapshotCreateTime, ISO-8601 (UTC); absent when AWS did not report it.'),
});
export type InventorySnapshot = z.infer<typeof InventorySnapshotSchema>;

export const InventoryDocumentSchema = z
  .strictObject({
    schemaVersion: z.literal(INVENTORY_VERSION),
    generatedAt: z.iso
      .datetime({ offset: true })
      .describe('When the fleet was read; diffs evaluate at this time.'),
    account: z.string().regex(ACCOUNT_ID).describe('The account whose credentials read the fleet.'),
    regions: z.array(z.string().regex(REGION)).min(1).describe('Every region read.'),
    snapshots: z.array(InventorySnapshotSchema),
    errors: z
      .array(
        z.strictObject({
          region: z.string(),
          identifier: z.string().optional(),
          reason: z.string(),
        }),
      )
      .describe(
        'What could not be read (a region, or one snapshot record): the inventory is incomplete there.',
      ),
  })
  .describe('A saved read of every Redshift snapshot the account can see, for offline diffs and reports.');
export type InventoryDocument = z.infer<typeof InventoryDocumentSchema>;

/**
 * The engine's snapshot as saved in an inventory.
 *
 * @example
 * toInventorySnapshot(snapshot).createdAt // '2026-05-01T00:00:00.000Z'
 */
export function toInventorySnapshot(snapshot: Snapshot): InventorySnapshot {
  return { ...snapshot, createdAt: snapshot.createdAt?.toISOString() };
}

/**
 * A saved snapshot back in the engine's model (the clock as a `Date` again).
 *
 * @example
 * fromInventorySnapshot(saved).createdAt instanceof Date // true when the snapshot has a creation time
 */
export function fromInventorySnapshot(saved: InventorySnapshot): Snapshot {
  const { createdAt, ...rest } = saved;
  return createdAt === undefined ? rest : { ...rest, createdAt: new Date(createdAt) };
}

/**
 * The inventory format as JSON Schema (draft 2020-12), generated from `InventoryDocumentSchema`.
 *
 * @example
 * JSON.stringify(inventoryJsonSchema(), null, 2) // policies/inventory.schema.json
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(InventoryDocumentSchema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return { $schema, $id: INVENTORY_SCHEMA_ID, title: 'redshift-snapshot-guard inventory', ...rest };
}
