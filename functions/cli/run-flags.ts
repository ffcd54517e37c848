import * as z from 'zod';
import { formatIssue, PolicyError } from '../errors.ts';
import { REGION } from '../input/aws-names.ts';
import { type LoadedPolicy, lineOf, loadPolicy } from '../policy/load.ts';
import type { ReportSource } from '../report/table.ts';
import type { TextStyle } from '../report/text.ts';
import type { CliIo } from './io.ts';

/** Exit codes: 0 compliant at the end, 1 violations or failures remain, 2 bad input (no AWS call made). */
export const EXIT = { compliant: 0, notCompliant: 1, badInput: 2 } as const;

const Region = z.string().regex(REGION, {
  error: (issue) =>
    `"${String(issue.input)}" is not an AWS region name${
      typeof issue.input === 'string' && REGION.test(issue.input.toLowerCase())
        ? ` (region names are lowercase: ${issue.input.toLowerCase()})`
        : ' (e.g. eu-west-1)'
    }`,
});

/** The flags every command that runs the engine takes. */
export const RunFlagsSchema = z.strictObject({
  policy: z.string().min(1),
  region: z
    .array(Region)
    .default([])
    // The policy file refuses a region listed twice; the command line does the same.
    .superRefine((regions, ctx) => {
      const twice = regions.filter((r, i) => regions.indexOf(r) !== i);
      for (const r of new Set(twice))
        ctx.addIssue({ code: 'custom', message: `${r} is given more than once` });
    }),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
  /** `--no-color`: commander sets it false. */
  color: z.boolean().default(true),
  /** sweep only: print the open findings as ASFF (`{ "Findings": [...] }`) instead of the report. */
  asff: z.boolean().default(false),
});
export type RunFlags = z.output<typeof RunFlagsSchema>;

/** Flags validated, or every problem printed and `undefined` (the caller exits 2). */
export function parseRunFlags(flags: unknown, io: CliIo): RunFlags | undefined {
  const parsed = RunFlagsSchema.safeParse(flags);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) io.stderr(`error: --${String(issue.path[0])} ${issue.message}\n`);
  return undefined;
}

/**
 * Parses a command's flags with its own schema: the flags, or every issue printed as
 * `error: --flag.path: message` and `undefined` (the caller exits 2).
 */
export function parseCommandFlags<S extends z.ZodType>(
  schema: S,
  flags: unknown,
  io: CliIo,
): z.output<S> | undefined {
  const parsed = schema.safeParse(flags);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) io.stderr(`error: --${issue.path.join('.')}: ${issue.message}\n`);
  return undefined;
}

/** The policy with its warnings printed, or its errors printed and `undefined` (the caller exits 2). */
export async function loadPolicyFor(path: string, io: CliIo): Promise<LoadedPolicy | undefined> {
  let loaded: LoadedPolicy;
  try {
    loaded = await loadPolicy(path);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    // The same lines `snapshot-guard validate` prints for the file.
    for (const issue of error.issues) io.stderr(`error: ${formatIssue(issue)}\n`);
    return undefined;
  }
  for (const w of loaded.warnings) io.stderr(`warning: ${formatIssue(w)}\n`);
  return loaded;
}

/** What a report says about where its policy came from. */
export function reportSource(loaded: LoadedPolicy, regions: string[]): ReportSource {
  return {
    policyFile: loaded.file,
    policySha256: loaded.sha256,
    regions,
    locate: (p: string) => lineOf(loaded, p),
  };
}

/**
 * How the text report looks: the terminal's width and colour when stdout is a terminal; in a
 * pipe or a file, no colour at all and `COLUMNS` (else 80) columns. `NO_COLOR` (any non-empty
 * value) and `--no-color` turn colour off.
 *
 * @example
 * textStyle({ ...processIo, stdoutIsTTY: false }, true); // { width: 80, color: false }
 */
export function textStyle(io: CliIo, color: boolean): TextStyle {
  const env = io.env ?? process.env;
  const fromEnv = Number(env.COLUMNS);
  const width =
    io.stdoutIsTTY && io.columns ? io.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return { width, color: color && io.stdoutIsTTY === true && !env.NO_COLOR };
}

/** A progress line on a terminal's stderr that `done` wipes, so the report starts on a clean screen. */
export function progress(io: CliIo): { update?: (n: number) => void; done: () => void } {
  if (!io.isTTY) return { done: () => {} };
  let shown = false;
  return {
    update: (n) => {
      shown = true;
      io.stderr(`\rread ${n} snapshots…`);
    },
    done: () => {
      // Carriage return, then erase the whole line.
      if (shown) io.stderr('\r\x1b[2K');
    },
  };
}
