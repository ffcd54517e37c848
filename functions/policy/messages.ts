import type * as z from 'zod';
import { fieldPath, show } from '../input/issues.ts';
import { type Policy, PolicySchema } from './schema.ts';
import { type Located, type PolicySource, positionOf } from './source.ts';

/**
 * zod issues → one human sentence per place in the file. The schema's own messages win; this
 * covers the generic cases and turns zod's structure (unions, record keys, unknown keys) into
 * issues that point at the text a person has to change.
 */

const KINDS: Record<string, string> = {
  boolean: 'a boolean',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/**
 * The fallback wording for a zod issue, used as the per-parse error map.
 *
 * @example
 * PolicySchema.safeParse(value, { error: humanMessage })
 */
export function humanMessage(issue: z.core.$ZodRawIssue): string | undefined {
  // zod reports a missing key as a wrong type or value; to a reader it is simply missing.
  if (
    issue.input === undefined &&
    ['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code ?? '')
  ) {
    return 'is required';
  }
  switch (issue.code) {
    case 'invalid_type': {
      const kind = `must be ${KINDS[issue.expected] ?? issue.expected}`;
      if (issue.expected === 'array' && issue.input === null) return `${kind} (write [] for none)`;
      if (
        issue.expected === 'string' &&
        (typeof issue.input === 'number' || typeof issue.input === 'boolean')
      ) {
        return `${kind}; write ${show(String(issue.input))} in quotes`;
      }
      return kind;
    }
    case 'invalid_value': {
      if (issue.values.length === 1) return `must be ${show(issue.values[0])}`;
      const values = issue.values.map(String);
      const guess = typeof issue.input === 'string' ? closest(issue.input, values) : undefined;
      return `must be one of ${values.join(', ')}${guess ? ` (did you mean ${show(guess)}?)` : ''}`;
    }
    case 'too_small':
      return bound('at least', issue.origin, Number(issue.minimum));
    case 'too_big':
      return bound('at most', issue.origin, Number(issue.maximum));
    case 'invalid_union':
      return 'does not match any accepted form';
    default:
      return 'is not valid';
  }
}

function bound(side: string, origin: string, limit: number): string {
  if (origin === 'array')
    return limit === 1 && side === 'at least' ? 'must not be empty' : `must list ${side} ${limit}`;
  if (origin === 'string') {
    return limit === 1 && side === 'at least' ? 'must not be empty' : `must be ${side} ${limit} characters`;
  }
  return `must be ${side} ${limit}`;
}

/**
 * `at` is where the issue points when that is not `path` itself; `key` points at a key, not its
 * value; `unknown` is the unknown key an issue reports, `guess` the known key it probably meant.
 */
type Flat = {
  path: PropertyKey[];
  at?: PropertyKey[];
  message: string;
  key?: boolean;
  unknown?: string;
  guess?: string;
};

// A union reports every branch; when exactly one branch accepted the input's shape, its issues are
// the ones the author needs, and the others are noise.
function flatten(issue: z.core.$ZodIssue, base: PropertyKey[]): Flat[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      const shaped = issue.errors.filter(
        (b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const [only] = shaped;
      return only && shaped.length === 1
        ? only.flatMap((i) => flatten(i, path))
        : [{ path, message: issue.message }];
    }
    case 'invalid_key':
      return issue.issues.slice(0, 1).map((i) => ({ path, message: i.message, key: true }));
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      // Reported on the mapping, pointing at the unknown key itself.
      return issue.keys.map((name) => {
        const guess = closest(name, known);
        return {
          path,
          at: [...path, name],
          message: unknownKey(name, known, guess),
          key: true,
          unknown: name,
          guess,
        };
      });
    }
    default:
      return [{ path, message: issue.message }];
  }
}

type SchemaNode = { _zod: { def: SchemaDef } };
type SchemaDef = {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  options?: SchemaNode[];
  valueType?: SchemaNode;
};

function unwrap(node: SchemaNode | undefined): SchemaNode | undefined {
  const def = node?._zod.def;
  if (!def) return undefined;
  const inner = def.innerType ?? def.in;
  if (inner) return unwrap(inner);
  if (def.type === 'union') return def.options?.map(unwrap).find((o) => o?._zod.def.type === 'object');
  return node;
}

/** The keys the schema accepts for the mapping at `path`. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let node = unwrap(PolicySchema as unknown as SchemaNode);
  for (const segment of path) {
    const def = node?._zod.def;
    node = unwrap(
      typeof segment === 'number' ? def?.element : (def?.shape?.[String(segment)] ?? def?.valueType),
    );
  }
  return Object.keys(node?._zod.def.shape ?? {});
}

function unknownKey(name: string, known: readonly string[], guess: string | undefined): string {
  if (guess) return `unknown key ${show(name)} (did you mean ${show(guess)}?)`;
  return known.length > 0
    ? `unknown key ${show(name)} (expected one of ${known.join(', ')})`
    : `unknown key ${show(name)}`;
}

/** The known key a typo most likely meant: the smallest edit distance, within a third of its length. */
export function closest(name: string, known: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const limit = Math.max(1, Math.floor(key.length / 3));
    if (Math.abs(key.length - name.length) > limit) continue;
    const distance = key.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, key);
    if (distance <= limit && (!best || distance < best.distance)) {
      best = { key, distance };
    }
  }
  return best?.key;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (three rolling rows). */
function editDistance(a: string, b: string): number {
  let before = new Uint32Array(b.length + 1);
  let previous = Uint32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] ?? 0;
}

/**
 * Validates the parsed YAML against the schema; every problem comes back located.
 *
 * @example
 * const { policy, issues } = schemaIssues(readSource('version: 2\n') as PolicySource);
 * // issues: [{ line: 1, col: 10, path: 'version', message: 'must be 1' }]
 */
export function schemaIssues(source: PolicySource): { policy?: Policy; issues: Located[] } {
  const parsed = PolicySchema.safeParse(source.value, { error: humanMessage });
  if (parsed.success) return { policy: parsed.data, issues: [] };
  const flat = parsed.error.issues.flatMap((issue) => flatten(issue, []));
  // A typo'd key has echoes: the mapping's own checks fail ("must name a snapshot glob or tags")
  // and the key it meant "is required". The unknown key is the one message worth reading.
  const typos = flat.filter((f) => f.unknown !== undefined);
  const mappings = new Set(typos.map((f) => fieldPath(f.path)));
  const meant = new Set(typos.flatMap((f) => (f.guess ? [fieldPath([...f.path, f.guess])] : [])));
  const issues = flat
    .filter(
      (f) => f.unknown !== undefined || !(mappings.has(fieldPath(f.path)) || meant.has(fieldPath(f.path))),
    )
    .map(({ path, at = path, message, key }) => ({
      ...positionOf(source, fieldPath(at), key === true),
      path: fieldPath(path),
      message,
    }));
  return { issues };
}
