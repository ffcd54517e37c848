import * as z from 'zod';
import { formatIssue, PolicyError, type PolicyIssue } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { CliIo } from './io.ts';

export const ValidateFlagsSchema = z.strictObject({
  json: z.boolean().default(false),
});

/** Exit codes: 0 every file is a valid policy (warnings allowed), 2 any file is invalid or unreadable. */
export const VALIDATE_EXIT = { valid: 0, invalid: 2 } as const;

/** The outcome for one file; also the shape of each `--json` entry. */
export type ValidationResult = {
  file: string;
  ok: boolean;
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
};

/**
 * Loads each policy file and collects every error and warning; never throws for a bad policy.
 *
 * @example
 * const [result] = await validateFiles(['policies/default.yml']);
 * result.ok; // true
 */
export async function validateFiles(files: readonly string[], now?: Date): Promise<ValidationResult[]> {
  return Promise.all(
    files.map(async (file): Promise<ValidationResult> => {
      try {
        const loaded = await loadPolicy(file, { now });
        return { file, ok: true, errors: [], warnings: loaded.warnings };
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        return { file, ok: false, errors: error.issues, warnings: [] };
      }
    }),
  );
}

function renderResults(results: readonly ValidationResult[]): string {
  return results
    .flatMap((r) => [
      ...(r.ok ? [`ok ${r.file}`] : []),
      ...r.errors.map((issue) => `error: ${formatIssue(issue)}`),
      ...r.warnings.map((issue) => `warning: ${formatIssue(issue)}`),
    ])
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * `snapshot-guard validate <file...>`: the same checks a deployed function runs at cold start.
 *
 * @example
 * await validateCli(['policies/default.yml'], { json: false }, io); // prints "ok policies/default.yml", returns 0
 */
export async function validateCli(files: readonly string[], flags: unknown, io: CliIo): Promise<number> {
  const opts = ValidateFlagsSchema.parse(flags);
  const results = await validateFiles(files);
  io.stdout(opts.json ? `${JSON.stringify(results, null, 2)}\n` : renderResults(results));
  return results.every((r) => r.ok) ? VALIDATE_EXIT.valid : VALIDATE_EXIT.invalid;
}
