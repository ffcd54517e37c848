import { Option } from 'commander';
import { z } from 'zod';
import type { ReportSource } from '../engine/report.ts';
import { PolicyError } from '../errors.ts';
import { type LoadedPolicy, lineOf, loadPolicy } from '../policy/load.ts';
import type { CliIo } from './io.ts';

/** Exit codes: 0 compliant at the end, 1 violations or failures remain, 2 bad input (no AWS call made). */
export const EXIT = { compliant: 0, notCompliant: 1, badInput: 2 } as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

/** The flags every command that runs the engine takes. */
export const RunFlagsSchema = z.strictObject({
  policy: z.string().min(1),
  region: z.array(z.string().regex(REGION, { error: 'is not an AWS region name' })).default([]),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
  /** sweep only: print the open findings as ASFF (`{ "Findings": [...] }`) instead of the report. */
  asff: z.boolean().default(false),
});
export type RunFlags = z.output<typeof RunFlagsSchema>;

/** Commander's `--region`, repeatable. */
export function regionOption(description: string): Option {
  return new Option('--region <region>', description)
    .argParser((value: string, previous: string[] = []) => [...previous, value])
    .default([]);
}

/** Flags validated, or every problem printed and `undefined` (the caller exits 2). */
export function parseRunFlags(flags: unknown, io: CliIo): RunFlags | undefined {
  const parsed = RunFlagsSchema.safeParse(flags);
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
    io.stderr(`${error.message}\n`);
    return undefined;
  }
  for (const w of loaded.warnings)
    io.stderr(`warning: ${w.file}:${w.line}:${w.col} ${w.path}: ${w.message}\n`);
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

/** Only the caller-identity lookup throws once flags and policy are valid: nothing was changed. */
export function reportRunError(error: unknown, io: CliIo): number {
  io.stderr(`error: ${(error as Error).name}: ${(error as Error).message}\n`);
  return EXIT.notCompliant;
}
