import * as z from 'zod';
import { PolicyError } from '../errors.ts';
import {
  type LoadedPolicy,
  type LoadOptions,
  parsePolicy,
  readBounded,
  unreadable,
  validateSource,
} from './load.ts';
import { MAX_POLICY_BYTES, type PolicySource, type Position, readSource } from './source.ts';

/**
 * The policy as a deployment ships it. `serverless package` loads the YAML with the loader
 * `snapshot-guard validate` uses and writes what it read as JSON: the document, and the line and
 * column of every value and key in the YAML. A function then parses no YAML at cold start (its
 * bundle holds no YAML parser), yet checks the document again with the policy's zod schema and
 * every check `validate` makes, and cites each rule by the line it has in the YAML file.
 */

/** `[policy path, line, column]`: a list, not a map, so no path can collide with `__proto__`. */
const PositionsSchema = z.array(z.tuple([z.string(), z.int().min(1), z.int().min(1)]));

export const PackagedPolicySchema = z.strictObject({
  packagedPolicy: z.literal(1),
  /** The YAML file the policy was written in, as reports and events name it. */
  file: z.string().min(1),
  /** SHA-256 of the YAML file's bytes: the same hash `validate` and the command line report. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The YAML document as data; validated below, like the YAML itself. */
  document: z.unknown(),
  values: PositionsSchema,
  keys: PositionsSchema,
});
export type PackagedPolicy = z.output<typeof PackagedPolicySchema>;

// The JSON spells out every position next to the document: a few times the YAML's size.
const MAX_PACKAGED_BYTES = 4 * MAX_POLICY_BYTES;

function positions(map: ReadonlyMap<string, Position>): PackagedPolicy['values'] {
  return [...map].map(([path, { line, col }]) => [path, line, col]);
}

function refused(file: string, message: string): PolicyError {
  return new PolicyError([{ file, line: 1, col: 1, path: '', message }]);
}

/**
 * Reads a packaged policy (JSON text or bytes) and validates its document as `parsePolicy`
 * validates YAML. Issues are located in the YAML file it was packaged from.
 *
 * @throws PolicyError when it is not a packaged policy, or its document is not a valid policy.
 * @example
 * const loaded = readPackagedPolicy(packagePolicy(yaml, 'policies/prod.yml'), 'dist/policy.json');
 * loaded.file; // 'policies/prod.yml'
 */
export function readPackagedPolicy(
  input: string | Uint8Array,
  path: string,
  options: LoadOptions = {},
): LoadedPolicy {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > MAX_PACKAGED_BYTES) throw refused(path, `is larger than ${MAX_PACKAGED_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (error) {
    throw refused(path, `is not JSON: ${(error as Error).message}`);
  }
  const parsed = PackagedPolicySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw refused(path, `is not a policy written by serverless package (${where}${issue?.message})`);
  }
  const { file, sha256, document, values, keys } = parsed.data;
  const at = (list: PackagedPolicy['values']) =>
    new Map(list.map(([p, line, col]): [string, Position] => [p, { line, col }]));
  const source: PolicySource = { value: document, values: at(values), keys: at(keys) };
  return validateSource(source, file, sha256, options);
}

/**
 * Reads and validates a packaged policy file.
 *
 * @throws PolicyError, also when the file cannot be read (located at 1:1).
 * @example
 * const loaded = await loadPackagedPolicy('dist/policy.json');
 * lineOf(loaded, 'sharing.rules[1]'); // the rule's line in the YAML it was packaged from
 */
export async function loadPackagedPolicy(path: string, options: LoadOptions = {}): Promise<LoadedPolicy> {
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(path, MAX_PACKAGED_BYTES);
  } catch (error) {
    throw unreadable(path, error);
  }
  return readPackagedPolicy(bytes, path, options);
}

/**
 * The JSON a deployment ships for a YAML policy, which is loaded exactly as `validate` loads it.
 * A policy is plain data (text, whole numbers, booleans, lists, mappings), so the JSON carries it
 * as written; serverless/policy.cjs derives the stack from the JSON read back, not from the YAML.
 *
 * @throws PolicyError with the loader's issues, located in the YAML file.
 * @example
 * await writeFile('dist/policy.json', packagePolicy(await readFile('policies/prod.yml'), 'policies/prod.yml'));
 */
export function packagePolicy(text: string | Uint8Array, file: string, options: LoadOptions = {}): string {
  const loaded = parsePolicy(text, file, options);
  // Parsed once more for the positions; it parsed a moment ago, so it cannot fail now.
  const source = readSource(text) as PolicySource;
  const packaged: PackagedPolicy = {
    packagedPolicy: 1,
    file,
    sha256: loaded.sha256,
    document: source.value,
    values: positions(source.values),
    keys: positions(source.keys),
  };
  return `${JSON.stringify(packaged)}\n`;
}

/**
 * `packagePolicy` for a file: `path` is read (at most 1 MiB, as `loadPolicy` reads), `file` is
 * how issues, reports and events name it.
 *
 * @example
 * const json = await packagePolicyFile(join(serviceDir, 'policies/prod.yml'), 'policies/prod.yml');
 */
export async function packagePolicyFile(
  path: string,
  file: string,
  options: LoadOptions = {},
): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(path);
  } catch (error) {
    throw unreadable(file, error);
  }
  return packagePolicy(bytes, file, options);
}

/**
 * The policy a function reads from POLICY_PATH: the packaged JSON when deployed, the YAML itself
 * when run from the sources (tests, local runs). The function bundles leave the YAML loader out
 * (serverless/esbuild-plugins.cjs), so a deployed function given YAML refuses it.
 *
 * @example
 * const loaded = await loadPolicyFile(process.env.POLICY_PATH ?? 'policies/default.yml');
 */
export async function loadPolicyFile(path: string, options: LoadOptions = {}): Promise<LoadedPolicy> {
  if (path.endsWith('.json')) return loadPackagedPolicy(path, options);
  const { loadPolicy } = await import('./load.ts');
  return loadPolicy(path, options);
}
