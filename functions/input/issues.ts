import type * as z from 'zod';

/**
 * How an input from outside that failed validation is put in words: where (a dotted field path,
 * `sharing.rules[0].match`, `detail.requestParameters`) and what is wrong (the first issue). The
 * Lambda's event parsing, the command line and the policy loader all word it this way.
 */

type Issue = z.core.$ZodIssue;

/** An input value as it may appear in a message: JSON-quoted, and short even when the input is not. */
export function show(value: unknown): string {
  // JSON escapes control characters but not bidi overrides, which could reorder the terminal line.
  const text = (JSON.stringify(value) ?? String(value)).replace(
    /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Appends a key or index to a dotted field path: `sharing` + `rules` + 0 → `sharing.rules[0]`. */
export function joinPath(path: string, segment: PropertyKey): string {
  if (typeof segment === 'number') return `${path}[${segment}]`;
  const name = String(segment);
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return path ? `${path}.${name}` : name;
  return `${path}[${show(name)}]`;
}

/** The path one level up: `sharing.rules[0].match` → `sharing.rules[0]` → `sharing.rules` → `sharing` → ''. */
export function parentPath(path: string): string {
  const cut = path.endsWith(']')
    ? path.lastIndexOf('[')
    : Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut > 0 ? path.slice(0, cut) : '';
}

/**
 * A field path as one dotted string: the one way the product writes where a value is.
 *
 * @example
 * fieldPath(['sharing', 'rules', 0, 'match']); // 'sharing.rules[0].match'
 * fieldPath(['tags', 'cost centre']);          // 'tags["cost centre"]'
 */
export function fieldPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((path, segment) => joinPath(path, segment), '');
}

/**
 * For a union, the issue of the branch the input came closest to (fewest issues), with the
 * union's own path in front: "dryRun: expected boolean" beats "Invalid input".
 */
function closestUnionIssue(issue: Issue, prefix: PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
  return best?.[0] ? closestUnionIssue(best[0], path) : { issue, path };
}

/**
 * The first issue of a failed parse as `path: message`, the way a person hunts for it; `whole`
 * names the input itself when the issue is about all of it.
 *
 * @example
 * describeIssue(CloudTrailEventSchema.safeParse(raw).error); // { path: 'detail.awsRegion', message: 'must be an AWS region name', ... }
 */
export function describeIssue(
  error: z.ZodError,
  whole = '(event)',
): { path: string; message: string; issue?: Issue } {
  const first = error.issues[0];
  if (!first) return { path: whole, message: 'invalid' };
  const { issue, path } = closestUnionIssue(first, []);
  return { path: fieldPath(path) || whole, message: issue.message, issue };
}
