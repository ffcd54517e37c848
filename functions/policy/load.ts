import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { PolicyError, type PolicyIssue } from '../errors.ts';
import { parentPath } from '../input/issues.ts';
import { expiryWarnings, policyIssues } from './checks.ts';
import { schemaIssues } from './messages.ts';
import type { Policy } from './schema.ts';
import { type Located, MAX_POLICY_BYTES, type PolicySource, readSource } from './source.ts';

/**
 * The one way a policy enters the product: bytes → validated `Policy`, or a `PolicyError` that
 * lists every problem with its line and column. A policy that fails to load changes nothing.
 */

export type LoadedPolicy = {
  policy: Policy;
  file: string;
  /** Hex SHA-256 of the file's raw bytes: which policy a report or event was judged against. */
  sha256: string;
  /** Every node's policy path (`sharing.rules[0].allowedAccounts[1]`) → 1-based line. */
  lines: Record<string, number>;
  /** Problems that do not stop the policy from loading, e.g. an allowlist entry already expired. */
  warnings: PolicyIssue[];
};

export type LoadOptions = {
  /** The clock for expiry warnings; defaults to the current time. */
  now?: Date | undefined;
};

// A file with thousands of problems is not a policy; the first hundred say enough.
const MAX_ISSUES = 100;

function byPosition(a: Located, b: Located): number {
  return a.line - b.line || a.col - b.col;
}

function fail(file: string, issues: Located[]): PolicyError {
  const sorted = issues.sort(byPosition);
  const shown = sorted.slice(0, MAX_ISSUES).map((issue) => ({ file, ...issue }));
  const rest = sorted[MAX_ISSUES];
  if (rest) {
    const more = sorted.length - MAX_ISSUES;
    shown.push({ file, ...rest, path: '', message: `and ${more} more problem${more === 1 ? '' : 's'}` });
  }
  return new PolicyError(shown);
}

// Several messages for one path (a value that is both the wrong shape and out of range) say the
// same thing twice; the first is the one that names the real mistake.
function onePerPlace(issues: Located[]): Located[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const place = `${issue.line}:${issue.col}:${issue.path}`;
    if (seen.has(place)) return false;
    seen.add(place);
    return true;
  });
}

/**
 * Parses and validates policy text. `file` is only used to label issues.
 *
 * @throws PolicyError with every issue found, each located `file:line:col path`.
 * @example
 * const { policy, warnings } = parsePolicy('version: 1\nmode: enforce\n', 'policies/prod.yml');
 * policy.mode; // 'enforce'
 */
export function parsePolicy(
  text: string | Uint8Array,
  file: string,
  options: LoadOptions = {},
): LoadedPolicy {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source = readSource(text);
  if (Array.isArray(source)) throw fail(file, source);
  return validateSource(source, file, sha256, options);
}

/**
 * Validates a policy already read into data and positions: from YAML (`parsePolicy`), or from the
 * JSON a deployment ships (packaged.ts), so both pass the very same checks.
 *
 * @throws PolicyError with every issue found, each located `file:line:col path`.
 * @example
 * const loaded = validateSource(readSource(text) as PolicySource, 'policies/prod.yml', sha256);
 */
export function validateSource(
  source: PolicySource,
  file: string,
  sha256: string,
  options: LoadOptions = {},
): LoadedPolicy {
  const { policy, issues } = schemaIssues(source);
  const all = onePerPlace([...issues, ...policyIssues(source)]);
  if (!policy || all.length > 0) throw fail(file, all);
  const warnings = expiryWarnings(policy, source, options.now ?? new Date())
    .sort(byPosition)
    .map((issue) => ({ file, ...issue }));
  const lines = Object.fromEntries([...source.values].map(([path, position]) => [path, position.line]));
  return { policy, file, sha256, lines, warnings };
}

export function unreadable(file: string, error: unknown): PolicyError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (error as Error).message;
  return new PolicyError([{ file, line: 1, col: 1, path: '', message: `cannot be read: ${reason}` }], {
    cause: error,
  });
}

// Reads at most one byte past the limit, so a huge file, a device or an endless pipe costs 1 MiB.
export async function readBounded(path: string, limit = MAX_POLICY_BYTES): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Reads and validates a policy file.
 *
 * @throws PolicyError, also when the file cannot be read (located at 1:1).
 * @example
 * const loaded = await loadPolicy('policies/default.yml');
 * lineOf(loaded, 'sharing.rules[1]'); // 27
 */
export async function loadPolicy(path: string, options: LoadOptions = {}): Promise<LoadedPolicy> {
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  return parsePolicy(bytes, path, options);
}

/**
 * The line `path` is written on, or its nearest written ancestor's (a default the file leaves out
 * is cited at the section that would hold it). `undefined` when not even its top-level key is in
 * the file, e.g. the global allowlist of a policy without `sharing`: what decided is the policy's
 * default, which has no line, and a report points at the policy as a whole.
 *
 * @example
 * lineOf(loaded, 'retention.manual.maxAgeDays'); // the line of maxAgeDays, or of retention.manual
 * lineOf(parsePolicy('version: 1\n', 'p.yml'), 'sharing.allowedAccounts'); // undefined
 */
export function lineOf(loaded: Pick<LoadedPolicy, 'lines'>, path: string): number | undefined {
  // The document itself ('') is written too, on its first line, but citing it would name a line
  // that says nothing about the rule.
  for (let p = path; p !== ''; p = parentPath(p)) {
    const line = Object.hasOwn(loaded.lines, p) ? loaded.lines[p] : undefined;
    if (line !== undefined) return line;
  }
  return undefined;
}
