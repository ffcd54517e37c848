import { Command } from 'commander';
import { inventoryJsonSchema } from '../inventory/document.ts';
import { policyJsonSchema } from '../policy/json-schema.ts';
import type { CliIo } from './io.ts';

/**
 * `snapshot-guard schema`: the policy's JSON Schema, for editors (`npm run schema` writes it to
 * policies/policy.schema.json).
 *
 * @example
 * schemaCommand(io, setExit); // `snapshot-guard schema > policy.schema.json`
 */
export function schemaCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('schema')
    .description('print the JSON Schema of the policy file, for editors (yaml-language-server, VS Code)')
    .addHelpText('after', '\nExit codes:\n  0  the schema was printed\n  2  the command line is wrong\n')
    .option(
      '--inventory',
      'print the JSON Schema of a saved inventory instead (policies/inventory.schema.json)',
    )
    .action((flags: { inventory?: boolean }) => {
      const schema = flags.inventory ? inventoryJsonSchema() : policyJsonSchema();
      io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
      setExit(0);
    });
}
