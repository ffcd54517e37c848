import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import {
  diffCommand,
  handleEventCommand,
  inventoryCommand,
  reportCommand,
  schemaCommand,
  sweepCommand,
  validateCommand,
} from './cli/commands.ts';
import { type CliIo, processIo } from './cli/io.ts';

/** Exit code for a command line that could not be understood (unknown flag or command, missing argument). */
export const EXIT_USAGE = 2;

/**
 * The `snapshot-guard` command with every subcommand registered. Commander never exits the
 * process: it throws, and `main` turns that into an exit code.
 *
 * @example
 * buildProgram(processIo, (code) => { process.exitCode = code; }).parseAsync(process.argv);
 */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('snapshot-guard')
    .description(
      'Keep Amazon Redshift snapshots inside a YAML policy: who may restore them, how long they live.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run snapshot-guard --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 valid / compliant, 1 violations or failures remain, 2 bad input or
usage (nothing was changed). Each command's --help says more.
`,
    );

  program.addCommand(validateCommand(io, setExit));
  program.addCommand(schemaCommand(io, setExit));
  program.addCommand(sweepCommand(io, setExit));
  program.addCommand(handleEventCommand(io, setExit));
  program.addCommand(inventoryCommand(io, setExit));
  program.addCommand(diffCommand(io, setExit));
  program.addCommand(reportCommand(io, setExit));

  // addCommand, unlike command(), does not pass settings down: without this a subcommand's usage
  // error would call process.exit and write to the real stderr.
  for (const command of program.commands) command.copyInheritedSettings(program);
  return program;
}

/**
 * Runs the command line and returns the exit code: 0 success, 2 invalid input or usage,
 * otherwise what the subcommand reports.
 *
 * @example
 * const code = await main(['node', 'snapshot-guard', 'validate', 'policies/default.yml']);
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    // --help and --version end with a CommanderError too, carrying exit code 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    io.stderr(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = await main(process.argv);
}
