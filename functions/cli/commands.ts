import { Command, Option } from 'commander';
import type { CliIo } from './io.ts';

/**
 * The commands as commander needs them to parse a command line and print help: names,
 * arguments, options, descriptions. What a command runs is imported when it runs, so `--help`,
 * `--version` and a usage error load neither the AWS SDK nor the policy loader, and each command
 * loads only its own code (the built command line keeps each in a file of its own).
 */

type SetExit = (code: number) => void;

/** The exit codes as `sweep --help` and `handle-event --help` list them; `zero` says what 0 means. */
export function exitHelp(zero: string): string {
  return `
Exit codes:
  0  ${zero}
  1  violations or failures remain (audit mode, dry run, report-only findings,
     blast radius, a failed action or read), or AWS could not be reached
  2  bad input: a flag, the policy, the region or the event; no AWS call made
`;
}

/** Commander's `--region`, repeatable. No default here: the help text says what applies. */
export function regionOption(description: string): Option {
  return new Option('--region <region>', description).argParser((value: string, previous: string[] = []) => [
    ...previous,
    value,
  ]);
}

export function validateCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('validate')
    .description(
      'check policy files: every error with file:line:col, and warnings for dates already past (exit 0 valid, 2 invalid)',
    )
    .argument('<file...>', 'policy files (YAML) to check')
    .option('--json', 'print [{ file, ok, errors, warnings }] as JSON instead of lines')
    .addHelpText(
      'after',
      `
Exit codes:
  0  every file is a valid policy (warnings allowed)
  2  a file is invalid or unreadable, or the command line is wrong
`,
    )
    .action(async (files: string[], flags: unknown) => {
      const { validateCli } = await import('./validate.ts');
      setExit(await validateCli(files, flags, io));
    });
}

/**
 * `snapshot-guard schema`: the policy's JSON Schema, for editors (`npm run schema` writes it to
 * policies/policy.schema.json).
 *
 * @example
 * schemaCommand(io, setExit); // `snapshot-guard schema > policy.schema.json`
 */
export function schemaCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('schema')
    .description('print the JSON Schema of the policy file, for editors (yaml-language-server, VS Code)')
    .addHelpText('after', '\nExit codes:\n  0  the schema was printed\n  2  the command line is wrong\n')
    .option(
      '--inventory',
      'print the JSON Schema of a saved inventory instead (policies/inventory.schema.json)',
    )
    .action(async (flags: { inventory?: boolean }) => {
      const { schemaCli } = await import('./schema.ts');
      setExit(await schemaCli(io, flags));
    });
}

export function sweepCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('sweep')
    .description(
      "sweep every snapshot in the policy's regions: evaluate, revoke what the policy does not allow, publish events, report",
    )
    .requiredOption('--policy <file>', 'policy file to enforce (required)')
    .addOption(
      regionOption(
        "region to sweep; repeat for several (default: the policy's regions, else the AWS SDK's region: AWS_REGION or your profile's)",
      ),
    )
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (run id, policy sha256, summary, findings, actions, events)')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same; pipes never get colour)')
    .option('--asff', 'print the open findings in AWS Security Finding Format, as sent to Security Hub')
    .addHelpText('after', exitHelp('compliant at the end of the run: nothing left to fix, nothing failed'))
    .action(async (flags) => {
      const { sweepCli } = await import('./sweep.ts');
      setExit(await sweepCli(flags, io));
    });
}

export function handleEventCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('handle-event')
    .description('handle one saved EventBridge (CloudTrail) event for a snapshot change, as the Lambda would')
    .argument('<file>', 'the event as JSON, e.g. copied from the EventBridge console or a test fixture')
    .requiredOption('--policy <file>', 'policy file to enforce (required)')
    .addOption(
      regionOption(
        "region in scope; repeat for several (default: the policy's regions, else the AWS SDK's region: AWS_REGION or your profile's)",
      ),
    )
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (event, run id, policy sha256, findings, actions, events)')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same; pipes never get colour)')
    .addHelpText(
      'after',
      exitHelp('the snapshot is compliant at the end, or the event was ignored (and why)'),
    )
    .action(async (file: string, flags) => {
      const { handleEventCli } = await import('./handle-event.ts');
      setExit(await handleEventCli(file, flags, io));
    });
}

export function inventoryCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('inventory')
    .description(
      'save every snapshot the account can see (grants, tags, retention, owner) as versioned JSON, for offline diffs and reports',
    )
    .requiredOption('--out <file>', 'where to write the inventory (JSON, see policies/inventory.schema.json)')
    .addOption(
      regionOption(
        "region to read; repeat for several (default: the policy's regions, else the AWS SDK's region)",
      ),
    )
    .option(
      '--policy <file>',
      'policy whose regions to read when --region is not given (nothing else is used)',
    )
    .action(async (flags) => {
      const { inventoryCli } = await import('./inventory.ts');
      setExit(await inventoryCli(flags, io));
    });
}

export function diffCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('diff')
    .description(
      'what a new policy would change on the same fleet: grants newly revoked or no longer revoked, deletions, findings (exit 0 none, 1 some, 2 bad input); changes nothing',
    )
    .requiredOption('--policy <file>', 'the new policy')
    .option(
      '--baseline <file>',
      "the policy it replaces (default: the project's deployed policy, params.default.policy in serverless.yml)",
    )
    .option(
      '--inventory <file>',
      'judge a saved inventory (snapshot-guard inventory) instead of reading the fleet',
    )
    .addOption(
      regionOption(
        "region to compare; repeat for several (default: both policies' regions, else the AWS SDK's region)",
      ),
    )
    .option(
      '--json',
      'print the documented JSON document (changes[] with snapshot, grantee, kind, before, after)',
    )
    .action(async (flags) => {
      const { diffCli } = await import('./diff.ts');
      setExit(await diffCli(flags, io));
    });
}

export function reportCommand(io: CliIo, setExit: SetExit): Command {
  return new Command('report')
    .description(
      'write the compliance report as one self-contained HTML file (charts, snapshots at risk, every finding), from a saved sweep --json or a live dry run',
    )
    .requiredOption('--html <file>', 'where to write the report')
    .option('--from <file>', 'a saved `snapshot-guard sweep --json` document (default: a live dry run)')
    .option('--policy <file>', 'policy for the live dry run (it changes and publishes nothing)')
    .addOption(
      regionOption("region for the live dry run; repeat for several (default: the policy's regions)"),
    )
    .action(async (flags) => {
      const { reportCli } = await import('./report-html.ts');
      setExit(await reportCli(flags, io));
    });
}
