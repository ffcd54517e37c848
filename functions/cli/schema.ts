import { policyJsonSchema } from '../policy/json-schema.ts';
import type { CliIo } from './io.ts';

/**
 * `snapshot-guard schema`: prints the policy's JSON Schema, for editors (`npm run schema` writes it
 * to policies/policy.schema.json). Returns the exit code.
 *
 * @example
 * schemaCli(processIo); // `snapshot-guard schema > policy.schema.json`
 */
export async function schemaCli(io: CliIo, flags: { inventory?: boolean } = {}): Promise<number> {
  // The inventory's schema module is loaded only when asked for.
  const schema = flags.inventory
    ? (await import('../inventory/document.ts')).inventoryJsonSchema()
    : policyJsonSchema();
  io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
