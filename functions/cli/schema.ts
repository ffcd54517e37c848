import { policyJsonSchema } from '../policy/json-schema.ts';
import type { CliIo } from './io.ts';

/**
 * `snapshot-guard schema`: prints the policy's JSON Schema, for editors (`npm run schema` writes it
 * to policies/policy.schema.json). Returns the exit code.
 *
 * @example
 * schemaCli(processIo); // `snapshot-guard schema > policy.schema.json`
 */
export function schemaCli(io: CliIo): number {
  io.stdout(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
  return 0;
}
