import type { z } from 'zod';

/**
 * How an input from outside that failed validation is put in words: where (a dotted field path,
 * `sharing.rules[0].match`, `detail.requestParameters`) and what is wrong (the first issue). The
 * Lambda's event parsing, the command line and the policy loader all word it this way.
 */

type Issue = z.core.$ZodIssue;

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
 * The first issue of a failed parse as `path: message`, the way a person hunts for it.
 *
 * @example
 * describeIssue(CloudTrailEventSchema.safeParse(raw).error); // { path: 'detail.awsRegion', message: 'must be an AWS region name', ... }
 */
export function describeIssue(error: z.ZodError): { path: string; message: string; issue?: Issue } {
  const first = error.issues[0];
  if (!first) return { path: '(event)', message: 'invalid' };
  const { issue, path } = closestUnionIssue(first, []);
  const dotted = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return { path: dotted || '(event)', message: issue.message, issue };
}
